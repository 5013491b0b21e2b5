// The one Moneyhub client of the process: the user, connection and sync calls of
// docs/providers.md on the identity service, and the sync trigger on the data API, over the
// shared transport. Client-level tokens (client_credentials, no `sub`) are kept per scope set,
// user-scoped ones (`sub=<userId>`, for the data API) per user. Two things the contract leaves open
// are learned once per process instead of guessed on every call: which scope family a route accepts
// (the primary, else the other on `invalid_scope` or a 403) and which delete-connection path exists
// (the configured one, else the other on 404/405). No response cache here: see ./index.ts.

import { randomUUID } from 'node:crypto';
import type { CallContext } from '../../call-context';
import type { CoreConfig, MoneyhubConfig } from '../../config';
import { logger } from '../../observability';
import { parseErrorBody } from '../error-body';
import { ProviderError, ProviderFailure } from '../errors';
import { resolveSecret } from '../secrets';
import { type MintedToken, TokenCache } from '../token-cache';
import {
  encodePathSegment,
  type ProviderErrorBody,
  type ProviderRequest,
  type ProviderResponse,
  ProviderTransport,
} from '../transport';
import { type ClientAuthentication, clientSecretBasic, privateKeyJwt } from './client-auth';
import {
  type ConnectionSyncList,
  connectionSyncList,
  type MoneyhubUser,
  moneyhubTokenResponse,
  moneyhubUser,
  type SyncStarted,
  syncStarted,
  type UserConnectionList,
  userConnectionList,
} from './schemas';

export type DeleteConnectionPath = 'singular' | 'plural';

export interface MoneyhubClientOptions {
  moneyhub: MoneyhubConfig;
  core: CoreConfig;
  fetch?: typeof fetch;
  tokens?: TokenCache;
  /** Replaces the authentication the configuration describes. */
  authentication?: ClientAuthentication;
}

export interface RegisterUserInput {
  clientUserId?: string;
}

export interface SyncPage {
  limit?: number;
  offset?: number;
}

/** Moneyhub's `{code, message, correlationId}`, OAuth's `{error, error_description}`, or plain text. */
export function parseMoneyhubErrorBody(text: string): ProviderErrorBody {
  return parseErrorBody(text, {
    message: ['message', 'error_description', 'error'],
    code: ['code', 'error'],
    requestId: ['correlationId'],
  });
}

/** Which scope sets a call may use, in order of preference (docs/providers.md, Moneyhub "Scopes"). */
type ScopeGroup = 'register' | 'getUser' | 'deleteUser' | 'readConnections' | 'deleteConnection';

function scopeGroups(primaryFamily: 'connection' | 'user'): Record<ScopeGroup, string[]> {
  const families = primaryFamily === 'connection' ? ['connection', 'user'] : ['user', 'connection'];
  return {
    register: ['user:create'],
    getUser: ['user:read'],
    deleteUser: ['user:delete', 'user:read user:delete'],
    readConnections: families.map((family) => `${family}:read`),
    deleteConnection: families.map((family) => `${family}:delete`),
  };
}

/** Space-separated, de-duplicated and sorted, so one scope set is one token. */
const normaliseScope = (scope: string) => [...new Set(scope.split(' ').filter(Boolean))].sort().join(' ');
const tokenKey = (scope: string) => `client|${normaliseScope(scope)}`;
const userTokenPrefix = (userId: string) => `user|${userId}|`;

/** What a token for one user (`sub`) carries to trigger that user's syncs on the data API. */
const syncScope = normaliseScope('accounts:read accounts:write:all');
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
const otherPath = (path: DeleteConnectionPath): DeleteConnectionPath =>
  path === 'singular' ? 'plural' : 'singular';

/** A connection id keeps its `:` (a valid path character, sent raw by Moneyhub's own client). */
const encodeConnectionId = (connectionId: string) => encodePathSegment(connectionId).replace(/%3A/gi, ':');

const isInvalidScope = (error: unknown) =>
  error instanceof ProviderError && error.providerCode === 'invalid_scope';

/** The token server refused the scope, or the route refused a token that lacks the scope it wants. */
const refusesScope = (error: unknown) =>
  isInvalidScope(error) ||
  (error instanceof ProviderError &&
    error.failure === ProviderFailure.credentialsRejected &&
    error.providerStatus === 403);

export class MoneyhubClient {
  private readonly transport: ProviderTransport;
  /** The data API (`MONEYHUB_DATA_API_URL`): only the sync trigger lives there. */
  private readonly dataTransport: ProviderTransport;
  private readonly tokens: TokenCache;
  private readonly authentication: ClientAuthentication;
  private readonly scopes: Record<ScopeGroup, string[]>;
  /** The scope set that last worked per group, once a fallback was needed. */
  private readonly learnedScopes = new Map<ScopeGroup, string>();
  private deleteConnectionPath: DeleteConnectionPath;

  constructor(private readonly options: MoneyhubClientOptions) {
    const { core, moneyhub } = options;
    const transportOptions = {
      provider: 'moneyhub' as const,
      parseErrorBody: parseMoneyhubErrorBody,
      maxAttempts: core.PROVIDER_MAX_ATTEMPTS,
      attemptTimeoutMs: core.PROVIDER_ATTEMPT_TIMEOUT_MS,
      retryBaseMs: core.PROVIDER_RETRY_BASE_MS,
      retryAfterCapSeconds: core.PROVIDER_RETRY_AFTER_CAP_SECONDS,
      fetch: options.fetch,
    };
    this.transport = new ProviderTransport({ ...transportOptions, baseUrl: moneyhub.MONEYHUB_IDENTITY_URL });
    this.dataTransport = new ProviderTransport({
      ...transportOptions,
      baseUrl: moneyhub.MONEYHUB_DATA_API_URL,
    });
    this.tokens = options.tokens ?? new TokenCache();
    this.authentication = options.authentication ?? authenticationFrom(moneyhub);
    this.scopes = scopeGroups(moneyhub.MONEYHUB_CONNECTION_SCOPE_FAMILY);
    this.deleteConnectionPath = moneyhub.MONEYHUB_DELETE_CONNECTION_PATH;
  }

  /** `POST /users`: registers a user ahead of any connection. Retried safely under one Idempotency-Key. */
  async registerUser(call: CallContext, input: RegisterUserInput): Promise<MoneyhubUser> {
    const idempotencyKey = randomUUID();
    return this.withScopes(call, 'register', (token) =>
      this.transport.json(
        {
          operation: 'registerUser',
          method: 'POST',
          path: '/users',
          headers: bearer(token),
          body: { json: input.clientUserId === undefined ? {} : { clientUserId: input.clientUserId } },
          call,
          retry: true,
          idempotencyKey,
        },
        moneyhubUser,
      ),
    );
  }

  async getUser(call: CallContext, userId: string): Promise<MoneyhubUser> {
    return this.withScopes(call, 'getUser', (token) =>
      this.transport.json(
        {
          operation: 'getUser',
          method: 'GET',
          path: `/users/${encodePathSegment(userId)}`,
          headers: bearer(token),
          call,
          retry: true,
        },
        moneyhubUser,
      ),
    );
  }

  /** Deletes the user with all its connections and data (Moneyhub answers 204). */
  async deleteUser(call: CallContext, userId: string): Promise<void> {
    await this.withScopes(call, 'deleteUser', (token) =>
      this.transport.acknowledged({
        operation: 'deleteUser',
        method: 'DELETE',
        path: `/users/${encodePathSegment(userId)}`,
        headers: bearer(token),
        call,
        retry: true,
      }),
    );
  }

  async listConnections(call: CallContext, userId: string): Promise<UserConnectionList> {
    return this.withScopes(call, 'readConnections', (token) =>
      this.transport.json(
        {
          operation: 'listConnections',
          method: 'GET',
          path: `/users/${encodePathSegment(userId)}/connections`,
          headers: bearer(token),
          call,
          retry: true,
        },
        userConnectionList,
      ),
    );
  }

  /** One page of the user's syncs; an absent limit or offset is left to Moneyhub's default. */
  async listSyncs(call: CallContext, userId: string, page: SyncPage = {}): Promise<ConnectionSyncList> {
    return this.withScopes(call, 'readConnections', (token) =>
      this.transport.json(
        {
          operation: 'listSyncs',
          method: 'GET',
          path: `/users/${encodePathSegment(userId)}/syncs`,
          query: {
            limit: page.limit === undefined ? undefined : String(page.limit),
            offset: page.offset === undefined ? undefined : String(page.offset),
          },
          headers: bearer(token),
          call,
          retry: true,
        },
        connectionSyncList,
      ),
    );
  }

  /**
   * Deletes one connection. The path is `/connection/` (singular) or `/connections/` (plural)
   * depending on which documentation is right: the remembered one is tried first, the other on
   * 404/405, and whichever answers 2xx is remembered. A 404 from both is the connection's absence.
   */
  async deleteConnection(call: CallContext, userId: string, connectionId: string): Promise<void> {
    await this.withScopes(call, 'deleteConnection', async (token) => {
      const first = this.deleteConnectionPath;
      let refused: { request: ProviderRequest; response: ProviderResponse } | undefined;
      for (const path of [first, otherPath(first)]) {
        const request: ProviderRequest = {
          operation: 'deleteConnection',
          method: 'DELETE',
          path: `/users/${encodePathSegment(userId)}/${path === 'singular' ? 'connection' : 'connections'}/${encodeConnectionId(connectionId)}`,
          headers: bearer(token),
          call,
          retry: true,
          passStatuses: [404, 405],
        };
        const response = await this.transport.acknowledged(request);
        if (response.status !== 404 && response.status !== 405) {
          if (path !== this.deleteConnectionPath) {
            logger.info('Moneyhub delete-connection path learned', { path });
            this.deleteConnectionPath = path;
          }
          return;
        }
        // A 404 says more than a 405 (which only says the path does not exist).
        if (!refused || refused.response.status === 405) refused = { request, response };
      }
      const { request, response } = refused as { request: ProviderRequest; response: ProviderResponse };
      throw this.transport.errorFor(request, response);
    });
  }

  /** Drops every cached token of this process. */
  forgetAllTokens() {
    this.tokens.clear();
  }

  /**
   * Starts a sync of one connection: `POST {data API}/sync/{connectionId}` with a token for the user
   * (`sub`), kept per user like Tink's user tokens. Moneyhub answers at once with the sync's id; the
   * sync itself finishes later. Never repeated by the transport: a sync is not idempotent and
   * Moneyhub documents no Idempotency-Key, so a lost answer is left to the caller to judge.
   */
  async triggerSync(call: CallContext, userId: string, connectionId: string): Promise<SyncStarted> {
    return this.tokens.use(
      `${userTokenPrefix(userId)}${syncScope}`,
      () => this.mintToken(call, syncScope, userId),
      (token) =>
        this.dataTransport.json(
          {
            operation: 'syncConnection',
            method: 'POST',
            path: `/sync/${encodeConnectionId(connectionId)}`,
            headers: bearer(token),
            call,
            retry: false,
            // Moneyhub throttles syncs per connection: that 429 must not hold up the other users.
            rateLimitsResourceOnly: true,
          },
          syncStarted,
        ),
    );
  }

  /** Drops the user's tokens (after the user was deleted). */
  forgetUser(userId: string) {
    this.tokens.forgetPrefix(userTokenPrefix(userId));
  }

  /** Forgets the learned scope sets and delete-connection path: back to the configured defaults. */
  forgetLearnedFallbacks() {
    this.learnedScopes.clear();
    this.deleteConnectionPath = this.options.moneyhub.MONEYHUB_DELETE_CONNECTION_PATH;
  }

  /**
   * Runs `action` with a client token for the group's first acceptable scope set. A scope set the
   * token server refuses (`invalid_scope`) or the route refuses (403) moves on to the next one; the
   * one that worked is tried first from then on.
   */
  private async withScopes<T>(
    call: CallContext,
    group: ScopeGroup,
    action: (token: string) => Promise<T>,
  ): Promise<T> {
    const configured = this.scopes[group];
    const learned = this.learnedScopes.get(group);
    const candidates = learned ? [learned, ...configured.filter((scope) => scope !== learned)] : configured;
    let refusal: unknown;
    for (const scope of candidates) {
      try {
        const result = await this.tokens.use(tokenKey(scope), () => this.mintToken(call, scope), action);
        if (candidates.length > 1 && scope !== (learned ?? configured[0])) {
          logger.info('Moneyhub scope set learned', { group, scope });
        }
        if (candidates.length > 1) this.learnedScopes.set(group, scope);
        return result;
      } catch (error) {
        if (!refusesScope(error)) throw error;
        // What a route answered says more than the token server's refusal of a fallback's scope.
        refusal = refusal !== undefined && !isInvalidScope(refusal) ? refusal : error;
        logger.info('Moneyhub refused a scope set', { group, scope });
      }
    }
    throw refusal;
  }

  /** A client_credentials token for the scope set; with `sub`, scoped to that user's data. */
  private async mintToken(call: CallContext, scope: string, sub?: string): Promise<MintedToken> {
    const operation = sub === undefined ? 'clientToken' : 'userToken';
    try {
      const token = await this.transport.json(
        {
          operation,
          method: 'POST',
          path: '/oidc/token',
          headers: await this.authentication.headers(),
          bodyForAttempt: async () => ({
            form: {
              grant_type: 'client_credentials',
              scope: normaliseScope(scope),
              sub,
              ...(await this.authentication.form()),
            },
          }),
          call,
          // Minting a client token twice is harmless; each attempt signs a fresh assertion.
          retry: true,
        },
        moneyhubTokenResponse,
      );
      logger.debug(sub === undefined ? 'Minted a Moneyhub client token' : 'Minted a Moneyhub user token', {
        scope,
        expiresInSeconds: token.expires_in,
      });
      return { accessToken: token.access_token, expiresInSeconds: token.expires_in };
    } catch (error) {
      // `invalid_scope`, `invalid_request`…: our token request is at fault, never the caller's.
      if (error instanceof ProviderError && error.providerStatus === 400) {
        throw new ProviderError({
          provider: 'moneyhub',
          operation,
          failure: ProviderFailure.credentialsRejected,
          detail:
            "The provider refused this service's token request (status 400); the caller is not at fault",
          providerStatus: error.providerStatus,
          providerRequestId: error.providerRequestId,
          providerCode: error.providerCode,
          cause: error,
        });
      }
      throw error;
    }
  }
}

function authenticationFrom(moneyhub: MoneyhubConfig): ClientAuthentication {
  const clientId = moneyhub.MONEYHUB_CLIENT_ID;
  if (moneyhub.MONEYHUB_AUTH_METHOD === 'client_secret_basic') {
    return clientSecretBasic({
      clientId,
      clientSecret: () =>
        resolveSecret(
          'MONEYHUB_CLIENT_SECRET',
          moneyhub.MONEYHUB_CLIENT_SECRET,
          moneyhub.MONEYHUB_CLIENT_SECRET_PARAMETER,
        ),
    });
  }
  return privateKeyJwt({
    clientId,
    audience: `${moneyhub.MONEYHUB_IDENTITY_URL.replace(/\/$/, '')}/oidc`,
    privateJwk: () =>
      resolveSecret(
        'MONEYHUB_PRIVATE_JWK',
        moneyhub.MONEYHUB_PRIVATE_JWK,
        moneyhub.MONEYHUB_PRIVATE_JWK_PARAMETER,
      ),
  });
}
