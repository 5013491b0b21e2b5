// What the Tink handlers and the sweep call: each operation of the route table (README) with its
// cache rule. Reads go through the response cache (one partition per user, shorter freshness while a refresh
// is under way, stale entries on provider failure); mutations invalidate the user after the provider
// acted or may have acted (outcome unknown), awaited before the caller hears the answer. The client
// knows no cache.
import type { CacheReadResult, ResponseCache } from '../../cache';
import type { CallContext } from '../../call-context';
import type { EnrollmentRegistry } from '../../registry';
import type { ReadOptions } from '../read-options';
import { deleteUserEverywhere, enrollNewUser, type UserLifecycle } from '../user-lifecycle';
import { mutateUser, readUserResource } from '../user-partition';
import type { TinkAuthorizationInput, TinkClient, TinkCreateUserInput, TinkRefreshOptions } from './client';
import { inProgressStatuses, type TinkCredential, type TinkCredentialList } from './schemas';

export interface TinkUser {
  userId: string;
  externalUserId: string | null;
}

/** A user access token as this API returns it (camelCase; Tink's own field names are snake_case). */
export interface TinkUserAccessToken {
  accessToken: string;
  tokenType: string;
  expiresIn: number;
  scope?: string;
  idHint?: string;
}

export interface TinkOperationsOptions {
  client: TinkClient;
  cache: ResponseCache;
  registry: EnrollmentRegistry;
  credentialsFreshSeconds: number;
  /** Freshness while any credential is CREATED, AUTHENTICATING, UPDATING or DELETED. */
  inProgressFreshSeconds: number;
}

/**
 * Statuses Tink is about to change, cached only with the short freshness: the in-progress ones, and
 * DELETED, which Tink lists for a moment after a delete before the credential is gone.
 */
const shortFreshnessStatuses: ReadonlySet<string> = new Set([...inProgressStatuses, 'DELETED']);

export class TinkOperations {
  private readonly lifecycle: UserLifecycle;

  constructor(private readonly options: TinkOperationsOptions) {
    this.lifecycle = { provider: 'tink', cache: options.cache, registry: options.registry };
  }

  /** Creates the user at Tink and enrols it for scheduled refresh (a failed enrolment is reported, not fatal). */
  async createUser(call: CallContext, input: TinkCreateUserInput): Promise<TinkUser> {
    const created = await this.options.client.createUser(call, input);
    const user = { userId: created.user_id, externalUserId: created.external_user_id ?? null };
    await enrollNewUser(this.lifecycle, call, user.userId);
    return user;
  }

  async createAuthorization(call: CallContext, input: TinkAuthorizationInput): Promise<{ code: string }> {
    return { code: await this.options.client.createAuthorization(call, input) };
  }

  async exchangeCode(call: CallContext, code: string): Promise<TinkUserAccessToken> {
    const token = await this.options.client.exchangeCode(call, code);
    return {
      accessToken: token.access_token,
      tokenType: token.token_type,
      expiresIn: token.expires_in,
      ...(token.scope === undefined ? {} : { scope: token.scope }),
      ...(token.id_hint === undefined ? {} : { idHint: token.id_hint }),
    };
  }

  listCredentials(
    call: CallContext,
    userId: string,
    options: ReadOptions = {},
  ): Promise<CacheReadResult<TinkCredentialList>> {
    return readUserResource(this.options.cache, 'tink', call, userId, {
      resource: 'credentials',
      freshSeconds: (list) => this.freshSecondsFor(list.credentials),
      load: () => this.options.client.listCredentials(call, userId),
      noCache: options.noCache,
    });
  }

  getCredential(
    call: CallContext,
    userId: string,
    credentialId: string,
    options: ReadOptions = {},
  ): Promise<CacheReadResult<TinkCredential>> {
    return readUserResource(this.options.cache, 'tink', call, userId, {
      resource: `credentials/${credentialId}`,
      freshSeconds: (credential) => this.freshSecondsFor([credential]),
      load: () => this.options.client.getCredential(call, userId, credentialId),
      noCache: options.noCache,
    });
  }

  async deleteCredential(call: CallContext, userId: string, credentialId: string): Promise<void> {
    await mutateUser(this.options.cache, 'tink', call, userId, () =>
      this.options.client.deleteCredential(call, userId, credentialId),
    );
  }

  async refreshCredential(
    call: CallContext,
    userId: string,
    credentialId: string,
    options: TinkRefreshOptions = {},
  ): Promise<void> {
    await mutateUser(this.options.cache, 'tink', call, userId, () =>
      this.options.client.refreshCredential(call, userId, credentialId, options),
    );
  }

  /** Deletes the user at Tink, then its tokens, its cached data and its enrolment. */
  async deleteUser(call: CallContext, userId: string): Promise<void> {
    await deleteUserEverywhere(this.lifecycle, call, userId, this.options.client);
  }

  private freshSecondsFor(credentials: TinkCredential[]): number {
    const changing = credentials.some((credential) => shortFreshnessStatuses.has(credential.status));
    return changing ? this.options.inProgressFreshSeconds : this.options.credentialsFreshSeconds;
  }
}
