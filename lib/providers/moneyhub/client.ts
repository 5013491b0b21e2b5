// The one Moneyhub client of the process: the user, connection and sync calls of
// docs/providers.md on the identity service, and the sync trigger on the data API, over the
// shared transport. Client-level tokens (client_credentials, no `sub`) are kept per scope set,
// user-scoped ones (`sub=<userId>`, for the data API) per user. Moneyhub accepts either scope family
// (`user:*` or `connection:*`) on the connection and sync routes: the configured family is asked
// for, the other only when the token server refuses it (`invalid_scope`, an API client registered
// with one family). Which delete-connection path exists is learned once per process (the configured
// one, else the other on 404/405). No response cache here: see ./index.ts.

import { randomUUID } from 'node:crypto';
import type { CallContext } from '../../call-context';
import type { CoreConfig, MoneyhubConfig } from '../../config';
import { logger } from '../../observability';
import { parseErrorBody } from '../error-body';
import { ProviderError, ProviderFailure } from '../errors';
import { deleteAllowingLostAnswer, mayBeGoneByLostAnswer } from '../lost-answer';
import { encodePathSegment } from '../request-encoding';
import { resolveSecret } from '../secrets';
import { type MintedToken, TokenCache } from '../token-cache';
import {
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

/** The token server refused the scope set: this API client is not registered for it. */
const isInvalidScope = (error: unknown) =>
  error instanceof ProviderError && error.providerCode === 'invalid_scope';

export class MoneyhubClient {
  private readonly transport: ProviderTransport;
  /** The data API (`MONEYHUB_DATA_API_URL`): only the sync trigger lives there. */
  private readonly dataTransport: ProviderTransport;
  private readonly tokens: TokenCache;
  private readonly authentication: ClientAuthentication;
  private readonly scopes: Record<ScopeGroup, string[]>;
  /** Scope sets the token server refused (`invalid_scope`): not asked for again by this process. */
  private readonly refusedScopes = new Set<string>();
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
      maxBodyBytes: core.PROVIDER_MAX_BODY_BYTES,
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

  /**
   * Deletes the user with all its connections and data (Moneyhub answers 204). A 404 after a lost
   * answer is the deletion we asked for (see ../lost-answer.ts).
   */
  async deleteUser(call: CallContext, userId: string): Promise<void> {
    await this.withScopes(call, 'deleteUser', (token) =>
      deleteAllowingLostAnswer(this.transport, {
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
   * 404/405, and whichever answers 2xx is remembered. A 404 from both is the connection's absence,
   * except after a lost answer: that 404 may be the unsupported path's "no such route" just as well
   * as the supported one's "already deleted", so the user's connection list decides.
   */
  async deleteConnection(call: CallContext, userId: string, connectionId: string): Promise<void> {
    const refused = await this.withScopes(call, 'deleteConnection', async (token) => {
      const first = this.deleteConnectionPath;
      let refused: { request: ProviderRequest; response: ProviderResponse } | undefined;
      let mayBeGone = false;
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
          return undefined;
        }
        mayBeGone ||= mayBeGoneByLostAnswer(response);
        // A 404 says more than a 405 (which only says the path does not exist).
        if (!refused || refused.response.status === 405) refused = { request, response };
      }
      return refused && { ...refused, mayBeGone };
    });
    if (!refused) return;
    const { request, response } = refused;
    if (!refused.mayBeGone) throw this.transport.errorFor(request, response);
    const { data } = await this.listConnections(call, userId);
    if (data.some((connection) => connection.id === connectionId)) {
      throw new ProviderError({
        provider: 'moneyhub',
        operation: 'deleteConnection',
        failure: ProviderFailure.unavailable,
        detail: 'The provider did not delete the connection: neither delete path accepted it',
        providerStatus: response.status,
        providerRequestId: response.providerRequestId,
      });
    }
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

  /** Forgets refused scope sets and the learned delete-connection path: back to the configuration. */
  forgetLearnedFallbacks() {
    this.refusedScopes.clear();
    this.deleteConnectionPath = this.options.moneyhub.MONEYHUB_DELETE_CONNECTION_PATH;
  }

  /**
   * Runs `action` with a client token for the group's configured scope set, or for its fallback when
   * the token server refuses the configured one (`invalid_scope`). A refused set is not asked for
   * again, so a tenant registered with one family costs one extra token request per process, not
   * one per call. What a route answers (a 403 included) is never a reason to switch.
   */
  private async withScopes<T>(
    call: CallContext,
    group: ScopeGroup,
    action: (token: string) => Promise<T>,
  ): Promise<T> {
    const configured = this.scopes[group];
    const untried = configured.filter((scope) => !this.refusedScopes.has(scope));
    // Every set refused before: the API client's registration may have changed since, so ask again.
    const candidates = untried.length > 0 ? untried : configured;
    let refusal: unknown;
    for (const scope of candidates) {
      try {
        return await this.tokens.use(tokenKey(scope), () => this.mintToken(call, scope), action);
      } catch (error) {
        // Only the token server says `invalid_scope`; a route's refusal is never a reason to switch.
        if (!isInvalidScope(error)) throw error;
        this.refusedScopes.add(scope);
        refusal = error;
        logger.warn('Moneyhub refused a scope set', { group, scope });
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
