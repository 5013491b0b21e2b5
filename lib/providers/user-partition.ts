import type { CacheReadResult, ResponseCache } from '../cache';
import { type CallContext, reserveDeadline } from '../call-context';
import type { ProviderName } from '../provider-name';
import { providerUserKey } from '../table/keys';
import { isStaleEligible, mayHaveChangedUser } from './errors';

/** The cache partition of one provider user: always the provider's user id from the path, never shared. */
export const userCachePartition = (provider: ProviderName, userId: string) =>
  providerUserKey(provider, userId);

export interface UserResourceRead<T> {
  resource: string;
  freshSeconds: number | ((value: T) => number);
  load: () => Promise<T>;
  /** The caller sent `Cache-Control: no-cache`. */
  noCache?: boolean;
}

/**
 * A provider read through the cache, as every cached route does it: in the user's own partition, stale
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
    partition: userCachePartition(provider, userId),
    resource: read.resource,
    freshSeconds: read.freshSeconds,
    load: read.load,
    bypass: read.noCache,
    serveStaleOn: isStaleEligible,
    deadline: call,
    reserveDeadline: reserveDeadline(call),
  });
}

/**
 * A provider mutation of the user, then the invalidation of the user's cache, awaited, with its own
 * reserved time. Also when the mutation failed without a refusal (timeout, dropped connection, 5xx:
 * the provider may have acted; 404: it is gone): an extra invalidation is harmless, a missing one
 * serves the old data as fresh until its TTL.
 */
export async function mutateUser<T>(
  cache: ResponseCache,
  provider: ProviderName,
  call: CallContext,
  userId: string,
  mutate: () => Promise<T>,
): Promise<T> {
  const invalidate = () => cache.invalidate(userCachePartition(provider, userId), reserveDeadline(call));
  let result: T;
  try {
    result = await mutate();
  } catch (error) {
    if (mayHaveChangedUser(error)) await invalidate();
    throw error;
  }
  await invalidate();
  return result;
}
