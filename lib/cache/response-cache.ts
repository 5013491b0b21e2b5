// The cache policy (docs/cache.md explains each rule and why it exists): read-through with generations, freshness and
// the stale-if-error window computed in code, conditional fills, O(1) invalidation, purge, and
// falling open when storage fails. It knows nothing about providers: callers say what a partition,
// a resource, a TTL and a stale-worthy error are.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Deadline } from '../deadline';
import { countMetric, logger } from '../observability';
import { CacheUnavailableError } from './errors';
import { type CacheEntryRecord, type CacheStore, FillOutcome } from './store';

export const CacheStatus = {
  /** Served from a fresh entry; no provider call. */
  hit: 'hit',
  /** No usable fresh entry; the provider answered and the entry was (re)filled. */
  miss: 'miss',
  /** The provider failed; a same-generation entry inside its stale window was served. */
  stale: 'stale',
  /**
   * Another instance holds the lease to refill the entry: its same-generation predecessor, past its
   * freshness but inside its stale window, was served meanwhile (stale-while-revalidate).
   */
  revalidating: 'revalidating',
  /** The caller asked to skip the cache (`Cache-Control: no-cache`); the entry was refilled. */
  bypass: 'bypass',
  /** Storage failed; the provider answered and nothing was stored. */
  unavailable: 'unavailable',
} as const;
export type CacheStatus = (typeof CacheStatus)[keyof typeof CacheStatus];

export interface CacheReadOptions<T> {
  /**
   * The invocation's deadline, by which every storage call must be done: a slow or hung table is
   * given up on then, and retries stop, so the cache never outlives the invocation. None when absent.
   */
  deadline?: Deadline;
  /**
   * The deadline of the work that keeps the table right even when the rest ran late: verifying
   * (and if need be withdrawing) a fill, releasing a lease. Later than `deadline` (a reserve kept
   * back from the invocation's safety margin); `deadline` when absent.
   */
  reserveDeadline?: Deadline;
  /** The user's partition, e.g. `tink#<userId>`: always the provider user id from the path. */
  partition: string;
  /** What is cached within the partition, e.g. `credentials` or `syncs?limit=10&offset=0`. */
  resource: string;
  /** Seconds the value stays fresh; may depend on the value (shorter while work is in progress). */
  freshSeconds: number | ((value: T) => number);
  load: () => Promise<T>;
  /** Skip the fresh entry and refill it (request `Cache-Control: no-cache`). */
  bypass?: boolean;
  /** Whether a load failure may be answered with a stale entry (provider 5xx, 429, timeouts). */
  serveStaleOn?: (error: unknown) => boolean;
}

export interface CacheReadResult<T> {
  value: T;
  status: CacheStatus;
  /** Whole seconds since the provider produced the value. */
  ageSeconds: number;
  /** Whole seconds of freshness left; negative when stale. */
  ttlSeconds: number;
  /** Whether a new entry was written. */
  stored: boolean;
  /** The load error a stale entry stood in for. */
  staleBecause?: unknown;
}

export interface ResponseCacheOptions {
  store: CacheStore;
  staleWindowSeconds: number;
  /** Fraction of the TTL by which freshness is shortened at random, so entries do not expire together. */
  jitterRatio: number;
  /** How long a purged partition keeps its generation marker, so late fills can never be served. */
  purgeRetentionSeconds?: number;
  now?: () => number;
  random?: () => number;
  invalidateAttempts?: number;
  /** How long a refill lease holds off other instances' provider calls for one entry (default 3 s). */
  leaseMs?: number;
  /** How long a reader that lost the lease waits for the holder's fill before loading itself (default 1.5 s). */
  leaseWaitMs?: number;
}

type Snapshot = { generation: number; entry?: CacheEntryRecord; leaseUntilMs?: number };

/** Upper bound on the reads a reader makes while it waits for another instance's fill. */
const maxLeasePolls = 12;
/**
 * For a read or a fill, the table gets at most half the time left: a slow table is given up on
 * early enough for the provider call (or the answer) to get the other half.
 */
const readDeadline = ({ deadline }: { deadline?: Deadline }): Deadline | undefined =>
  deadline === undefined ? undefined : { deadlineAtMs: (Date.now() + deadline.deadlineAtMs) / 2 };

export class ResponseCache {
  private readonly now: () => number;
  private readonly random: () => number;
  /** Misses being loaded in this process, per partition, resource and generation (single-flight). */
  private readonly inFlight = new Map<string, Promise<CacheReadResult<unknown>>>();

  constructor(private readonly options: ResponseCacheOptions) {
    // `now` is the clock of freshness and expiry (a test may stop it). Deadlines stay on the wall
    // clock (`Date.now()` below), as the abort signals that enforce them do.
    // The clock is read at call time, so a test clock installed after construction is seen.
    this.now = options.now ?? (() => Date.now());
    this.random = options.random ?? Math.random;
  }

  async read<T>(request: CacheReadOptions<T>): Promise<CacheReadResult<T>> {
    let snapshot: Snapshot | undefined;
    try {
      snapshot = await this.options.store.read(request.partition, request.resource, readDeadline(request));
    } catch (error) {
      this.reportUnavailable('read', request.partition, error);
    }
    if (!snapshot) {
      const value = await request.load();
      return { value, status: CacheStatus.unavailable, ageSeconds: 0, ttlSeconds: 0, stored: false };
    }

    const fresh = request.bypass ? undefined : this.freshEntry(snapshot);
    if (fresh) return this.hit<T>(fresh);
    // A refill the caller asked for goes to the provider itself: it must not get an older answer.
    if (request.bypass) return this.loadAndFill(request, snapshot);

    const key = `${request.partition}\n${request.resource}\n${snapshot.generation}`;
    const joined = this.inFlight.get(key) as Promise<CacheReadResult<T>> | undefined;
    if (joined) {
      countMetric('CacheCoalesced');
      return joined;
    }
    const flight = this.missOnce(request, snapshot).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, flight);
    return flight;
  }

  /**
   * A miss that no other reader in this process is loading: across instances, a short lease on the
   * entry (one conditional write) lets only its holder go to the provider — memcache leases, as in
   * "Scaling Memcache at Facebook". A reader that finds the lease held serves the same-generation
   * entry it already has if it is inside its stale window, else waits a bounded time for the
   * holder's fill, else loads itself: the lease never turns into an error or an unbounded wait.
   */
  private async missOnce<T>(request: CacheReadOptions<T>, snapshot: Snapshot): Promise<CacheReadResult<T>> {
    const lease = await this.takeLease(request, snapshot);
    if (lease.heldElsewhere) {
      const usable = this.usableEntry(snapshot);
      const nowMs = this.now();
      if (usable && nowMs < usable.expiresAtEpochSeconds * 1000) {
        countMetric('CacheRevalidating');
        return this.served(usable, CacheStatus.revalidating, nowMs);
      }
      const filled = await this.waitForFill(request, snapshot.generation);
      if (filled.result) return filled.result;
      if (filled.snapshot) snapshot = filled.snapshot;
    }
    let result: CacheReadResult<T> | undefined;
    try {
      result = await this.loadAndFill(request, snapshot);
      return result;
    } finally {
      // No fill replaced the lease (the provider or the fill failed): hand it back so that others
      // need not wait it out and no lease-only item is left behind.
      if (lease.ownLeaseUntilMs !== undefined && !result?.stored)
        await this.options.store
          .releaseLease(
            request.partition,
            request.resource,
            { leaseUntilMs: lease.ownLeaseUntilMs, onEntry: snapshot.entry !== undefined },
            request.reserveDeadline ?? request.deadline,
          )
          .catch(() => undefined);
    }
  }

  /**
   * Whether another instance is refilling the entry; takes the lease otherwise (at most one write).
   * A table that refuses the lease means no lease: the reader loads as if there were no other.
   */
  private async takeLease<T>(
    request: CacheReadOptions<T>,
    snapshot: Snapshot,
  ): Promise<{ heldElsewhere: boolean; ownLeaseUntilMs?: number }> {
    const nowMs = this.now();
    if (snapshot.leaseUntilMs !== undefined && snapshot.leaseUntilMs > nowMs) return { heldElsewhere: true };
    const leaseUntilMs = nowMs + (this.options.leaseMs ?? 3000);
    try {
      const acquired = await this.options.store.acquireLease(
        request.partition,
        request.resource,
        { nowMs, leaseUntilMs },
        readDeadline(request),
      );
      return acquired ? { heldElsewhere: false, ownLeaseUntilMs: leaseUntilMs } : { heldElsewhere: true };
    } catch (error) {
      this.reportUnavailable('lease', request.partition, error);
      return { heldElsewhere: false };
    }
  }

  /**
   * Polls (bounded: a few reads with growing pauses, within leaseWaitMs and the deadline) until the
   * lease holder's entry appears. Stops early when the generation moves on: that fill is useless.
   */
  private async waitForFill<T>(
    request: CacheReadOptions<T>,
    generation: number,
  ): Promise<{ result?: CacheReadResult<T>; snapshot?: Snapshot }> {
    // Real time, not the injectable clock: the wait is bounded however a test drives the clock.
    const startedMs = Date.now();
    const waitUntilMs = Math.min(
      startedMs + (this.options.leaseWaitMs ?? 1500),
      // At most half of the time left, so the reader can still load after a fruitless wait.
      request.deadline === undefined
        ? Number.POSITIVE_INFINITY
        : (startedMs + request.deadline.deadlineAtMs) / 2,
    );
    let latest: Snapshot | undefined;
    for (let poll = 0, pauseMs = 20; poll < maxLeasePolls; poll++, pauseMs = Math.min(pauseMs * 2, 200)) {
      if (Date.now() + pauseMs > waitUntilMs) break;
      await sleep(pauseMs);
      try {
        latest = await this.options.store.read(request.partition, request.resource, readDeadline(request));
      } catch {
        break;
      }
      if (latest.generation !== generation) break;
      const fresh = this.freshEntry(latest);
      if (fresh) {
        countMetric('CacheLeaseWaitHit');
        return { result: this.hit<T>(fresh) };
      }
    }
    return { snapshot: latest };
  }

  /** The provider call and the fill; a stale entry stands in when the provider fails. */
  private async loadAndFill<T>(
    request: CacheReadOptions<T>,
    snapshot: Snapshot,
  ): Promise<CacheReadResult<T>> {
    const usable = this.usableEntry(snapshot);
    let value: T;
    try {
      value = await request.load();
    } catch (error) {
      const afterLoadMs = this.now();
      const withinStaleWindow = usable && afterLoadMs < usable.expiresAtEpochSeconds * 1000;
      if (usable && withinStaleWindow && !request.bypass && request.serveStaleOn?.(error)) {
        countMetric('CacheStale');
        logger.warn('Served a stale cache entry because the provider failed', {
          partition: request.partition,
          resource: request.resource,
          error,
        });
        return { ...this.served<T>(usable, CacheStatus.stale, afterLoadMs), staleBecause: error };
      }
      throw error;
    }

    countMetric(request.bypass ? 'CacheBypass' : 'CacheMiss');
    const stored = await this.fill(request, snapshot.generation, value);
    const freshSeconds = this.freshSecondsFor(request, value);
    return {
      value,
      status: request.bypass ? CacheStatus.bypass : CacheStatus.miss,
      ageSeconds: 0,
      ttlSeconds: freshSeconds,
      stored,
    };
  }

  /** The entry of the partition's current generation, fresh or not. */
  private usableEntry(snapshot: Snapshot): CacheEntryRecord | undefined {
    return snapshot.entry?.generation === snapshot.generation ? snapshot.entry : undefined;
  }

  private freshEntry(snapshot: Snapshot): CacheEntryRecord | undefined {
    const usable = this.usableEntry(snapshot);
    return usable && this.now() < usable.freshUntilMs ? usable : undefined;
  }

  private hit<T>(entry: CacheEntryRecord): CacheReadResult<T> {
    countMetric('CacheHit');
    return this.served(entry, CacheStatus.hit, this.now());
  }

  /**
   * An answer from a stored entry. A fresh entry's `ttl` rounds up (it is fresh for part of that
   * last second); an expired one's rounds down, so it is never reported as 0 while stale.
   */
  private served<T>(entry: CacheEntryRecord, status: CacheStatus, nowMs: number): CacheReadResult<T> {
    const leftMs = entry.freshUntilMs - nowMs;
    return {
      value: JSON.parse(entry.body) as T,
      status,
      ageSeconds: this.ageSeconds(entry, nowMs),
      ttlSeconds: leftMs > 0 ? Math.ceil(leftMs / 1000) : Math.floor(leftMs / 1000),
      stored: false,
    };
  }

  /**
   * Makes every cached entry of the partition unusable. Retried (within the deadline); reported, not
   * thrown, when it fails.
   */
  async invalidate(partition: string, deadline?: Deadline): Promise<boolean> {
    const done = await this.withRetries('invalidate', partition, deadline, () =>
      this.options.store.bumpGeneration(partition, undefined, deadline),
    );
    if (done) countMetric('CacheInvalidation');
    return done !== undefined;
  }

  /**
   * Removes a user's cached data: first the generation moves on (so nothing in flight can be served),
   * then every entry is deleted. The generation marker stays for a while; it holds no personal data.
   * Retried; reported, not thrown, when it fails (the provider-side deletion has already happened).
   */
  async purge(partition: string, deadline?: Deadline): Promise<{ complete: boolean; deleted: number }> {
    const retentionSeconds = this.options.purgeRetentionSeconds ?? 24 * 60 * 60;
    const retainUntil = Math.ceil(this.now() / 1000) + retentionSeconds;
    const bumped = await this.withRetries('purge', partition, deadline, () =>
      this.options.store.bumpGeneration(partition, retainUntil, deadline),
    );
    const deleted = await this.withRetries('purge', partition, deadline, () =>
      this.options.store.deleteEntries(partition, deadline),
    );
    const complete = bumped !== undefined && deleted !== undefined;
    if (complete) countMetric('CachePurge');
    return { complete, deleted: deleted ?? 0 };
  }

  private async withRetries<R>(
    operation: string,
    partition: string,
    deadline: Deadline | undefined,
    action: () => Promise<R>,
  ): Promise<R | undefined> {
    const attempts = this.options.invalidateAttempts ?? 3;
    for (let attempt = 1; ; attempt++) {
      try {
        return await action();
      } catch (error) {
        const waitMs = Math.random() * 50 * 2 ** attempt;
        const outOfTime = deadline !== undefined && Date.now() + waitMs >= deadline.deadlineAtMs;
        if (attempt >= attempts || outOfTime) {
          countMetric('CacheInvalidationFailed', { operation });
          logger.error(`Cache ${operation} failed after retries`, { partition, attempts: attempt, error });
          return undefined;
        }
        await sleep(waitMs);
      }
    }
  }

  private async fill<T>(request: CacheReadOptions<T>, generation: number, value: T): Promise<boolean> {
    const storedAtMs = this.now();
    const freshMs =
      this.freshSecondsFor(request, value) * 1000 * (1 - this.random() * this.options.jitterRatio);
    const freshUntilMs = Math.floor(storedAtMs + freshMs);
    const entry: CacheEntryRecord = {
      generation,
      body: JSON.stringify(value),
      storedAtMs,
      freshUntilMs,
      expiresAtEpochSeconds: Math.ceil(freshUntilMs / 1000) + this.options.staleWindowSeconds,
    };
    try {
      const writeDeadline = readDeadline(request);
      const outcome = await this.options.store.fill(
        request.partition,
        request.resource,
        entry,
        writeDeadline && {
          ...writeDeadline,
          reserve: request.reserveDeadline ?? request.deadline,
        },
      );
      return outcome === FillOutcome.stored;
    } catch (error) {
      this.reportUnavailable('fill', request.partition, error);
      return false;
    }
  }

  private freshSecondsFor<T>(request: CacheReadOptions<T>, value: T): number {
    return typeof request.freshSeconds === 'function' ? request.freshSeconds(value) : request.freshSeconds;
  }

  private ageSeconds(entry: CacheEntryRecord, nowMs: number): number {
    return Math.max(0, Math.floor((nowMs - entry.storedAtMs) / 1000));
  }

  private reportUnavailable(operation: string, partition: string, error: unknown) {
    countMetric('CacheUnavailable', { operation });
    logger.warn('Cache storage failed; falling open to the provider', {
      operation,
      partition,
      error: error instanceof CacheUnavailableError ? error.cause : error,
    });
  }
}
