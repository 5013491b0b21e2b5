// What the cache policy needs from storage. The policy (freshness, generations, stale-if-error)
// lives in response-cache.ts; the DynamoDB adapter implements only these hooks.

/** One cached provider response. Time units are in the names: they must never be mixed. */
export interface CacheEntryRecord {
  generation: number;
  /** The provider response, serialised as JSON. */
  body: string;
  storedAtMs: number;
  freshUntilMs: number;
  /** DynamoDB TTL attribute (`expiresAt`): epoch seconds, the unit DynamoDB TTL expects. */
  expiresAtEpochSeconds: number;
}

export interface CacheSnapshot {
  /** The scope's current generation; 0 when the scope has never been invalidated. */
  generation: number;
  entry?: CacheEntryRecord;
}

export const FillOutcome = {
  stored: 'stored',
  /** The entry already held a newer generation; nothing was written. */
  superseded: 'superseded',
  /** Written, but the generation moved on meanwhile (invalidation or purge): taken back out. */
  withdrawn: 'withdrawn',
} as const;
export type FillOutcome = (typeof FillOutcome)[keyof typeof FillOutcome];

/** Per call: a signal that aborts the storage call (the invocation's deadline has come). */
export interface StoreCallOptions {
  abortSignal?: AbortSignal;
}

export interface FillCallOptions extends StoreCallOptions {
  /**
   * Aborts the verification after the write and a withdrawal; later than `abortSignal`, so that a
   * write that may have landed can still be checked and taken back.
   */
  verifyAbortSignal?: AbortSignal;
}

export interface CacheStore {
  /** The scope's generation and the entry, in one consistent round trip. */
  read(scope: string, resource: string, options?: StoreCallOptions): Promise<CacheSnapshot>;
  /**
   * Writes the entry unless the stored one belongs to a newer generation, and never leaves it behind
   * when the scope's generation moved on meanwhile (a purged user's data must not come back).
   */
  fill(
    scope: string,
    resource: string,
    entry: CacheEntryRecord,
    options?: FillCallOptions,
  ): Promise<FillOutcome>;
  /** Makes every entry of the scope unusable in O(1); returns the new generation. */
  bumpGeneration(
    scope: string,
    retainUntilEpochSeconds?: number,
    options?: StoreCallOptions,
  ): Promise<number>;
  /** Deletes every entry of the scope (not its generation marker); returns how many were deleted. */
  deleteEntries(scope: string, options?: StoreCallOptions): Promise<number>;
}
