// The one Tink client of the process: the eight calls of docs/providers.md over the shared transport,
// with Tink's tokens. Client tokens are kept per scope set; each user has ONE user token carrying
// TINK_USER_SCOPES (authorization grant + code exchange, the server-side recipe); a `user:delete`
// token is minted only for a deletion and never kept. Tink refusing a request this service makes for
// itself (a token, a grant or exchange behind a read) is never the caller's fault: 502, Tink's words
// in one log line only. Tink refusing a scope the app is not entitled to is not a bad token either:
// no re-mint; 403 naming the scope when the caller asked for it, a configuration error when
// TINK_USER_SCOPES did. No response cache here: see ./operations.ts.

import { randomUUID } from 'node:crypto';
import type * as z from 'zod';
import type { CallContext } from '../../call-context';
import type { CoreConfig, TinkConfig } from '../../config';
import { resolveSecret } from '../../secrets';
import { AccessTokens, bearer, mintedToken } from '../access-tokens';
import { deleteAllowingLostAnswer } from '../lost-answer';
import { encodePathSegment } from '../request-encoding';
import { decodeJson } from '../response-decoding';
import type { MintedToken, TokenCache } from '../token-cache';
import { type ProviderRequest, ProviderTransport, transportSettingsFrom } from '../transport';
import { configuredScopeRefused, entitlementRefusal, refusedOwnRequest, scopeNotAllowed } from './refusals';
import {
  parseTinkErrorBody,
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

/** Comma-separated, trimmed, de-duplicated, in a stable order (so one scope set is one token key). */
function scopeList(scopes: readonly string[] | string): string {
  const list = typeof scopes === 'string' ? scopes.split(',') : scopes;
  return [...new Set(list.map((scope) => scope.trim()).filter(Boolean))].sort().join(',');
}

/** Who asked for a grant's scopes: the caller (its business) or this service (its configuration). */
type GrantPurpose = 'caller' | 'service';

const credentialPath = (credentialId: string) => `/api/v1/credentials/${encodePathSegment(credentialId)}`;

export class TinkClient {
  private readonly transport: ProviderTransport;
  private readonly tokens: AccessTokens;
  private readonly userScope: string;

  constructor(private readonly options: TinkClientOptions) {
    const { core, tink } = options;
    this.transport = new ProviderTransport({
      provider: 'tink',
      baseUrl: tink.TINK_BASE_URL,
      traceHeader: 'X-Client-Trace-ID',
      parseErrorBody: parseTinkErrorBody,
      ...transportSettingsFrom(core),
      fetch: options.fetch,
    });
    this.tokens = new AccessTokens(options.tokens);
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
    return this.grant(call, input, 'createAuthorization', 'caller');
  }

  /** Exchanges an authorization code for a user token. Never retried: the code is single-use. */
  async exchangeCode(call: CallContext, code: string): Promise<TinkTokenResponse> {
    return this.exchange(call, code, 'exchangeCode', 'caller');
  }

  async listCredentials(call: CallContext, userId: string): Promise<TinkCredentialList> {
    return this.getAsUser(call, userId, 'listCredentials', '/api/v1/credentials/list', tinkCredentialList);
  }

  async getCredential(call: CallContext, userId: string, credentialId: string): Promise<TinkCredential> {
    return this.getAsUser(call, userId, 'getCredential', credentialPath(credentialId), tinkCredential);
  }

  /**
   * Starts Tink's asynchronous deletion (a list right after may still show the credential). A 404
   * after a lost answer is the deletion we asked for (see ../lost-answer.ts).
   */
  async deleteCredential(call: CallContext, userId: string, credentialId: string): Promise<void> {
    await this.withUserToken(call, userId, (token) =>
      deleteAllowingLostAnswer(this.transport, {
        operation: 'deleteCredential',
        method: 'DELETE',
        path: credentialPath(credentialId),
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
        path: `${credentialPath(credentialId)}/refresh`,
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
    this.tokens.forgetUser(userId);
  }

  /** Drops every cached token (client and user) of this process. */
  forgetAllTokens() {
    this.tokens.clear();
  }

  /** A GET with the user's token, retried, its body checked against the schema. */
  private getAsUser<Schema extends z.ZodType>(
    call: CallContext,
    userId: string,
    operation: string,
    path: string,
    schema: Schema,
  ): Promise<z.output<Schema>> {
    return this.withUserToken(call, userId, (token) =>
      this.transport.json(
        { operation, method: 'GET', path, headers: bearer(token), call, retry: true },
        schema,
      ),
    );
  }

  private withClientToken<T>(call: CallContext, scopes: string, action: (token: string) => Promise<T>) {
    const scope = scopeList(scopes);
    return this.tokens.forClient(scope, () => this.mintClientToken(call, scope), action);
  }

  private withUserToken<T>(call: CallContext, userId: string, action: (token: string) => Promise<T>) {
    return this.tokens.forUser(
      userId,
      this.userScope,
      () => this.mintUserToken(call, userId, this.userScope),
      action,
    );
  }

  private async mintClientToken(call: CallContext, scope: string): Promise<MintedToken> {
    const token = await this.token(
      call,
      'clientToken',
      { grant_type: 'client_credentials', scope },
      { retry: true, idempotencyKey: randomUUID(), passStatuses: [400, 401] },
    );
    return mintedToken('tink', 'client', scope, token);
  }

  /** The server-side recipe: authorization grant for the user, then the code exchange. */
  private async mintUserToken(call: CallContext, userId: string, scope: string): Promise<MintedToken> {
    const code = await this.grant(call, { userId, scope: scope.split(',') }, 'userToken.grant', 'service');
    return mintedToken(
      'tink',
      'user',
      scope,
      await this.exchange(call, code, 'userToken.exchange', 'service'),
    );
  }

  private grant(
    call: CallContext,
    input: TinkAuthorizationInput,
    operation: string,
    purpose: GrantPurpose,
  ): Promise<string> {
    const idempotencyKey = randomUUID();
    const delegated = input.delegate !== undefined;
    return this.withClientToken(call, 'authorization:grant', async (token) => {
      const request: ProviderRequest = {
        operation,
        method: 'POST',
        path: delegated ? '/api/v1/oauth/authorization-grant/delegate' : '/api/v1/oauth/authorization-grant',
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
        passStatuses: purpose === 'service' ? [400, 401] : [401],
      };
      const response = await this.transport.send(request);
      if (response.status === 401) {
        const refused = entitlementRefusal(response, input.scope);
        // Any other 401 is the client token's: the token cache drops it and tries once more.
        if (!refused) throw this.transport.errorFor(request, response);
        throw purpose === 'caller'
          ? scopeNotAllowed(request, response, refused)
          : configuredScopeRefused(request, response, refused);
      }
      if (response.status === 400) throw refusedOwnRequest(request, response);
      return decodeJson({ provider: 'tink', operation: request.operation }, response, tinkAuthorizationCode)
        .code;
    });
  }

  /** Exchanges a code; for this service's own user token, a refusal is ours (502), not the caller's. */
  private exchange(
    call: CallContext,
    code: string,
    operation: string,
    purpose: GrantPurpose,
  ): Promise<TinkTokenResponse> {
    return this.token(
      call,
      operation,
      { grant_type: 'authorization_code', code },
      // The code is spent by the first attempt that reaches Tink, answered or not.
      { retry: false, passStatuses: purpose === 'service' ? [400, 401] : undefined },
    );
  }

  /**
   * A request to Tink's token endpoint with this service's client id and secret. A 400/401 let
   * through (`passStatuses`) is Tink refusing this service's own request: 502, never the caller's.
   */
  private async token(
    call: CallContext,
    operation: string,
    grant: Record<string, string>,
    attempts: Pick<ProviderRequest, 'retry' | 'idempotencyKey' | 'passStatuses'>,
  ): Promise<TinkTokenResponse> {
    const request: ProviderRequest = {
      operation,
      method: 'POST',
      path: '/api/v1/oauth/token',
      body: {
        form: {
          client_id: this.options.tink.TINK_CLIENT_ID,
          client_secret: await this.clientSecret(),
          ...grant,
        },
      },
      call,
      ...attempts,
    };
    const response = await this.transport.send(request);
    if (response.status === 400 || response.status === 401) throw refusedOwnRequest(request, response);
    return decodeJson({ provider: 'tink', operation }, response, tinkTokenResponse);
  }

  private clientSecret(): Promise<string> {
    const { tink } = this.options;
    return resolveSecret('TINK_CLIENT_SECRET', tink.TINK_CLIENT_SECRET, tink.TINK_CLIENT_SECRET_PARAMETER);
  }
}
