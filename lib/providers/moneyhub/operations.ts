// What the Moneyhub handlers and the sweep call: each operation of the route table (README) with its
// cache rule. Reads go through the response cache (one partition per user, stale entries on provider
// failure); a connection is served from the cached connection list, since Moneyhub has no route for
// one; mutations invalidate (or, for a deleted user, purge) the user after the provider acted or may
// have acted, awaited.
import type { CacheReadResult, ResponseCache } from '../../cache';
import type { CallContext } from '../../call-context';
import type { EnrollmentRegistry } from '../../registry';
import { ResourceNotFoundError } from '../errors';
import type { ReadOptions } from '../read-options';
import { deleteUserEverywhere, enrollNewUser, type UserLifecycle } from '../user-lifecycle';
import { mutateUser, readUserResource, type UserResourceRead } from '../user-partition';
import type { MoneyhubClient, RegisterUserInput, SyncPage } from './client';
import type {
  ConnectionSyncList,
  MoneyhubUser,
  SyncStarted,
  UserConnection,
  UserConnectionList,
} from './schemas';

export interface MoneyhubOperationsOptions {
  client: MoneyhubClient;
  cache: ResponseCache;
  registry: EnrollmentRegistry;
  userFreshSeconds: number;
  connectionsFreshSeconds: number;
  syncsFreshSeconds: number;
}

/** One cache entry per page; an absent limit (Moneyhub's default) is its own page. */
const syncsResource = (page: SyncPage) => `syncs?limit=${page.limit ?? 'default'}&offset=${page.offset ?? 0}`;

export class MoneyhubOperations {
  private readonly lifecycle: UserLifecycle;

  constructor(private readonly options: MoneyhubOperationsOptions) {
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
    return this.read(call, userId, options, {
      resource: 'user',
      freshSeconds: this.options.userFreshSeconds,
      load: () => this.options.client.getUser(call, userId),
    });
  }

  listConnections(
    call: CallContext,
    userId: string,
    options: ReadOptions = {},
  ): Promise<CacheReadResult<UserConnectionList>> {
    return this.read(call, userId, options, {
      resource: 'connections',
      freshSeconds: this.options.connectionsFreshSeconds,
      load: () => this.options.client.listConnections(call, userId),
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
    return this.read(call, userId, options, {
      resource: syncsResource(page),
      freshSeconds: this.options.syncsFreshSeconds,
      load: () => this.options.client.listSyncs(call, userId, page),
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

  private read<T>(
    call: CallContext,
    userId: string,
    options: ReadOptions,
    read: Omit<UserResourceRead<T>, 'noCache'>,
  ): Promise<CacheReadResult<T>> {
    return readUserResource(this.options.cache, 'moneyhub', call, userId, {
      ...read,
      noCache: options.noCache,
    });
  }
}
