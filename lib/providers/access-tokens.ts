// How both provider clients keep and present their access tokens. One in-memory cache per client
// (./token-cache.ts), keyed `client|<scope>` for the client's own tokens and `user|<userId>|<scope>`
// for a user's, so that all of one user's tokens can be dropped together once the user is deleted. A
// token travels only in the Authorization header; minting logs the scope and lifetime, never the token.
import { logger } from '../observability';
import type { ProviderName } from '../provider-name';
import { type MintedToken, TokenCache } from './token-cache';

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

const userTokenPrefix = (userId: string) => `user|${userId}|`;
const providerLabel: Record<ProviderName, string> = { tink: 'Tink', moneyhub: 'Moneyhub' };

export class AccessTokens {
  constructor(private readonly cache: TokenCache = new TokenCache()) {}

  /** Runs `action` with the client's own token for the scope set (minted when none is kept). */
  forClient<T>(scope: string, mint: () => Promise<MintedToken>, action: (token: string) => Promise<T>) {
    return this.cache.use(`client|${scope}`, mint, action);
  }

  /** Runs `action` with a token for one user and scope set (minted when none is kept). */
  forUser<T>(
    userId: string,
    scope: string,
    mint: () => Promise<MintedToken>,
    action: (token: string) => Promise<T>,
  ) {
    return this.cache.use(`${userTokenPrefix(userId)}${scope}`, mint, action);
  }

  /** Drops the user's tokens (after the user was deleted). */
  forgetUser(userId: string) {
    this.cache.forgetPrefix(userTokenPrefix(userId));
  }

  /** Drops every token, client and user. */
  clear() {
    this.cache.clear();
  }
}

/** A provider's token response as the cache keeps it, logged without the token. */
export function mintedToken(
  provider: ProviderName,
  kind: 'client' | 'user',
  scope: string,
  response: { access_token: string; expires_in: number },
): MintedToken {
  logger.debug(`Minted a ${providerLabel[provider]} ${kind} token`, {
    scope,
    expiresInSeconds: response.expires_in,
  });
  return { accessToken: response.access_token, expiresInSeconds: response.expires_in };
}
