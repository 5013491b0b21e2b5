import type { CacheReadResult, ResponseCache } from '../cache';
import type { CallContext } from '../call-context';
import { isStaleEligible, type ProviderName } from './errors';

/** The cache scope of one provider user: always the provider's user id from the path, never shared. */
export const userCacheScope = (provider: ProviderName, userId: string) => `${provider}#${userId}`;

export interface UserResourceRead<T> {
  resource: string;
  freshSeconds: number | ((value: T) => number);
  load: () => Promise<T>;
  /** The caller sent `Cache-Control: no-cache`. */
  noCache?: boolean;
}

/**
 * A provider read through the cache, as every cached route does it: in the user's own scope, stale
 * entries allowed for provider faults only, bypassed on request, bounded by the invocation's deadline.
 */
export function readUserResource<T>(
  cache: ResponseCache,
  provider: ProviderName,
  call: CallContext,
  userId: string,
  read: UserResourceRead<T>,
): Promise<CacheReadResult<T>> {
  return cache.read({
    scope: userCacheScope(provider, userId),
    resource: read.resource,
    freshSeconds: read.freshSeconds,
    load: read.load,
    bypass: read.noCache,
    serveStaleOn: isStaleEligible,
    deadlineAtMs: call.deadlineAtMs,
  });
}
