import type { ProviderName } from './errors';

/** The cache scope of one provider user: always the provider's user id from the path, never shared. */
export const userCacheScope = (provider: ProviderName, userId: string) => `${provider}#${userId}`;
