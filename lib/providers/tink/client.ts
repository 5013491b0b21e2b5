// The one Tink client of the process: the eight calls of contracts/tink.md over the shared transport,
// with Tink's tokens. Client tokens are kept per scope set; each user has ONE user token carrying
// TINK_USER_SCOPES (authorization grant + code exchange, the server-side recipe); a `user:delete`
// token is minted only for a deletion and never kept. No response cache here: see ./index.ts.

import { randomUUID } from 'node:crypto';
import type { CallContext } from '../../call-context';
import type { CoreConfig, TinkConfig } from '../../config';
import { logger } from '../../observability';
import { parseErrorBody } from '../error-body';
import { resolveSecret } from '../secrets';
import { type MintedToken, TokenCache } from '../token-cache';
import {
  encodePathSegment,
  type ProviderErrorBody,
  type ProviderRequest,
  ProviderTransport,
} from '../transport';
import {
  type TinkCreatedUser,
  type TinkCredential,
  type TinkCredentialList,
  type TinkTokenResponse,
  type TinkWebhookEndpoint,
  tinkAuthorizationCode,
  tinkCreatedUser,
  tinkCredential,
  tinkCredentialList,
  tinkTokenResponse,
  tinkWebhookEndpoint,
} from './schemas';

export interface TinkCreateUserInput {
  market: string;
  locale?: string;
  externalUserId?: string;
  retentionClass?: 'permanent' | 'temporary';
}

export interface TinkAuthorizationInput {
  userId: string;
  scope: readonly string[];
  /** Tink Link hand-over: the `/delegate` grant, shown to the user as `idHint`. */
  delegate?: { idHint: string; actorClientId: string };
}

export interface TinkRefreshOptions {
  items?: string[];
  authenticate?: boolean;
  appUri?: string;
  callbackUri?: string;
  userAvailability?: {
    userAvailableForInteraction: boolean;
    userPresent: boolean;
    originatingUserIp?: string;
  };
}

export interface TinkClientOptions {
  tink: TinkConfig;
  core: CoreConfig;
  fetch?: typeof fetch;
  tokens?: TokenCache;
}

/** Tink's error bodies: `{errorMessage, errorCode}`, OAuth's `{error, error_description}`, or plain text. */
export function parseTinkErrorBody(text: string): ProviderErrorBody {
  return parseErrorBody(text, {
    message: ['errorMessage', 'error_description', 'message', 'error'],
    code: ['errorCode', 'error'],
  });
}

/** Comma-separated, trimmed, de-duplicated, in a stable order (so one scope set is one token key). */
function scopeList(scopes: readonly string[] | string): string {
  const list = typeof scopes === 'string' ? scopes.split(',') : scopes;
  return [...new Set(list.map((scope) => scope.trim()).filter(Boolean))].sort().join(',');
}

const clientTokenKey = (scope: string) => `client|${scope}`;
const userTokenPrefix = (userId: string) => `user|${userId}|`;
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

export class TinkClient {
  private readonly transport: ProviderTransport;
  private readonly tokens: TokenCache;
  private readonly userScope: string;

  constructor(private readonly options: TinkClientOptions) {
    const { core, tink } = options;
    this.transport = new ProviderTransport({
      provider: 'tink',
      baseUrl: tink.TINK_BASE_URL,
      traceHeader: 'X-Client-Trace-ID',
      parseErrorBody: parseTinkErrorBody,
      maxAttempts: core.PROVIDER_MAX_ATTEMPTS,
      attemptTimeoutMs: core.PROVIDER_ATTEMPT_TIMEOUT_MS,
      retryBaseMs: core.PROVIDER_RETRY_BASE_MS,
      retryAfterCapSeconds: core.PROVIDER_RETRY_AFTER_CAP_SECONDS,
      fetch: options.fetch,
    });
    this.tokens = options.tokens ?? new TokenCache();
    this.userScope = scopeList(tink.TINK_USER_SCOPES);
  }

  async createUser(call: CallContext, input: TinkCreateUserInput): Promise<TinkCreatedUser> {
    const idempotencyKey = randomUUID();
    return this.withClientToken(call, 'user:create', (token) =>
      this.transport.json(
        {
          operation: 'createUser',
          method: 'POST',
          path: '/api/v1/user/create',
          headers: bearer(token),
          body: {
            json: {
              market: input.market,
              locale: input.locale,
              external_user_id: input.externalUserId,
              retention_class: input.retentionClass,
            },
          },
          call,
          retry: true,
          idempotencyKey,
        },
        tinkCreatedUser,
      ),
    );
  }

  /** A single-use authorization code for the user (plain or, with `delegate`, for Tink Link). */
  async createAuthorization(call: CallContext, input: TinkAuthorizationInput): Promise<string> {
    return this.grant(call, input, 'createAuthorization');
  }

  /** Exchanges an authorization code for a user token. Never retried: the code is single-use. */
  async exchangeCode(call: CallContext, code: string): Promise<TinkTokenResponse> {
    return this.exchange(call, code, 'exchangeCode');
  }

  async listCredentials(call: CallContext, userId: string): Promise<TinkCredentialList> {
    return this.withUserToken(call, userId, (token) =>
      this.transport.json(
        {
          operation: 'listCredentials',
          method: 'GET',
          path: '/api/v1/credentials/list',
          headers: bearer(token),
          call,
          retry: true,
        },
        tinkCredentialList,
      ),
    );
  }

  async getCredential(call: CallContext, userId: string, credentialId: string): Promise<TinkCredential> {
    return this.withUserToken(call, userId, (token) =>
      this.transport.json(
        {
          operation: 'getCredential',
          method: 'GET',
          path: `/api/v1/credentials/${encodePathSegment(credentialId)}`,
          headers: bearer(token),
          call,
          retry: true,
        },
        tinkCredential,
      ),
    );
  }

  /** Starts Tink's asynchronous deletion (a list right after may still show the credential). */
  async deleteCredential(call: CallContext, userId: string, credentialId: string): Promise<void> {
    await this.withUserToken(call, userId, (token) =>
      this.transport.acknowledged({
        operation: 'deleteCredential',
        method: 'DELETE',
        path: `/api/v1/credentials/${encodePathSegment(credentialId)}`,
        headers: bearer(token),
        call,
        retry: true,
      }),
    );
  }

  /** Starts a refresh (Tink answers 204 when it started, not when it finished). */
  async refreshCredential(
    call: CallContext,
    userId: string,
    credentialId: string,
    options: TinkRefreshOptions = {},
  ): Promise<void> {
    const { items, authenticate, ...body } = options;
    const hasBody = Object.values(body).some((value) => value !== undefined);
    const idempotencyKey = randomUUID();
    await this.withUserToken(call, userId, (token) =>
      this.transport.acknowledged({
        operation: 'refreshCredential',
        method: 'POST',
        path: `/api/v1/credentials/${encodePathSegment(credentialId)}/refresh`,
        query: { items, authenticate: authenticate === undefined ? undefined : String(authenticate) },
        headers: bearer(token),
        body: hasBody ? { json: body } : undefined,
        call,
        retry: true,
        idempotencyKey,
      }),
    );
  }

  /** Deletes the user with a `user:delete` token minted for this call only, then drops its tokens. */
  async deleteUser(call: CallContext, userId: string): Promise<void> {
    const minted = await this.mintUserToken(call, userId, 'user:delete');
    await this.transport.acknowledged({
      operation: 'deleteUser',
      method: 'POST',
      path: '/api/v1/user/delete',
      headers: bearer(minted.accessToken),
      call,
      retry: true,
      idempotencyKey: randomUUID(),
    });
    this.forgetUser(userId);
  }

  /**
   * Registers a webhook endpoint (client token with scope `webhook-endpoints`). Not retried: a lost
   * answer would leave an endpoint whose secret nobody saw; list and delete it at Tink instead.
   */
  async createWebhookEndpoint(
    call: CallContext,
    input: { url: string; description: string; enabledEvents: readonly string[] },
  ): Promise<TinkWebhookEndpoint> {
    return this.withClientToken(call, 'webhook-endpoints', (token) =>
      this.transport.json(
        {
          operation: 'createWebhookEndpoint',
          method: 'POST',
          path: '/events/v2/webhook-endpoints',
          headers: bearer(token),
          body: { json: { ...input, disabled: false } },
          call,
          retry: false,
        },
        tinkWebhookEndpoint,
      ),
    );
  }

  /** Drops the user's cached token(s), e.g. after the user was deleted. */
  forgetUser(userId: string) {
    this.tokens.forgetPrefix(userTokenPrefix(userId));
  }

  /** Drops every cached token (client and user) of this process. */
  forgetAllTokens() {
    this.tokens.clear();
  }

  private withClientToken<T>(call: CallContext, scopes: string, action: (token: string) => Promise<T>) {
    const scope = scopeList(scopes);
    return this.tokens.use(clientTokenKey(scope), () => this.mintClientToken(call, scope), action);
  }

  private withUserToken<T>(call: CallContext, userId: string, action: (token: string) => Promise<T>) {
    return this.tokens.use(
      `${userTokenPrefix(userId)}${this.userScope}`,
      () => this.mintUserToken(call, userId, this.userScope),
      action,
    );
  }

  private async mintClientToken(call: CallContext, scope: string): Promise<MintedToken> {
    const token = await this.transport.json(
      {
        operation: 'clientToken',
        method: 'POST',
        path: '/api/v1/oauth/token',
        body: {
          form: {
            client_id: this.options.tink.TINK_CLIENT_ID,
            client_secret: await this.clientSecret(),
            grant_type: 'client_credentials',
            scope,
          },
        },
        call,
        retry: true,
        idempotencyKey: randomUUID(),
      },
      tinkTokenResponse,
    );
    logger.debug('Minted a Tink client token', { scope, expiresInSeconds: token.expires_in });
    return { accessToken: token.access_token, expiresInSeconds: token.expires_in };
  }

  /** The server-side recipe: authorization grant for the user, then the code exchange. */
  private async mintUserToken(call: CallContext, userId: string, scope: string): Promise<MintedToken> {
    const code = await this.grant(call, { userId, scope: scope.split(',') }, 'userToken.grant');
    const token = await this.exchange(call, code, 'userToken.exchange');
    logger.debug('Minted a Tink user token', { scope, expiresInSeconds: token.expires_in });
    return { accessToken: token.access_token, expiresInSeconds: token.expires_in };
  }

  private grant(call: CallContext, input: TinkAuthorizationInput, operation: string): Promise<string> {
    const idempotencyKey = randomUUID();
    const delegated = input.delegate !== undefined;
    return this.withClientToken(call, 'authorization:grant', async (token) => {
      const granted = await this.transport.json(
        {
          operation,
          method: 'POST',
          path: delegated
            ? '/api/v1/oauth/authorization-grant/delegate'
            : '/api/v1/oauth/authorization-grant',
          headers: bearer(token),
          body: {
            form: {
              user_id: input.userId,
              scope: scopeList(input.scope),
              id_hint: input.delegate?.idHint,
              actor_client_id: input.delegate?.actorClientId,
            },
          },
          call,
          retry: true,
          idempotencyKey,
        },
        tinkAuthorizationCode,
      );
      return granted.code;
    });
  }

  private async exchange(call: CallContext, code: string, operation: string): Promise<TinkTokenResponse> {
    const request: ProviderRequest = {
      operation,
      method: 'POST',
      path: '/api/v1/oauth/token',
      body: {
        form: {
          client_id: this.options.tink.TINK_CLIENT_ID,
          client_secret: await this.clientSecret(),
          grant_type: 'authorization_code',
          code,
        },
      },
      call,
      // The code is spent by the first attempt that reaches Tink, answered or not.
      retry: false,
    };
    return this.transport.json(request, tinkTokenResponse);
  }

  private clientSecret(): Promise<string> {
    const { tink } = this.options;
    return resolveSecret('TINK_CLIENT_SECRET', tink.TINK_CLIENT_SECRET, tink.TINK_CLIENT_SECRET_PARAMETER);
  }
}
