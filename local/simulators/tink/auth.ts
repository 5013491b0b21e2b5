// Tink's authorization side as an app sees it: client authentication, entitlements (the scopes an
// app may use), client_credentials tokens, authorization codes and their exchange for user tokens,
// and the bearer-token and scope check every API route makes.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { SimHttpError, type SimRequest } from '../harness';
import { TinkErrorCode } from './error-codes';

const maxRememberedValues = 10_000;

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

function secretsMatch(given: string, expected: string) {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

const oauthError = (status: number, error: string, description: string) =>
  new SimHttpError(status, description, { oauthError: error });

/** The settings the token endpoint reads: lifetimes of codes and tokens (part of TinkSettings). */
export interface TinkTokenSettings {
  /** Lifetime of an authorization code. */
  codeTtlMs: number;
  clientTokenExpiresInSeconds: number;
  userTokenExpiresInSeconds: number;
}

/**
 * Tink's authorization server: the apps (client id, secret, entitlements), their client tokens,
 * authorization codes and the user tokens exchanged for them. Users themselves live in TinkState,
 * which asks whether one exists when a code is exchanged.
 */
export class TinkAuth {
  private readonly clients = new Map<string, TinkClient>();
  private readonly initialClients: TinkClient[];
  private readonly tokens = new Map<string, TokenRecord>();
  private readonly tokensByUser = new Map<string, Set<string>>();
  private readonly codes = new Map<string, CodeRecord>();
  private readonly tokensIssued = { client_credentials: 0, authorization_code: 0 };
  /** The latest token and code values issued (kept across resets), for leak checks in tests. */
  private readonly issuedValues: string[] = [];
  private mintsSincePrune = 0;

  constructor(
    clients: TinkClient[],
    /** The simulator's live settings (token lifetimes, code TTL); patched in place by TinkState. */
    private readonly settings: TinkTokenSettings,
    private readonly userExists: (userId: string) => boolean,
    private readonly now: () => number,
  ) {
    this.initialClients = clients.map((client) => ({ ...client }));
    for (const client of clients) this.clients.set(client.clientId, { ...client });
  }

  /** No codes, no user tokens, the start's entitlements. Client tokens stay valid, as Tink's
   * would: they belong to the app, not to the data (and callers cache them). */
  reset() {
    this.codes.clear();
    for (const [token, record] of this.tokens) if (record.kind === 'user') this.tokens.delete(token);
    this.tokensByUser.clear();
    this.tokensIssued.client_credentials = 0;
    this.tokensIssued.authorization_code = 0;
    for (const client of this.initialClients) this.clients.set(client.clientId, { ...client });
  }

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
      this.userExists(record.userId) &&
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

  /** An authorization code for an existing user, spent by its first exchange. */
  issueCode(
    clientId: string,
    userId: string,
    scopes: string[],
    delegation?: { idHint: string; actorClientId: string },
  ) {
    const code = randomBytes(16).toString('hex');
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

  /** Drops every token and code issued for a deleted user. */
  forgetUser(userId: string) {
    for (const token of this.tokensByUser.get(userId) ?? []) this.tokens.delete(token);
    this.tokensByUser.delete(userId);
    for (const [code, record] of this.codes) if (record.userId === userId) this.codes.delete(code);
  }
}

/** The bearer token of a request, checked for its kind and scope (Tink's 401 and 403 bodies). */
export function authorize(
  auth: TinkAuth,
  request: SimRequest,
  requirement: { scope: string; kind?: TokenKind },
): TokenRecord {
  const header = request.headers.authorization;
  const token = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] : undefined;
  const record = token ? auth.lookupToken(token) : undefined;
  if (!record)
    throw new SimHttpError(
      401,
      token ? 'The access token is invalid or has expired' : 'Missing bearer access token',
      { errorCode: TinkErrorCode.unauthorized },
      { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
    );
  if (requirement.kind && record.kind !== requirement.kind)
    throw new SimHttpError(403, `This endpoint requires a ${requirement.kind} access token`, {
      errorCode: TinkErrorCode.forbidden,
    });
  if (!record.scopes.includes(requirement.scope))
    throw new SimHttpError(403, `The access token lacks the scope ${requirement.scope}`, {
      errorCode: TinkErrorCode.forbidden,
    });
  return record;
}
