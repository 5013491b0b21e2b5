// The one Moneyhub client of the process: the user, connection and sync calls of docs/providers.md
// on the identity service, and the sync trigger on the data API, over the shared transport.
// Client-level tokens (client_credentials, no `sub`) are kept per scope set, user-scoped ones
// (`sub=<userId>`, for the data API) per user; ./token-endpoint.ts mints them. Which scope family a
// call asks for and which delete-connection path is tried first are learned at run time:
// ./scope-family-fallback.ts and ./delete-connection-path.ts say why. No response cache here: see
// ./operations.ts.

import { randomUUID } from 'node:crypto';
import type { CallContext } from '../../call-context';
import type { CoreConfig, MoneyhubConfig } from '../../config';
import { AccessTokens, bearer } from '../access-tokens';
import { ProviderError, ProviderFailure } from '../errors';
import { deleteAllowingLostAnswer } from '../lost-answer';
import type { TokenCache } from '../token-cache';
import { ProviderTransport, transportSettingsFrom } from '../transport';
import { authenticationFrom, type ClientAuthentication } from './client-auth';
import { DeleteConnectionPaths } from './delete-connection-path';
import { encodeConnectionId, userPath } from './paths';
import {
  type ConnectionSyncList,
  connectionSyncList,
  type MoneyhubUser,
  moneyhubUser,
  parseMoneyhubErrorBody,
  type SyncStarted,
  syncStarted,
  type UserConnectionList,
  userConnectionList,
} from './schemas';
import { ScopeFamilyFallback, type ScopeGroup } from './scope-family-fallback';
import { normaliseScope, requestToken } from './token-endpoint';

export interface MoneyhubClientOptions {
  moneyhub: MoneyhubConfig;
  core: CoreConfig;
  fetch?: typeof fetch;
  tokens?: TokenCache;
  /** Replaces the authentication the configuration describes. */
  authentication?: ClientAuthentication;
  /** What this client learns of the scope families; by default a fresh one from the configuration. */
  scopeFamilies?: ScopeFamilyFallback;
  /** What this client learns of the delete-connection path; by default a fresh one from the configuration. */
  deleteConnectionPaths?: DeleteConnectionPaths;
}

export interface RegisterUserInput {
  clientUserId?: string;
}

export interface SyncPage {
  limit?: number;
  offset?: number;
}

/** What a token for one user (`sub`) carries to trigger that user's syncs on the data API. */
const syncScope = normaliseScope('accounts:read accounts:write:all');

export class MoneyhubClient {
  private readonly transport: ProviderTransport;
  /** The data API (`MONEYHUB_DATA_API_URL`): only the sync trigger lives there. */
  private readonly dataTransport: ProviderTransport;
  private readonly tokens: AccessTokens;
  private readonly authentication: ClientAuthentication;
  private readonly scopeFamilies: ScopeFamilyFallback;
  private readonly deleteConnectionPaths: DeleteConnectionPaths;

  constructor(options: MoneyhubClientOptions) {
    const { core, moneyhub } = options;
    const settings = {
      provider: 'moneyhub' as const,
      parseErrorBody: parseMoneyhubErrorBody,
      ...transportSettingsFrom(core),
      fetch: options.fetch,
    };
    this.transport = new ProviderTransport({ ...settings, baseUrl: moneyhub.MONEYHUB_IDENTITY_URL });
    this.dataTransport = new ProviderTransport({ ...settings, baseUrl: moneyhub.MONEYHUB_DATA_API_URL });
    this.tokens = new AccessTokens(options.tokens);
    this.authentication = options.authentication ?? authenticationFrom(moneyhub);
    this.scopeFamilies =
      options.scopeFamilies ?? new ScopeFamilyFallback(moneyhub.MONEYHUB_CONNECTION_SCOPE_FAMILY);
    this.deleteConnectionPaths =
      options.deleteConnectionPaths ?? new DeleteConnectionPaths(moneyhub.MONEYHUB_DELETE_CONNECTION_PATH);
  }

  /** `POST /users`: registers a user ahead of any connection. Retried safely under one Idempotency-Key. */
  async registerUser(call: CallContext, input: RegisterUserInput): Promise<MoneyhubUser> {
    const idempotencyKey = randomUUID();
    return this.withClientToken(call, 'register', (token) =>
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
    return this.withClientToken(call, 'getUser', (token) =>
      this.transport.json(
        {
          operation: 'getUser',
          method: 'GET',
          path: userPath(userId),
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
    await this.withClientToken(call, 'deleteUser', (token) =>
      deleteAllowingLostAnswer(this.transport, {
        operation: 'deleteUser',
        method: 'DELETE',
        path: userPath(userId),
        headers: bearer(token),
        call,
        retry: true,
      }),
    );
  }

  async listConnections(call: CallContext, userId: string): Promise<UserConnectionList> {
    return this.withClientToken(call, 'readConnections', (token) =>
      this.transport.json(
        {
          operation: 'listConnections',
          method: 'GET',
          path: `${userPath(userId)}/connections`,
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
    return this.withClientToken(call, 'readConnections', (token) =>
      this.transport.json(
        {
          operation: 'listSyncs',
          method: 'GET',
          path: `${userPath(userId)}/syncs`,
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
   * Deletes one connection on whichever path Moneyhub supports (./delete-connection-path.ts). A 404
   * from both is the connection's absence, except after a lost answer: that 404 may be the
   * unsupported path's "no such route" just as well as the supported one's "already deleted", so the
   * user's connection list decides.
   */
  async deleteConnection(call: CallContext, userId: string, connectionId: string): Promise<void> {
    const refused = await this.withClientToken(call, 'deleteConnection', (token) =>
      this.deleteConnectionPaths.delete(
        this.transport,
        { operation: 'deleteConnection', method: 'DELETE', headers: bearer(token), call, retry: true },
        userId,
        connectionId,
      ),
    );
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

  /**
   * Starts a sync of one connection: `POST {data API}/sync/{connectionId}` with a token for the user
   * (`sub`), kept per user like Tink's user tokens. Moneyhub answers at once with the sync's id; the
   * sync itself finishes later. Never repeated by the transport: a sync is not idempotent and
   * Moneyhub documents no Idempotency-Key, so a lost answer is left to the caller to judge.
   */
  async triggerSync(call: CallContext, userId: string, connectionId: string): Promise<SyncStarted> {
    return this.tokens.forUser(
      userId,
      syncScope,
      () => requestToken(this.transport, this.authentication, call, syncScope, userId),
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
    this.tokens.forgetUser(userId);
  }

  /** Drops every cached token of this process. */
  forgetAllTokens() {
    this.tokens.clear();
  }

  /** Runs `action` with a client token for the group's scope set (./scope-family-fallback.ts). */
  private withClientToken<T>(call: CallContext, group: ScopeGroup, action: (token: string) => Promise<T>) {
    return this.scopeFamilies.run(group, (scope) =>
      this.tokens.forClient(
        normaliseScope(scope),
        () => requestToken(this.transport, this.authentication, call, scope),
        action,
      ),
    );
  }
}
