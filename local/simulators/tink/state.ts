// The Tink simulator's in-memory world: users, credentials and the settings that shape timing; apps,
// tokens and authorization codes are its TinkAuth (auth.ts). Time-driven transitions (a refresh finishing, a deleted credential
// disappearing, a token expiring) are evaluated lazily against the clock on every read, so there
// are no timers to leak and thousands of seeded credentials cost nothing while idle.
import { randomBytes } from 'node:crypto';
import { SimHttpError } from '../harness';
import { TinkAuth, type TinkClient, type TinkTokenSettings } from './auth';
import { TinkErrorCode } from './error-codes';

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

export interface TinkSettings extends TinkTokenSettings {
  /** How long a refresh stays UPDATING/AUTHENTICATING before reaching its outcome. */
  refreshDurationMs: number;
  /** How long a deleted credential is still listed with status DELETED. */
  deleteSettleMs: number;
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

/** A user as the control API shows it: its credentials as a list. */
export interface UserDump extends Omit<TinkUser, 'credentials'> {
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

const badRequest = (message: string) =>
  new SimHttpError(400, message, { errorCode: TinkErrorCode.badRequest });
export class TinkState {
  readonly settings: TinkSettings;
  private readonly initialSettings: TinkSettings;
  /** Apps, tokens and authorization codes. */
  readonly auth: TinkAuth;
  private readonly users = new Map<string, TinkUser>();
  private readonly usersByExternalId = new Map<string, string>();
  private readonly credentialOwners = new Map<string, string>();
  private readonly refreshCounts = new Map<string, number>();
  /** Told of every accepted refresh (local/simulators/tink/webhooks.ts listens). */
  onRefreshStarted: ((started: RefreshStarted) => void) | undefined;

  constructor(
    clients: TinkClient[],
    settings: Partial<TinkSettings> = {},
    readonly now: () => number = Date.now,
  ) {
    this.initialSettings = { ...defaultSettings, ...settings };
    this.settings = { ...this.initialSettings };
    this.auth = new TinkAuth(clients, this.settings, (userId) => this.users.has(userId), now);
  }

  /** Back to the start: no users, no codes, no user tokens, initial settings (see TinkAuth.reset). */
  reset() {
    this.users.clear();
    this.usersByExternalId.clear();
    this.credentialOwners.clear();
    this.refreshCounts.clear();
    this.auth.reset();
    Object.assign(this.settings, this.initialSettings);
  }

  updateSettings(patch: Partial<TinkSettings>) {
    Object.assign(this.settings, patch);
    return { ...this.settings };
  }

  // --- authorization grants ----------------------------------------------------------------

  /** A code for the user named by id or external id (404 when there is none). */
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
    return this.auth.issueCode(clientId, userId, scopes, delegation);
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
    this.auth.forgetUser(userId);
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
