// The Tink simulator's in-memory world: users, credentials, tokens, authorization codes and the
// settings that shape timing. Time-driven transitions (a refresh finishing, a deleted credential
// disappearing, a token expiring) are evaluated lazily against the clock on every read, so there
// are no timers to leak and thousands of seeded credentials cost nothing while idle.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { SimHttpError } from '../harness';

/**
 * Scopes Tink documents and uses in its own material (API reference, Postman collections, example
 * servers): what the demo app is entitled to. Not a closed vocabulary: Tink checks an app's
 * entitlements, and an app may be given any scope (see `TinkClient.scopes`).
 */
export const documentedTinkScopes = [
  'account-verification-reports:read',
  'account-verification-reports:write',
  'accounts.balances:readonly',
  'accounts.parties:readonly',
  'accounts:read',
  'accounts:write',
  'authorization:grant',
  'authorization:read',
  'balance-refresh',
  'balance-refresh:readonly',
  'balances:read',
  'credentials:read',
  'credentials:refresh',
  'credentials:write',
  'identities:readonly',
  'identity:read',
  'investments:read',
  'link-session:read',
  'payment:read',
  'payment:write',
  'provider-consents:read',
  'provider-consents:write',
  'providers:read',
  'statistics:read',
  'transactions:read',
  'transfer:execute',
  'transfer:read',
  'user-report-bundles:read',
  'user:create',
  'user:delete',
  'user:read',
  'user:web_hooks',
  'webhook-endpoints',
] as const;

/** Tink's `errorCode` values as this simulator spells them (the real set is undocumented). */
export const TinkErrorCode = {
  badRequest: 'request.invalid',
  unauthorized: 'authentication.unauthorized',
  forbidden: 'authorization.forbidden',
  userNotFound: 'user.not_found',
  userConflict: 'user.external_user_id_conflict',
  credentialsNotFound: 'credentials.not_found',
  refreshInProgress: 'credentials.refresh_in_progress',
  authenticationRequired: 'credentials.authentication_required',
  rateLimited: 'request.rate_limited',
} as const;

export const CredentialStatus = {
  created: 'CREATED',
  authenticating: 'AUTHENTICATING',
  updating: 'UPDATING',
  updated: 'UPDATED',
  temporaryError: 'TEMPORARY_ERROR',
  authenticationError: 'AUTHENTICATION_ERROR',
  permanentError: 'PERMANENT_ERROR',
  awaitingMobileBankId: 'AWAITING_MOBILE_BANKID_AUTHENTICATION',
  awaitingSupplementalInformation: 'AWAITING_SUPPLEMENTAL_INFORMATION',
  awaitingThirdPartyApp: 'AWAITING_THIRD_PARTY_APP_AUTHENTICATION',
  sessionExpired: 'SESSION_EXPIRED',
  deleted: 'DELETED',
} as const;

const inProgressStatuses = new Set<string>(['CREATED', 'AUTHENTICATING', 'UPDATING']);

export const isInProgress = (status: string) => inProgressStatuses.has(status);
export const needsUser = (status: string) =>
  status.startsWith('AWAITING_') || status === 'AUTHENTICATION_ERROR' || status === 'SESSION_EXPIRED';

const statusPayloads: Record<string, string> = {
  CREATED: 'Connecting to the bank.',
  AUTHENTICATING: 'Authenticating with the bank.',
  UPDATING: 'Fetching data from the bank.',
  UPDATED: 'Data is up to date.',
  TEMPORARY_ERROR: 'The bank is temporarily unavailable. Try again later.',
  AUTHENTICATION_ERROR: 'The bank rejected the login. The user needs to authenticate again.',
  PERMANENT_ERROR: 'The connection cannot be refreshed. Connect the bank again.',
  AWAITING_MOBILE_BANKID_AUTHENTICATION: 'Open the BankID app to authenticate.',
  AWAITING_SUPPLEMENTAL_INFORMATION: 'The bank needs more information from the user.',
  AWAITING_THIRD_PARTY_APP_AUTHENTICATION: "Open the bank's app to authenticate.",
  SESSION_EXPIRED: 'The consent has expired. The user needs to authenticate again.',
  DELETED: 'The credentials are being deleted.',
};

export const statusPayloadFor = (status: string) => statusPayloads[status] ?? `Status: ${status}`;

/** The credential exactly as Tink's API returns it. */
export interface TinkCredential {
  id: string;
  providerName: string;
  type: string;
  status: string;
  statusPayload: string | null;
  statusUpdated: number;
  updated: number | null;
  fields: Record<string, string>;
  supplementalInformation: string | null;
  sessionExpiryDate: number | null;
  userId: string;
}

/** A refresh was accepted: it settles at `finishAtMs` (what the webhook simulation announces). */
export interface RefreshStarted {
  userId: string;
  credentialId: string;
  finishAtMs: number;
  source: 'api' | 'background';
}

export interface RefreshRequestRecord {
  atMs: number;
  items: string[];
  authenticate: boolean;
  body: unknown;
}

interface CredentialRecord {
  credential: TinkCredential;
  /** The status a refresh ends in. */
  refreshOutcome: string;
  /** Per-credential override of the refresh duration. */
  refreshDurationMs: number | undefined;
  /** A transition in flight: the status becomes `outcome` at `finishAtMs`. */
  pending: { finishAtMs: number; outcome: string } | undefined;
  /** Set by a delete: the credential reads as DELETED until this instant, then is gone. */
  goneAtMs: number | undefined;
  lastRefreshStartedMs: number | undefined;
  refreshRequests: number;
  lastRefresh: RefreshRequestRecord | undefined;
}

export interface TinkUser {
  userId: string;
  externalUserId: string | null;
  market: string;
  locale: string;
  retentionClass: string;
  createdMs: number;
  credentials: Map<string, CredentialRecord>;
}

export type TokenKind = 'client' | 'user';

export interface TokenRecord {
  kind: TokenKind;
  clientId: string;
  scopes: string[];
  userId: string | undefined;
  expiresAtMs: number;
}

interface CodeRecord {
  clientId: string;
  userId: string;
  scopes: string[];
  expiresAtMs: number;
  idHint: string | undefined;
  actorClientId: string | undefined;
}

export interface TinkClient {
  clientId: string;
  clientSecret: string;
  /** The app's entitlements: the scopes it may use. The documented table when absent. */
  scopes?: string[];
}

export interface TinkSettings {
  /** How long a refresh stays UPDATING/AUTHENTICATING before reaching its outcome. */
  refreshDurationMs: number;
  /** How long a deleted credential is still listed with status DELETED. */
  deleteSettleMs: number;
  /** Lifetime of an authorization code. */
  codeTtlMs: number;
  clientTokenExpiresInSeconds: number;
  userTokenExpiresInSeconds: number;
  /**
   * A refresh without `authenticate=true` of a credential that needs the user (AWAITING_*,
   * AUTHENTICATION_ERROR, SESSION_EXPIRED): `reject` answers 400, `ignore` answers 204 and changes
   * nothing. Tink's behaviour is unconfirmed, so both are playable.
   */
  needsUserRefresh: 'reject' | 'ignore';
  /** Minimum gap between two accepted refreshes of one credential; 0 turns the limit off. */
  refreshMinIntervalMs: number;
  /** A refresh inside that gap: `reject` answers 429 with Retry-After, `ignore` 204 with no change. */
  rateLimitedRefresh: 'reject' | 'ignore';
}

export const defaultSettings: TinkSettings = {
  refreshDurationMs: 1500,
  deleteSettleMs: 1000,
  codeTtlMs: 600_000,
  clientTokenExpiresInSeconds: 1800,
  userTokenExpiresInSeconds: 7200,
  needsUserRefresh: 'reject',
  refreshMinIntervalMs: 0,
  rateLimitedRefresh: 'reject',
};

export interface SeedCredential {
  id?: string;
  providerName?: string;
  type?: string;
  status?: string;
  statusPayload?: string | null;
  statusUpdated?: number;
  updated?: number | null;
  fields?: Record<string, string>;
  supplementalInformation?: string | null;
  sessionExpiryDate?: number | null;
  refreshOutcome?: string;
  refreshDurationMs?: number;
  /** For an in-progress status: reach `refreshOutcome` after this long. Without it the status stays. */
  settleAfterMs?: number;
}

export interface SeedUser {
  userId?: string;
  externalUserId?: string | null;
  market?: string;
  locale?: string;
  retentionClass?: string;
  credentials?: SeedCredential[];
}

export interface SeedResult {
  users: Array<{ userId: string; externalUserId: string | null; credentialIds: string[] }>;
}

export interface CredentialDump extends TinkCredential {
  simulator: {
    refreshOutcome: string;
    refreshDurationMs: number | undefined;
    refreshing: boolean;
    refreshFinishesAtMs: number | undefined;
    deleting: boolean;
    goneAtMs: number | undefined;
    refreshes: number;
    refreshRequests: number;
    lastRefresh: RefreshRequestRecord | undefined;
  };
}

export interface UserDump {
  userId: string;
  externalUserId: string | null;
  market: string;
  locale: string;
  retentionClass: string;
  createdMs: number;
  credentials: CredentialDump[];
}

export interface CredentialPatch {
  status?: string;
  statusPayload?: string | null;
  statusUpdated?: number;
  updated?: number | null;
  sessionExpiryDate?: number | null;
  providerName?: string;
  type?: string;
  fields?: Record<string, string>;
  supplementalInformation?: string | null;
  refreshOutcome?: string;
  refreshDurationMs?: number | null;
  /** With an in-progress status: reach `refreshOutcome` after this long. Without it the status stays. */
  settleAfterMs?: number;
}

export type RefreshResult = { started: true } | { started: false; reason: 'needs-user' | 'rate-limited' };

// ISO 3166-1 alpha-2 codes of the markets Tink serves (Europe), plus a few it has served.
const tinkMarkets = new Set(
  'AT BE BG CH CY CZ DE DK EE ES FI FR GB GR HR HU IE IS IT LI LT LU LV MT NL NO PL PT RO SE SI SK US'.split(
    ' ',
  ),
);
const localePattern = /^[a-z]{2}_[A-Z]{2}$/;
const retentionClasses = new Set(['permanent', 'temporary']);
const hex32 = () => randomBytes(16).toString('hex');
const dayMs = 24 * 60 * 60 * 1000;
const maxRememberedValues = 10_000;

function secretsMatch(given: string, expected: string) {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

const badRequest = (message: string) =>
  new SimHttpError(400, message, { errorCode: TinkErrorCode.badRequest });
const oauthError = (status: number, error: string, description: string) =>
  new SimHttpError(status, description, { oauthError: error });

export class TinkState {
  readonly settings: TinkSettings;
  private readonly initialSettings: TinkSettings;
  private readonly clients = new Map<string, TinkClient>();
  private readonly initialClients: TinkClient[];
  private readonly users = new Map<string, TinkUser>();
  private readonly usersByExternalId = new Map<string, string>();
  private readonly credentialOwners = new Map<string, string>();
  private readonly tokens = new Map<string, TokenRecord>();
  private readonly tokensByUser = new Map<string, Set<string>>();
  private readonly codes = new Map<string, CodeRecord>();
  private readonly refreshCounts = new Map<string, number>();
  private readonly tokensIssued = { client_credentials: 0, authorization_code: 0 };
  /** The latest token and code values issued (kept across resets), for leak checks in tests. */
  private readonly issuedValues: string[] = [];
  private mintsSincePrune = 0;
  /** Told of every accepted refresh (local/simulators/tink/webhooks.ts listens). */
  onRefreshStarted: ((started: RefreshStarted) => void) | undefined;

  constructor(
    clients: TinkClient[],
    settings: Partial<TinkSettings> = {},
    readonly now: () => number = Date.now,
  ) {
    this.initialClients = clients.map((client) => ({ ...client }));
    for (const client of clients) this.clients.set(client.clientId, { ...client });
    this.initialSettings = { ...defaultSettings, ...settings };
    this.settings = { ...this.initialSettings };
  }

  /** Back to the start: no users, no codes, no user tokens, initial settings. Client tokens stay
   * valid, as Tink's would: they belong to the app, not to the data (and callers cache them). */
  reset() {
    this.users.clear();
    this.usersByExternalId.clear();
    this.credentialOwners.clear();
    this.codes.clear();
    this.refreshCounts.clear();
    for (const [token, record] of this.tokens) if (record.kind === 'user') this.tokens.delete(token);
    this.tokensByUser.clear();
    this.tokensIssued.client_credentials = 0;
    this.tokensIssued.authorization_code = 0;
    Object.assign(this.settings, this.initialSettings);
    for (const client of this.initialClients) this.clients.set(client.clientId, { ...client });
  }

  updateSettings(patch: Partial<TinkSettings>) {
    Object.assign(this.settings, patch);
    return { ...this.settings };
  }

  // --- clients, scopes, tokens -------------------------------------------------------------

  authenticateClient(clientId: string | null, clientSecret: string | null): TinkClient {
    const client = clientId ? this.clients.get(clientId) : undefined;
    if (!client || clientSecret === null || !secretsMatch(clientSecret, client.clientSecret))
      throw oauthError(401, 'invalid_client', 'Client authentication failed');
    return client;
  }

  /** Comma-separated scopes, trimmed and de-duplicated; undefined when nothing was asked for. */
  static parseScopes(raw: string | null): string[] | undefined {
    if (raw === null) return undefined;
    const scopes = [...new Set(raw.split(',').map((scope) => scope.trim()))].filter(Boolean);
    return scopes.length === 0 ? undefined : scopes;
  }

  /** Replaces an app's entitlements (undefined: the documented table); false for an unknown app. */
  setEntitlements(clientId: string, scopes: string[] | undefined): boolean {
    const client = this.clients.get(clientId);
    if (!client) return false;
    this.clients.set(clientId, { ...client, scopes });
    return true;
  }

  /** The scopes among `scopes` the app may not use. */
  notEntitled(clientId: string, scopes: string[]): string[] {
    const entitled = new Set<string>(this.clients.get(clientId)?.scopes ?? documentedTinkScopes);
    return scopes.filter((scope) => !entitled.has(scope));
  }

  /** `client_credentials`: the scopes asked for, or without `scope` all of the app's own. */
  issueClientToken(client: TinkClient, scopes: string[] | undefined) {
    const granted = scopes ?? [...(client.scopes ?? documentedTinkScopes)];
    const denied = this.notEntitled(client.clientId, granted);
    if (denied.length > 0)
      throw oauthError(400, 'invalid_scope', `Scope not allowed for this client: ${denied.join(',')}`);
    this.tokensIssued.client_credentials += 1;
    return this.mint(
      'client',
      client.clientId,
      granted,
      undefined,
      this.settings.clientTokenExpiresInSeconds,
    );
  }

  exchangeCode(client: TinkClient, code: string | null) {
    const record = code ? this.codes.get(code) : undefined;
    // A code is spent by any exchange attempt that names it, even a failed one.
    if (code) this.codes.delete(code);
    const exchangeable =
      record &&
      record.expiresAtMs > this.now() &&
      this.users.has(record.userId) &&
      (record.clientId === client.clientId || record.actorClientId === client.clientId);
    if (!record || !exchangeable) throw oauthError(400, 'invalid_grant', 'Authorization code not valid');
    this.tokensIssued.authorization_code += 1;
    const token = this.mint(
      'user',
      client.clientId,
      record.scopes,
      record.userId,
      this.settings.userTokenExpiresInSeconds,
    );
    return { ...token, idHint: record.idHint };
  }

  private mint(
    kind: TokenKind,
    clientId: string,
    scopes: string[],
    userId: string | undefined,
    ttlS: number,
  ) {
    this.pruneTokensNowAndThen();
    const accessToken = randomBytes(32).toString('base64url');
    this.remember(accessToken);
    this.tokens.set(accessToken, { kind, clientId, scopes, userId, expiresAtMs: this.now() + ttlS * 1000 });
    if (userId) {
      const owned = this.tokensByUser.get(userId) ?? new Set<string>();
      owned.add(accessToken);
      this.tokensByUser.set(userId, owned);
    }
    return { accessToken, expiresIn: ttlS, scopes };
  }

  private remember(secret: string) {
    this.issuedValues.push(secret);
    if (this.issuedValues.length > maxRememberedValues) this.issuedValues.shift();
  }

  /** Every access token and authorization code issued lately (up to 10 000), resets included. */
  recentlyIssuedValues(): string[] {
    return [...this.issuedValues];
  }

  // Load runs mint many tokens; drop the expired ones from time to time so memory stays flat.
  private pruneTokensNowAndThen() {
    this.mintsSincePrune += 1;
    if (this.mintsSincePrune < 1000) return;
    this.mintsSincePrune = 0;
    const now = this.now();
    for (const [token, record] of this.tokens) if (record.expiresAtMs <= now) this.dropToken(token, record);
    for (const [code, record] of this.codes) if (record.expiresAtMs <= now) this.codes.delete(code);
  }

  private dropToken(token: string, record: TokenRecord) {
    this.tokens.delete(token);
    if (record.userId) this.tokensByUser.get(record.userId)?.delete(token);
  }

  /** The live token behind a bearer value, or undefined when unknown or expired. */
  lookupToken(token: string): TokenRecord | undefined {
    const record = this.tokens.get(token);
    if (!record) return undefined;
    if (record.expiresAtMs <= this.now()) {
      this.dropToken(token, record);
      return undefined;
    }
    return record;
  }

  /** Makes tokens answer 401 from now on (to exercise a caller's token renewal). */
  expireTokens(kind?: TokenKind) {
    let expired = 0;
    for (const [token, record] of this.tokens) {
      if (kind && record.kind !== kind) continue;
      this.dropToken(token, record);
      expired += 1;
    }
    return expired;
  }

  tokenStats() {
    const active = { client: 0, user: 0 };
    const now = this.now();
    for (const record of this.tokens.values()) if (record.expiresAtMs > now) active[record.kind] += 1;
    return { issued: { ...this.tokensIssued }, active };
  }

  // --- authorization grants ----------------------------------------------------------------

  createAuthorizationCode(
    clientId: string,
    target: { userId: string | null; externalUserId: string | null },
    scopes: string[],
    delegation?: { idHint: string; actorClientId: string },
  ) {
    const userId =
      target.userId !== null ? target.userId : this.usersByExternalId.get(target.externalUserId ?? '');
    if (userId === undefined || !this.users.has(userId))
      throw new SimHttpError(404, 'User not found', { errorCode: TinkErrorCode.userNotFound });
    const code = hex32();
    this.remember(code);
    this.codes.set(code, {
      clientId,
      userId,
      scopes,
      expiresAtMs: this.now() + this.settings.codeTtlMs,
      idHint: delegation?.idHint,
      actorClientId: delegation?.actorClientId,
    });
    return code;
  }

  // --- users -------------------------------------------------------------------------------

  static validateMarket(market: unknown): string {
    if (typeof market !== 'string' || !/^[A-Z]{2}$/.test(market) || !tinkMarkets.has(market))
      throw badRequest('Invalid market: expected a supported ISO 3166-1 alpha-2 code such as "SE"');
    return market;
  }

  static validateLocale(locale: unknown): string {
    if (typeof locale !== 'string' || !localePattern.test(locale))
      throw badRequest('Invalid locale: expected a language and country such as "en_US"');
    return locale;
  }

  static validateRetentionClass(retentionClass: unknown): string {
    if (typeof retentionClass !== 'string' || !retentionClasses.has(retentionClass))
      throw badRequest('Invalid retention_class: expected "permanent" or "temporary"');
    return retentionClass;
  }

  createUser(input: {
    userId?: string;
    externalUserId?: string | null;
    market: string;
    locale?: string;
    retentionClass?: string;
  }): TinkUser {
    const userId = input.userId ?? hex32();
    const externalUserId = input.externalUserId ?? null;
    if (this.users.has(userId))
      throw new SimHttpError(409, `User ${userId} already exists`, { errorCode: TinkErrorCode.userConflict });
    if (externalUserId !== null && this.usersByExternalId.has(externalUserId))
      throw new SimHttpError(409, 'A user with this external_user_id already exists', {
        errorCode: TinkErrorCode.userConflict,
      });
    const user: TinkUser = {
      userId,
      externalUserId,
      market: input.market,
      locale: input.locale ?? 'en_US',
      retentionClass: input.retentionClass ?? 'permanent',
      createdMs: this.now(),
      credentials: new Map(),
    };
    this.users.set(userId, user);
    if (externalUserId !== null) this.usersByExternalId.set(externalUserId, userId);
    return user;
  }

  hasUser(userId: string) {
    return this.users.has(userId);
  }

  /** Removes the user, its credentials, its codes and every token issued for it. */
  deleteUser(userId: string) {
    const user = this.users.get(userId);
    if (!user) return false;
    this.users.delete(userId);
    if (user.externalUserId !== null) this.usersByExternalId.delete(user.externalUserId);
    for (const credentialId of user.credentials.keys()) this.credentialOwners.delete(credentialId);
    for (const token of this.tokensByUser.get(userId) ?? []) this.tokens.delete(token);
    this.tokensByUser.delete(userId);
    for (const [code, record] of this.codes) if (record.userId === userId) this.codes.delete(code);
    return true;
  }

  userIds() {
    return [...this.users.keys()];
  }

  listUsers() {
    return [...this.users.values()].map((user) => ({
      userId: user.userId,
      externalUserId: user.externalUserId,
      market: user.market,
      credentialCount: this.visibleRecords(user).length,
    }));
  }

  dumpUser(userId: string): UserDump | undefined {
    const user = this.users.get(userId);
    if (!user) return undefined;
    return {
      userId: user.userId,
      externalUserId: user.externalUserId,
      market: user.market,
      locale: user.locale,
      retentionClass: user.retentionClass,
      createdMs: user.createdMs,
      credentials: this.visibleRecords(user).map((record) => this.dumpRecord(record)),
    };
  }

  // --- seeding -----------------------------------------------------------------------------

  seed(users: SeedUser[]): SeedResult {
    // Check every id first, so a rejected seed leaves nothing half-created.
    const userIds = new Set<string>();
    const externalIds = new Set<string>();
    const credentialIds = new Set<string>();
    for (const user of users) {
      if (user.userId !== undefined && (this.users.has(user.userId) || userIds.has(user.userId)))
        throw new SimHttpError(409, `User ${user.userId} already exists`);
      if (user.userId !== undefined) userIds.add(user.userId);
      const externalId = user.externalUserId;
      if (typeof externalId === 'string') {
        if (this.usersByExternalId.has(externalId) || externalIds.has(externalId))
          throw new SimHttpError(409, `External user id ${externalId} already exists`);
        externalIds.add(externalId);
      }
      for (const credential of user.credentials ?? []) {
        if (credential.id === undefined) continue;
        if (this.credentialOwners.has(credential.id) || credentialIds.has(credential.id))
          throw new SimHttpError(409, `Credential ${credential.id} already exists`);
        credentialIds.add(credential.id);
      }
    }
    return {
      users: users.map((input) => {
        const user = this.createUser({
          userId: input.userId,
          externalUserId: input.externalUserId,
          market: input.market ?? 'SE',
          locale: input.locale,
          retentionClass: input.retentionClass,
        });
        const ids = (input.credentials ?? []).map((credential) => this.addCredential(user, credential));
        return { userId: user.userId, externalUserId: user.externalUserId, credentialIds: ids };
      }),
    };
  }

  addCredentials(userId: string, credentials: SeedCredential[]) {
    const user = this.users.get(userId);
    if (!user) throw new SimHttpError(404, 'User not found', { errorCode: TinkErrorCode.userNotFound });
    for (const credential of credentials)
      if (credential.id !== undefined && this.credentialOwners.has(credential.id))
        throw new SimHttpError(409, `Credential ${credential.id} already exists`);
    return credentials.map((credential) => this.addCredential(user, credential));
  }

  private addCredential(user: TinkUser, input: SeedCredential): string {
    const now = this.now();
    const status = input.status ?? CredentialStatus.updated;
    const id = input.id ?? hex32();
    const refreshOutcome = input.refreshOutcome ?? CredentialStatus.updated;
    const record: CredentialRecord = {
      credential: {
        id,
        providerName: input.providerName ?? 'se-demobank-password',
        type: input.type ?? 'PASSWORD',
        status,
        statusPayload: input.statusPayload === undefined ? statusPayloadFor(status) : input.statusPayload,
        statusUpdated: input.statusUpdated ?? now - 60 * 60 * 1000,
        // Most real credentials were updated at some point; pass `updated: null` for one that never was.
        updated: input.updated === undefined ? now - 60 * 60 * 1000 : input.updated,
        fields: input.fields ?? { username: `demo-${id.slice(0, 6)}` },
        supplementalInformation: input.supplementalInformation ?? null,
        sessionExpiryDate: input.sessionExpiryDate === undefined ? now + 90 * dayMs : input.sessionExpiryDate,
        userId: user.userId,
      },
      refreshOutcome,
      refreshDurationMs: input.refreshDurationMs,
      pending:
        input.settleAfterMs !== undefined && isInProgress(status)
          ? { finishAtMs: now + input.settleAfterMs, outcome: refreshOutcome }
          : undefined,
      goneAtMs: undefined,
      lastRefreshStartedMs: undefined,
      refreshRequests: 0,
      lastRefresh: undefined,
    };
    user.credentials.set(id, record);
    this.credentialOwners.set(id, user.userId);
    return id;
  }

  // --- credentials -------------------------------------------------------------------------

  /** Applies whatever the clock says has happened since the last look; false when it is gone. */
  private advance(user: TinkUser, record: CredentialRecord): boolean {
    const now = this.now();
    if (record.goneAtMs !== undefined) {
      if (record.goneAtMs > now) return true;
      user.credentials.delete(record.credential.id);
      this.credentialOwners.delete(record.credential.id);
      return false;
    }
    if (record.pending && record.pending.finishAtMs <= now) {
      const { finishAtMs, outcome } = record.pending;
      record.pending = undefined;
      record.credential.status = outcome;
      record.credential.statusPayload = statusPayloadFor(outcome);
      record.credential.statusUpdated = finishAtMs;
      if (outcome === CredentialStatus.updated) record.credential.updated = finishAtMs;
    }
    return true;
  }

  private visibleRecords(user: TinkUser) {
    return [...user.credentials.values()].filter((record) => this.advance(user, record));
  }

  private findRecord(userId: string, credentialId: string) {
    const user = this.users.get(userId);
    const record = user?.credentials.get(credentialId);
    return user && record && this.advance(user, record) ? record : undefined;
  }

  private notFound(): never {
    throw new SimHttpError(404, 'Credentials not found', { errorCode: TinkErrorCode.credentialsNotFound });
  }

  listCredentials(userId: string): TinkCredential[] {
    const user = this.users.get(userId);
    return user ? this.visibleRecords(user).map((record) => ({ ...record.credential })) : [];
  }

  /** A credential of that user (a DELETED one still reads until it settles), else 404. */
  getCredential(userId: string, credentialId: string): TinkCredential {
    const record = this.findRecord(userId, credentialId);
    if (!record) this.notFound();
    return { ...record.credential };
  }

  /** Starts the asynchronous delete; a second delete while it settles answers 404. */
  deleteCredential(userId: string, credentialId: string) {
    const record = this.findRecord(userId, credentialId);
    if (!record || record.goneAtMs !== undefined) this.notFound();
    const now = this.now();
    record.pending = undefined;
    record.credential.status = CredentialStatus.deleted;
    record.credential.statusPayload = statusPayloadFor(CredentialStatus.deleted);
    record.credential.statusUpdated = now;
    record.goneAtMs = now + this.settings.deleteSettleMs;
    const user = this.users.get(userId);
    if (user) this.advance(user, record);
  }

  refreshCredential(
    userId: string,
    credentialId: string,
    request: Omit<RefreshRequestRecord, 'atMs'>,
    source: RefreshStarted['source'] = 'api',
  ): RefreshResult {
    const record = this.findRecord(userId, credentialId);
    if (!record || record.goneAtMs !== undefined) this.notFound();
    const now = this.now();
    const credential = record.credential;
    record.refreshRequests += 1;
    if (isInProgress(credential.status))
      throw new SimHttpError(409, 'A refresh of these credentials is already in progress', {
        errorCode: TinkErrorCode.refreshInProgress,
      });
    if (needsUser(credential.status) && !request.authenticate) {
      if (this.settings.needsUserRefresh === 'ignore') return { started: false, reason: 'needs-user' };
      throw new SimHttpError(
        400,
        `Credentials in status ${credential.status} need the user: refresh with authenticate=true`,
        { errorCode: TinkErrorCode.authenticationRequired },
      );
    }
    const minIntervalMs = this.settings.refreshMinIntervalMs;
    const sinceLastMs =
      record.lastRefreshStartedMs === undefined ? Infinity : now - record.lastRefreshStartedMs;
    if (minIntervalMs > 0 && sinceLastMs < minIntervalMs) {
      if (this.settings.rateLimitedRefresh === 'ignore') return { started: false, reason: 'rate-limited' };
      const retryAfterSeconds = Math.max(1, Math.ceil((minIntervalMs - sinceLastMs) / 1000));
      throw new SimHttpError(
        429,
        'Too many refreshes of these credentials',
        { errorCode: TinkErrorCode.rateLimited },
        { 'Retry-After': String(retryAfterSeconds) },
      );
    }
    const walking = request.authenticate ? CredentialStatus.authenticating : CredentialStatus.updating;
    credential.status = walking;
    credential.statusPayload = statusPayloadFor(walking);
    credential.statusUpdated = now;
    const finishAtMs = now + (record.refreshDurationMs ?? this.settings.refreshDurationMs);
    record.pending = { finishAtMs, outcome: record.refreshOutcome };
    record.lastRefreshStartedMs = now;
    record.lastRefresh = { atMs: now, ...request };
    this.refreshCounts.set(credentialId, (this.refreshCounts.get(credentialId) ?? 0) + 1);
    const user = this.users.get(userId);
    if (user) this.advance(user, record);
    this.onRefreshStarted?.({ userId, credentialId, finishAtMs, source });
    return { started: true };
  }

  /** Accepted (started) refreshes per credential id, including credentials deleted since. */
  refreshes(): Record<string, number> {
    return Object.fromEntries(this.refreshCounts);
  }

  clearRefreshes() {
    this.refreshCounts.clear();
  }

  // --- control-side credential access -------------------------------------------------------

  private recordById(credentialId: string) {
    const userId = this.credentialOwners.get(credentialId);
    return userId === undefined ? undefined : this.findRecord(userId, credentialId);
  }

  dumpCredential(credentialId: string): CredentialDump | undefined {
    const record = this.recordById(credentialId);
    return record ? this.dumpRecord(record) : undefined;
  }

  /** Sets fields directly; a status set this way stops any transition in flight. */
  patchCredential(credentialId: string, patch: CredentialPatch): CredentialDump | undefined {
    const record = this.recordById(credentialId);
    if (!record) return undefined;
    const credential = record.credential;
    if (patch.status !== undefined) {
      record.pending = undefined;
      record.goneAtMs = undefined;
      credential.status = patch.status;
      credential.statusPayload = statusPayloadFor(patch.status);
      credential.statusUpdated = this.now();
    }
    if (patch.statusPayload !== undefined) credential.statusPayload = patch.statusPayload;
    if (patch.statusUpdated !== undefined) credential.statusUpdated = patch.statusUpdated;
    if (patch.updated !== undefined) credential.updated = patch.updated;
    if (patch.sessionExpiryDate !== undefined) credential.sessionExpiryDate = patch.sessionExpiryDate;
    if (patch.providerName !== undefined) credential.providerName = patch.providerName;
    if (patch.type !== undefined) credential.type = patch.type;
    if (patch.fields !== undefined) credential.fields = patch.fields;
    if (patch.supplementalInformation !== undefined)
      credential.supplementalInformation = patch.supplementalInformation;
    if (patch.refreshOutcome !== undefined) record.refreshOutcome = patch.refreshOutcome;
    if (patch.refreshDurationMs !== undefined)
      record.refreshDurationMs = patch.refreshDurationMs ?? undefined;
    if (patch.settleAfterMs !== undefined && isInProgress(credential.status))
      record.pending = { finishAtMs: this.now() + patch.settleAfterMs, outcome: record.refreshOutcome };
    return this.dumpRecord(record);
  }

  private dumpRecord(record: CredentialRecord): CredentialDump {
    return {
      ...record.credential,
      simulator: {
        refreshOutcome: record.refreshOutcome,
        refreshDurationMs: record.refreshDurationMs,
        refreshing: record.pending !== undefined,
        refreshFinishesAtMs: record.pending?.finishAtMs,
        deleting: record.goneAtMs !== undefined,
        goneAtMs: record.goneAtMs,
        refreshes: this.refreshCounts.get(record.credential.id) ?? 0,
        refreshRequests: record.refreshRequests,
        lastRefresh: record.lastRefresh,
      },
    };
  }
}
