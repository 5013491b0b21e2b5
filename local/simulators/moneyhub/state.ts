// The Moneyhub simulator's in-memory world: registered API clients, issued tokens, users with their
// connections and syncs, and the knobs tests turn. Shapes follow docs/providers.md; no HTTP here.
import { randomBytes, randomUUID } from 'node:crypto';
import type { JWK } from 'jose';

/**
 * Which scopes the connection and sync routes accept: `either` (Moneyhub's reference: `user:*` or
 * `connection:*`, the default), or only one family, as for an API client registered with one.
 */
export const ScopeFamily = { either: 'either', connection: 'connection', user: 'user' } as const;
export type ScopeFamily = (typeof ScopeFamily)[keyof typeof ScopeFamily];

export const DeleteConnectionPath = { singular: 'singular', plural: 'plural', both: 'both' } as const;
export type DeleteConnectionPath = (typeof DeleteConnectionPath)[keyof typeof DeleteConnectionPath];

export const TokenEndpointAuthMethod = {
  privateKeyJwt: 'private_key_jwt',
  clientSecretBasic: 'client_secret_basic',
} as const;
export type TokenEndpointAuthMethod = (typeof TokenEndpointAuthMethod)[keyof typeof TokenEndpointAuthMethod];

export const fetchStatuses = ['success', 'error', 'partial', 'mfa-required', 'credentials-error'] as const;
export type FetchStatus = (typeof fetchStatuses)[number];

export const connectionStatuses = ['ok', 'error', 'never'] as const;
export type ConnectionStatus = (typeof connectionStatuses)[number];

export const signingAlgs = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'];

export interface ClientRegistration {
  clientId: string;
  tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  /** Public keys only. */
  jwks?: { keys: JWK[] };
  clientSecret?: string;
  /** The one alg a client assertion may use; defaults to the first key's `alg`, else RS256. */
  signingAlg?: string;
  clientName?: string;
}

export interface RegisteredClient extends ClientRegistration {
  signingAlg: string;
}

export interface IssuedToken {
  clientId: string;
  scopes: ReadonlySet<string>;
  scope: string;
  sub?: string;
  issuedAtMs: number;
  expiresAtMs: number;
}

/** A User without its derived `connectionIds`. */
export interface MoneyhubUserFields {
  userId: string;
  clientUserId?: string;
  clientId: string;
  createdAt: string;
  updatedAt: string;
  scopes: string;
  managedBy: 'user' | 'client';
  /** Typed as required by the official client 6.x. */
  lastAccessed: string;
  userType: 'test' | 'demo' | 'live';
  clientName?: string;
  [extra: string]: unknown;
}

export interface MoneyhubUser extends MoneyhubUserFields {
  connectionIds: string[];
}

export interface UserConnection {
  id: string;
  name: string;
  type: string;
  connectedOn: string;
  accountIds: string[];
  status: ConnectionStatus;
  extendedStatus?: 'expired' | 'stoppedSyncing';
  lastUpdated?: string;
  expiresAt?: string;
  error?: string | null;
  [extra: string]: unknown;
}

export interface ConnectionSync {
  id: string;
  connectionId: string;
  action: 'auto-update' | 'client-update';
  method: 'ADD' | 'UPDATE';
  fetchStatus: FetchStatus;
  createdAt: string;
  fetchedAt: string;
  accounts: Array<{ providerId: string; accountId: string }>;
  [extra: string]: unknown;
}

export interface MoneyhubSettings {
  /** Which scope family the connection and sync routes accept (`connection:*` is not advertised when `user`). */
  scopeFamily: ScopeFamily;
  deleteConnectionPath: DeleteConnectionPath;
  /** What the disabled delete-connection path answers. */
  unsupportedPathStatus: 404 | 405;
  tokenLifetimeSeconds: number;
  /** Delay between `POST /v3/sync/:connectionId` and the recorded ConnectionSync. */
  syncDurationMs: number;
  /** Outcome of a triggered sync unless the connection was seeded with its own `syncOutcome`. */
  syncOutcome: FetchStatus;
  /** A second sync of one connection inside this window answers 429 [unconfirmed: 5 s]. */
  syncMinIntervalMs: number;
  /** `GET /users/:userId/syncs` without `limit` [unconfirmed]. */
  defaultSyncsLimit: number;
  /** `GET /users` without `limit` (Moneyhub documents 100). */
  defaultUsersLimit: number;
  maxSyncsLimit: number;
  /** Longest client assertion lifetime accepted (exp − now, and age of iat). */
  maxAssertionLifetimeSeconds: number;
}

export const defaultSettings: MoneyhubSettings = {
  scopeFamily: 'either',
  deleteConnectionPath: 'singular',
  unsupportedPathStatus: 404,
  tokenLifetimeSeconds: 7200,
  syncDurationMs: 100,
  syncOutcome: 'success',
  syncMinIntervalMs: 5000,
  defaultSyncsLimit: 10,
  defaultUsersLimit: 100,
  maxSyncsLimit: 1000,
  maxAssertionLifetimeSeconds: 300,
};

interface ConnectionRecord {
  connection: UserConnection;
  syncOutcome?: FetchStatus;
}

export interface UserRecord {
  user: MoneyhubUserFields;
  connections: Map<string, ConnectionRecord>;
  /** Newest first. */
  syncs: ConnectionSync[];
}

export const newUserId = () => randomBytes(12).toString('hex');
export const newConnectionId = () => `${randomBytes(16).toString('hex')}:${randomUUID()}`;
export const isoNow = () => new Date().toISOString();

const jtiPruneThreshold = 10_000;
const maxRememberedValues = 10_000;

export class MoneyhubState {
  settings: MoneyhubSettings;
  readonly clients = new Map<string, RegisteredClient>();
  readonly tokens = new Map<string, IssuedToken>();
  readonly users = new Map<string, UserRecord>();
  /** connectionId → userId, for the data API which addresses connections without a user. */
  readonly connectionOwners = new Map<string, string>();
  readonly syncsTriggered = new Map<string, number>();
  readonly lastSyncAtMs = new Map<string, number>();
  private readonly seenJtis = new Map<string, number>();
  /** The latest access tokens issued and client assertions received (kept across resets), for leak checks. */
  private readonly issuedValues: string[] = [];
  private readonly pendingSyncs = new Set<NodeJS.Timeout>();
  /** Told when a sync completes (local/simulators/moneyhub/webhooks.ts announces it). */
  onSyncCompleted:
    | ((sync: { userId: string; connectionId: string; syncId: string; fetchStatus: FetchStatus }) => void)
    | undefined;

  constructor(private readonly initialSettings: MoneyhubSettings) {
    this.settings = { ...initialSettings };
  }

  registerClient(registration: ClientRegistration): RegisteredClient {
    const signingAlg = registration.signingAlg ?? registration.jwks?.keys[0]?.alg ?? 'RS256';
    const client = { ...registration, signingAlg };
    this.clients.set(client.clientId, client);
    return client;
  }

  /** Records a client assertion's jti; false when it was seen before and has not expired yet. */
  rememberJti(clientId: string, jti: string, expiresAtMs: number): boolean {
    const now = Date.now();
    const key = `${clientId}\u0000${jti}`;
    const seenUntil = this.seenJtis.get(key);
    if (seenUntil !== undefined && seenUntil > now) return false;
    if (this.seenJtis.size >= jtiPruneThreshold) {
      for (const [candidate, until] of this.seenJtis) if (until <= now) this.seenJtis.delete(candidate);
    }
    this.seenJtis.set(key, expiresAtMs);
    return true;
  }

  issueToken(token: Omit<IssuedToken, 'issuedAtMs' | 'expiresAtMs'>): {
    accessToken: string;
    expiresIn: number;
  } {
    const accessToken = randomBytes(32).toString('base64url');
    this.rememberValue(accessToken);
    const issuedAtMs = Date.now();
    const expiresIn = this.settings.tokenLifetimeSeconds;
    this.tokens.set(accessToken, { ...token, issuedAtMs, expiresAtMs: issuedAtMs + expiresIn * 1000 });
    return { accessToken, expiresIn };
  }

  /** Keeps a credential value seen or issued, so tests can prove it never leaked. */
  rememberValue(value: string) {
    this.issuedValues.push(value);
    if (this.issuedValues.length > maxRememberedValues) this.issuedValues.shift();
  }

  recentlyIssuedValues(): string[] {
    return [...this.issuedValues];
  }

  expireTokens() {
    for (const token of this.tokens.values()) token.expiresAtMs = 0;
  }

  userView(record: UserRecord): MoneyhubUser {
    return { ...record.user, connectionIds: [...record.connections.keys()] };
  }

  connectionsOf(record: UserRecord): UserConnection[] {
    return [...record.connections.values()].map((entry) => entry.connection);
  }

  putUser(record: UserRecord) {
    this.deleteUser(record.user.userId);
    this.users.set(record.user.userId, record);
    for (const connectionId of record.connections.keys()) {
      const previousOwner = this.connectionOwners.get(connectionId);
      if (previousOwner !== undefined) this.users.get(previousOwner)?.connections.delete(connectionId);
      this.connectionOwners.set(connectionId, record.user.userId);
    }
  }

  deleteUser(userId: string): boolean {
    const record = this.users.get(userId);
    if (!record) return false;
    for (const connectionId of record.connections.keys()) this.forgetConnection(connectionId);
    this.users.delete(userId);
    // Deleting a user revokes its consents: tokens minted for it stop working.
    for (const [accessToken, token] of this.tokens) if (token.sub === userId) this.tokens.delete(accessToken);
    return true;
  }

  deleteConnection(record: UserRecord, connectionId: string): boolean {
    if (!record.connections.delete(connectionId)) return false;
    this.forgetConnection(connectionId);
    // The connection's accounts and data go with it, and so does its sync history.
    record.syncs = record.syncs.filter((sync) => sync.connectionId !== connectionId);
    record.user.updatedAt = isoNow();
    return true;
  }

  private forgetConnection(connectionId: string) {
    this.connectionOwners.delete(connectionId);
    this.lastSyncAtMs.delete(connectionId);
  }

  /**
   * Records a sync trigger; the ConnectionSync lands after `syncDurationMs`. The status is Moneyhub's
   * `ok | error`: `error` only when the sync finished at once (no duration) and failed.
   */
  startSync(userId: string, connectionId: string): { syncId: string; status: 'ok' | 'error' } {
    const syncId = randomUUID();
    const createdAt = isoNow();
    this.syncsTriggered.set(connectionId, (this.syncsTriggered.get(connectionId) ?? 0) + 1);
    this.lastSyncAtMs.set(connectionId, Date.now());
    const complete = () => this.completeSync(userId, connectionId, syncId, createdAt);
    if (this.settings.syncDurationMs <= 0) {
      const fetchStatus = complete();
      const failed = fetchStatus !== undefined && fetchStatus !== 'success' && fetchStatus !== 'partial';
      return { syncId, status: failed ? 'error' : 'ok' };
    }
    const timer = setTimeout(() => {
      this.pendingSyncs.delete(timer);
      complete();
    }, this.settings.syncDurationMs);
    timer.unref();
    this.pendingSyncs.add(timer);
    return { syncId, status: 'ok' };
  }

  private completeSync(
    userId: string,
    connectionId: string,
    syncId: string,
    createdAt: string,
  ): FetchStatus | undefined {
    const record = this.users.get(userId);
    const entry = record?.connections.get(connectionId);
    if (!record || !entry) return undefined; // deleted while the sync ran
    const fetchStatus = entry.syncOutcome ?? this.settings.syncOutcome;
    const fetchedAt = isoNow();
    record.syncs.unshift(
      buildSync({ id: syncId, connectionId, createdAt, fetchedAt, fetchStatus }, entry.connection.accountIds),
    );
    applySyncOutcome(entry.connection, fetchStatus, fetchedAt);
    this.onSyncCompleted?.({ userId, connectionId, syncId, fetchStatus });
    return fetchStatus;
  }

  reset() {
    for (const timer of this.pendingSyncs) clearTimeout(timer);
    this.pendingSyncs.clear();
    this.users.clear();
    this.connectionOwners.clear();
    this.syncsTriggered.clear();
    this.lastSyncAtMs.clear();
    // User-scoped tokens die with their users; client-level tokens survive like the clients do.
    for (const [accessToken, token] of this.tokens)
      if (token.sub !== undefined) this.tokens.delete(accessToken);
    this.settings = { ...this.initialSettings };
  }

  close() {
    for (const timer of this.pendingSyncs) clearTimeout(timer);
    this.pendingSyncs.clear();
  }
}

const syncErrors: Record<FetchStatus, string | null> = {
  success: null,
  partial: 'sync_partial',
  error: 'sync_error',
  'mfa-required': 'mfa_required',
  'credentials-error': 'credentials_error',
};

/** What a finished sync does to its connection: `lastUpdated` only moves on a (partial) success. */
export function applySyncOutcome(connection: UserConnection, fetchStatus: FetchStatus, fetchedAt: string) {
  connection.error = syncErrors[fetchStatus];
  if (fetchStatus === 'success' || fetchStatus === 'partial') {
    connection.status = 'ok';
    connection.lastUpdated = fetchedAt;
    delete connection.extendedStatus;
  } else {
    connection.status = 'error';
  }
}

export function buildSync(
  sync: Partial<ConnectionSync> & Pick<ConnectionSync, 'connectionId'>,
  accountIds: string[],
): ConnectionSync {
  const createdAt = sync.createdAt ?? isoNow();
  return {
    ...sync,
    id: sync.id ?? randomUUID(),
    connectionId: sync.connectionId,
    action: sync.action ?? 'client-update',
    method: sync.method ?? 'UPDATE',
    fetchStatus: sync.fetchStatus ?? 'success',
    createdAt,
    fetchedAt: sync.fetchedAt ?? createdAt,
    accounts:
      sync.accounts ??
      accountIds.map((accountId) => ({
        providerId: `provider-${accountId.replace(/-/g, '').slice(-12)}`,
        accountId,
      })),
  };
}
