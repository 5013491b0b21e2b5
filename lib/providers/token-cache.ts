// Provider access tokens, in memory only (never DynamoDB, never logs), per key — a scope set, or a
// scope set and a user — until `expires_in` minus a skew. Concurrent callers in one process share
// one token request (single flight). A token the provider refuses is dropped and minted once more.
import { ProviderError, ProviderFailure } from './errors';

export interface MintedToken {
  accessToken: string;
  expiresInSeconds: number;
}

interface CachedToken {
  accessToken: string;
  validUntilMs: number;
}

export interface TokenCacheOptions {
  /** Seconds before the provider's expiry at which a token is no longer handed out. */
  skewSeconds?: number;
  /**
   * Tokens kept at most. The sweep holds one per user it visits, so without a bound the cache would
   * grow with the registry; past it, expired tokens go first, then the least recently minted.
   */
  maxTokens?: number;
  now?: () => number;
}

/**
 * At most some 20 MB of tokens; more than the users the sweep visits while a user token lives (about
 * 4,000 in two hours at the default rate), so the bound costs no token the sweep could have reused.
 */
const defaultMaxTokens = 10_000;

export class TokenCache {
  private readonly tokens = new Map<string, CachedToken>();
  private readonly inFlight = new Map<string, Promise<CachedToken>>();
  private readonly skewSeconds: number;
  private readonly maxTokens: number;
  private readonly now: () => number;

  constructor(options: TokenCacheOptions = {}) {
    this.skewSeconds = options.skewSeconds ?? 60;
    this.maxTokens = options.maxTokens ?? defaultMaxTokens;
    // The clock is read at call time, so a test clock installed after construction is seen.
    this.now = options.now ?? (() => Date.now());
  }

  async get(key: string, mint: () => Promise<MintedToken>): Promise<string> {
    const cached = this.tokens.get(key);
    if (cached && this.now() < cached.validUntilMs) return cached.accessToken;
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = this.mint(key, mint).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return (await pending).accessToken;
  }

  /**
   * Runs `action` with a token; when the provider refuses the token (401 — revoked or expired early),
   * drops it and runs once more with a fresh one.
   */
  async use<T>(
    key: string,
    mint: () => Promise<MintedToken>,
    action: (token: string) => Promise<T>,
  ): Promise<T> {
    const token = await this.get(key, mint);
    try {
      return await action(token);
    } catch (error) {
      const refused =
        error instanceof ProviderError &&
        error.failure === ProviderFailure.credentialsRejected &&
        error.providerStatus === 401;
      if (!refused) throw error;
      this.forget(key, token);
      return action(await this.get(key, mint));
    }
  }

  /** Drops the key's token (only `token`, when given, so a newer one survives). */
  forget(key: string, token?: string) {
    if (token === undefined || this.tokens.get(key)?.accessToken === token) this.tokens.delete(key);
  }

  /** Drops every token whose key starts with the prefix, e.g. all of one user's tokens. */
  forgetPrefix(prefix: string) {
    for (const key of this.tokens.keys()) if (key.startsWith(prefix)) this.tokens.delete(key);
  }

  clear() {
    this.tokens.clear();
  }

  private async mint(key: string, mint: () => Promise<MintedToken>): Promise<CachedToken> {
    const minted = await mint();
    const lifetimeSeconds = Math.max(minted.expiresInSeconds - this.skewSeconds, minted.expiresInSeconds / 2);
    const token = { accessToken: minted.accessToken, validUntilMs: this.now() + lifetimeSeconds * 1000 };
    // Re-inserted, so the map's order is minting order (oldest first).
    this.tokens.delete(key);
    this.tokens.set(key, token);
    this.evictOverBound();
    return token;
  }

  private evictOverBound() {
    if (this.tokens.size <= this.maxTokens) return;
    const nowMs = this.now();
    for (const [key, token] of this.tokens) if (token.validUntilMs <= nowMs) this.tokens.delete(key);
    for (const key of this.tokens.keys()) {
      if (this.tokens.size <= this.maxTokens) break;
      this.tokens.delete(key);
    }
  }

  /** How many tokens are kept (tests, metrics). */
  get size(): number {
    return this.tokens.size;
  }
}
