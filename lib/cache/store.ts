// What the cache policy needs from storage. The policy (freshness, generations, stale-if-error)
// lives in response-cache.ts; the DynamoDB adapter implements only these hooks. Every hook takes
// the caller's deadline and gives up on the table then.
import type { Deadline } from '../deadline';

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
  /** The partition's current generation; 0 when the partition has never been invalidated. */
  generation: number;
  entry?: CacheEntryRecord;
  /** Until when (epoch ms) another reader holds the lease to refill the entry, if one was taken. */
  leaseUntilMs?: number;
}

/** A short claim on refilling one entry, so that concurrent misses across instances load it once. */
export interface FillLease {
  nowMs: number;
  /** The fill that replaces the entry clears it; a holder that dies leaves it to run out. */
  leaseUntilMs: number;
}

export interface HeldLease {
  /** Identifies the lease: no two holders of one entry's lease can have the same end. */
  leaseUntilMs: number;
  /** Whether the lease was taken on an existing entry (else on a lease-only item). */
  onEntry: boolean;
}

export const FillOutcome = {
  stored: 'stored',
  /** The entry already held a newer generation; nothing was written. */
  superseded: 'superseded',
  /** Written, but the generation moved on meanwhile (invalidation or purge): taken back out. */
  withdrawn: 'withdrawn',
  /** The entry cannot fit one storage item: served, never cached. */
  tooLarge: 'too-large',
} as const;
export type FillOutcome = (typeof FillOutcome)[keyof typeof FillOutcome];

/**
 * Per fill: the write and its checks end at `deadlineAtMs`; the verification after the write and a
 * withdrawal at the `reserve`, later, so that a write that may have landed can still be checked and
 * taken back.
 */
export interface FillDeadline extends Deadline {
  reserve?: Deadline;
}

export interface CacheStore {
  /** The partition's generation and the entry, in one consistent round trip. */
  read(partition: string, resource: string, deadline?: Deadline): Promise<CacheSnapshot>;
  /**
   * Writes the entry unless the stored one belongs to a newer generation, and never leaves it behind
   * when the partition's generation moved on meanwhile (a purged user's data must not come back).
   */
  fill(
    partition: string,
    resource: string,
    entry: CacheEntryRecord,
    deadline?: FillDeadline,
  ): Promise<FillOutcome>;
  /**
   * Takes the lease on refilling the entry unless another holder's lease is still running (one
   * conditional write); the entry, if any, is kept. Returns whether this caller holds it now.
   */
  acquireLease(partition: string, resource: string, lease: FillLease, deadline?: Deadline): Promise<boolean>;
  /**
   * Gives up a lease this caller holds when no fill replaced it (one conditional write): a
   * lease-only item is deleted, an entry keeps its data and loses only the lease.
   */
  releaseLease(partition: string, resource: string, lease: HeldLease, deadline?: Deadline): Promise<void>;
  /** Makes every entry of the partition unusable in O(1); returns the new generation. */
  bumpGeneration(partition: string, retainUntilEpochSeconds?: number, deadline?: Deadline): Promise<number>;
  /** Deletes every entry of the partition (not its generation marker); returns how many were deleted. */
  deleteEntries(partition: string, deadline?: Deadline): Promise<number>;
}
