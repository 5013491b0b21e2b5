// What the Moneyhub handlers call: each operation of the route table (README) with its cache rule. Reads
// go through the response cache (per user scope, stale entries on provider failure); a connection is
// served from the cached connection list, since Moneyhub has no route for one; mutations invalidate
// (or, for a deleted user, purge) the user after the provider acted or may have acted, awaited.
import { type CacheReadResult, type ResponseCache, responseCache } from '../../cache';
import type { CallContext } from '../../call-context';
import { coreConfig, moneyhubConfig } from '../../config';
import { type EnrollmentRegistry, enrollmentRegistry } from '../../registry';
import { ResourceNotFoundError } from '../errors';
import { deleteUserEverywhere, enrollNewUser, type UserLifecycle } from '../user-lifecycle';
import { mutateUser, readUserResource } from '../user-scope';
import { MoneyhubClient, type RegisterUserInput, type SyncPage } from './client';
import { DeleteConnectionPaths } from './delete-connection-path';
import type {
  ConnectionSyncList,
  MoneyhubUser,
  SyncStarted,
  UserConnection,
  UserConnectionList,
} from './schemas';
import { ScopeFamilyFallback } from './scope-family-fallback';

export interface MoneyhubUsersOptions {
  client: MoneyhubClient;
  cache: ResponseCache;
  registry: EnrollmentRegistry;
  userFreshSeconds: number;
  connectionsFreshSeconds: number;
  syncsFreshSeconds: number;
}

export interface ReadOptions {
  /** The caller sent `Cache-Control: no-cache`: skip the cached entry and refill it. */
  noCache?: boolean;
}

/** One cache entry per page; an absent limit (Moneyhub's default) is its own page. */
const syncsResource = (page: SyncPage) => `syncs?limit=${page.limit ?? 'default'}&offset=${page.offset ?? 0}`;

export class MoneyhubUsers {
  private readonly lifecycle: UserLifecycle;

  constructor(private readonly options: MoneyhubUsersOptions) {
    this.lifecycle = { provider: 'moneyhub', cache: options.cache, registry: options.registry };
  }

  /** Registers the user at Moneyhub, then enrols it for scheduled syncs (a failed enrolment is reported, not fatal). */
  async registerUser(call: CallContext, input: RegisterUserInput): Promise<MoneyhubUser> {
    const user = await this.options.client.registerUser(call, input);
    await enrollNewUser(this.lifecycle, call, user.userId);
    return user;
  }

  getUser(
    call: CallContext,
    userId: string,
    options: ReadOptions = {},
  ): Promise<CacheReadResult<MoneyhubUser>> {
    return readUserResource(this.options.cache, 'moneyhub', call, userId, {
      resource: 'user',
      freshSeconds: this.options.userFreshSeconds,
      load: () => this.options.client.getUser(call, userId),
      noCache: options.noCache,
    });
  }

  listConnections(
    call: CallContext,
    userId: string,
    options: ReadOptions = {},
  ): Promise<CacheReadResult<UserConnectionList>> {
    return readUserResource(this.options.cache, 'moneyhub', call, userId, {
      resource: 'connections',
      freshSeconds: this.options.connectionsFreshSeconds,
      load: () => this.options.client.listConnections(call, userId),
      noCache: options.noCache,
    });
  }

  /** The connection from the (cached) connection list: the same entry, never a call of its own. */
  async getConnection(
    call: CallContext,
    userId: string,
    connectionId: string,
    options: ReadOptions = {},
  ): Promise<CacheReadResult<UserConnection>> {
    const list = await this.listConnections(call, userId, options);
    const connection = list.value.data.find((candidate) => candidate.id === connectionId);
    if (!connection) throw new ResourceNotFoundError(`The user has no connection ${connectionId}`);
    return { ...list, value: connection };
  }

  listSyncs(
    call: CallContext,
    userId: string,
    page: SyncPage = {},
    options: ReadOptions = {},
  ): Promise<CacheReadResult<ConnectionSyncList>> {
    return readUserResource(this.options.cache, 'moneyhub', call, userId, {
      resource: syncsResource(page),
      freshSeconds: this.options.syncsFreshSeconds,
      load: () => this.options.client.listSyncs(call, userId, page),
      noCache: options.noCache,
    });
  }

  async deleteConnection(call: CallContext, userId: string, connectionId: string): Promise<void> {
    // A retry that finds the connection gone after a lost answer is a success (the transport's rule).
    await mutateUser(this.options.cache, 'moneyhub', call, userId, () =>
      this.options.client.deleteConnection(call, userId, connectionId),
    );
  }

  /**
   * Starts a sync of the connection (data API, a token for the user), then invalidates the user's
   * cache, awaited; also when the connection is gone (404): a cached list must not keep showing it.
   */
  async syncConnection(
    call: CallContext,
    userId: string,
    connectionId: string,
  ): Promise<SyncStarted['data']> {
    const started = await mutateUser(this.options.cache, 'moneyhub', call, userId, () =>
      this.options.client.triggerSync(call, userId, connectionId),
    );
    return started.data;
  }

  /** Deletes the user at Moneyhub, then its cached data and its enrolment. */
  async deleteUser(call: CallContext, userId: string): Promise<void> {
    await deleteUserEverywhere(this.lifecycle, call, userId, this.options.client);
  }
}

let client: MoneyhubClient | undefined;
let learned: { scopeFamilies: ScopeFamilyFallback; deleteConnectionPaths: DeleteConnectionPaths } | undefined;
let users: MoneyhubUsers | undefined;

/** The process's Moneyhub client: one token cache, and one memory of what it learned, per process. */
export function moneyhubClient(): MoneyhubClient {
  if (!client) {
    const moneyhub = moneyhubConfig();
    learned = {
      scopeFamilies: new ScopeFamilyFallback(moneyhub.MONEYHUB_CONNECTION_SCOPE_FAMILY),
      deleteConnectionPaths: new DeleteConnectionPaths(moneyhub.MONEYHUB_DELETE_CONNECTION_PATH),
    };
    client = new MoneyhubClient({ moneyhub, core: coreConfig(), ...learned });
  }
  return client;
}

/**
 * Sends the process's client back to the configured scope family and delete-connection path, as
 * after a cold start. Nothing in the service needs it (a wrong guess corrects itself); a test that
 * changes the simulator's registration between cases does, so that counts do not depend on order.
 */
export function forgetLearnedMoneyhubFallbacks() {
  learned?.scopeFamilies.forget();
  learned?.deleteConnectionPaths.forget();
}

/** The process's Moneyhub operations with their cache rules, built from configuration on first use. */
export function moneyhubUsers(): MoneyhubUsers {
  if (!users) {
    const core = coreConfig();
    users = new MoneyhubUsers({
      client: moneyhubClient(),
      cache: responseCache(),
      registry: enrollmentRegistry(),
      userFreshSeconds: core.CACHE_TTL_MONEYHUB_USER_SECONDS,
      connectionsFreshSeconds: core.CACHE_TTL_MONEYHUB_CONNECTIONS_SECONDS,
      syncsFreshSeconds: core.CACHE_TTL_MONEYHUB_SYNCS_SECONDS,
    });
  }
  return users;
}

export type { MoneyhubClientOptions, RegisterUserInput, SyncPage } from './client';
export { MoneyhubClient, parseMoneyhubErrorBody } from './client';
export type { ClientAuthentication } from './client-auth';
export type { DeleteConnectionPath } from './delete-connection-path';
export type {
  ConnectionSync,
  ConnectionSyncList,
  MoneyhubUser,
  SyncStarted,
  UserConnection,
  UserConnectionList,
} from './schemas';
