// The cache policy (DESIGN "The cache", rules 1–7): read-through with generations, freshness and
// the stale-if-error window computed in code, conditional fills, O(1) invalidation, purge, and
// falling open when storage fails. It knows nothing about providers: callers say what a scope,
// a resource, a TTL and a stale-worthy error are.
import { deadlineSignal } from '../call-context';
import { countMetric, logger } from '../observability';
import { CacheUnavailableError } from './errors';
import { type CacheEntryRecord, type CacheStore, FillOutcome, type StoreCallOptions } from './store';

export const CacheStatus = {
  /** Served from a fresh entry; no provider call. */
  hit: 'hit',
  /** No usable fresh entry; the provider answered and the entry was (re)filled. */
  miss: 'miss',
  /** The provider failed; a same-generation entry inside its stale window was served. */
  stale: 'stale',
  /** The caller asked to skip the cache (`Cache-Control: no-cache`); the entry was refilled. */
  bypass: 'bypass',
  /** Storage failed; the provider answered and nothing was stored. */
  unavailable: 'unavailable',
} as const;
export type CacheStatus = (typeof CacheStatus)[keyof typeof CacheStatus];

export interface CacheCallOptions {
  /**
   * Epoch ms by which every storage call must be done (the invocation's deadline): a slow or hung
   * table is given up on then, and retries stop, so the cache never outlives the invocation.
   */
  deadlineAtMs?: number;
  /**
   * Epoch ms by which the work that keeps the table right must be done even when the rest ran
   * late: verifying (and if need be withdrawing) a fill. Later than `deadlineAtMs` (a reserve kept
   * back from the invocation's safety margin); `deadlineAtMs` when absent.
   */
  reserveDeadlineAtMs?: number;
}

export interface CacheReadOptions<T> extends CacheCallOptions {
  /** The user's scope, e.g. `tink#<userId>`: always the provider user id from the path. */
  scope: string;
  /** What is cached within the scope, e.g. `credentials` or `syncs?limit=10&offset=0`. */
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
  /** How long a purged scope keeps its generation marker, so late fills can never be served. */
  purgeRetentionSeconds?: number;
  now?: () => number;
  random?: () => number;
  invalidateAttempts?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Storage-call options for one call made now: aborted at the deadline, if there is one. */
const storeCall = (options: CacheCallOptions): StoreCallOptions => ({
  abortSignal: deadlineSignal(options.deadlineAtMs),
});
/**
 * For a read or a fill, the table gets at most half the time left: a slow table is given up on
 * early enough for the provider call (or the answer) to get the other half.
 */
const readCall = ({ deadlineAtMs }: CacheCallOptions): StoreCallOptions =>
  storeCall({ deadlineAtMs: deadlineAtMs === undefined ? undefined : (Date.now() + deadlineAtMs) / 2 });

export class ResponseCache {
  private readonly now: () => number;
  private readonly random: () => number;

  constructor(private readonly options: ResponseCacheOptions) {
    // The clock is read at call time, so a test clock installed after construction is seen.
    this.now = options.now ?? (() => Date.now());
    this.random = options.random ?? Math.random;
  }

  async read<T>(request: CacheReadOptions<T>): Promise<CacheReadResult<T>> {
    let snapshot: { generation: number; entry?: CacheEntryRecord } | undefined;
    try {
      snapshot = await this.options.store.read(request.scope, request.resource, readCall(request));
    } catch (error) {
      this.reportUnavailable('read', request.scope, error);
    }
    if (!snapshot) {
      const value = await request.load();
      return { value, status: CacheStatus.unavailable, ageSeconds: 0, ttlSeconds: 0, stored: false };
    }

    const nowMs = this.now();
    const usable = snapshot.entry?.generation === snapshot.generation ? snapshot.entry : undefined;
    if (usable && !request.bypass && nowMs < usable.freshUntilMs) {
      countMetric('CacheHit');
      return {
        value: JSON.parse(usable.body) as T,
        status: CacheStatus.hit,
        ageSeconds: this.ageSeconds(usable, nowMs),
        ttlSeconds: Math.ceil((usable.freshUntilMs - nowMs) / 1000),
        stored: false,
      };
    }

    let value: T;
    try {
      value = await request.load();
    } catch (error) {
      const afterLoadMs = this.now();
      const withinStaleWindow = usable && afterLoadMs < usable.expiresAtEpochSeconds * 1000;
      if (usable && withinStaleWindow && !request.bypass && request.serveStaleOn?.(error)) {
        countMetric('CacheStale');
        logger.warn('Served a stale cache entry because the provider failed', {
          scope: request.scope,
          resource: request.resource,
          error,
        });
        return {
          value: JSON.parse(usable.body) as T,
          status: CacheStatus.stale,
          ageSeconds: this.ageSeconds(usable, afterLoadMs),
          ttlSeconds: Math.floor((usable.freshUntilMs - afterLoadMs) / 1000),
          stored: false,
          staleBecause: error,
        };
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

  /**
   * Makes every cached entry of the scope unusable. Retried (within the deadline); reported, not
   * thrown, when it fails.
   */
  async invalidate(scope: string, options: CacheCallOptions = {}): Promise<boolean> {
    const done = await this.withRetries('invalidate', scope, options, (call) =>
      this.options.store.bumpGeneration(scope, undefined, call),
    );
    if (done) countMetric('CacheInvalidation');
    return done !== undefined;
  }

  /**
   * Removes a user's cached data: first the generation moves on (so nothing in flight can be served),
   * then every entry is deleted. The generation marker stays for a while; it holds no personal data.
   * Retried; reported, not thrown, when it fails (the provider-side deletion has already happened).
   */
  async purge(
    scope: string,
    options: CacheCallOptions = {},
  ): Promise<{ complete: boolean; deleted: number }> {
    const retentionSeconds = this.options.purgeRetentionSeconds ?? 24 * 60 * 60;
    const retainUntil = Math.ceil(this.now() / 1000) + retentionSeconds;
    const bumped = await this.withRetries('purge', scope, options, (call) =>
      this.options.store.bumpGeneration(scope, retainUntil, call),
    );
    const deleted = await this.withRetries('purge', scope, options, (call) =>
      this.options.store.deleteEntries(scope, call),
    );
    const complete = bumped !== undefined && deleted !== undefined;
    if (complete) countMetric('CachePurge');
    return { complete, deleted: deleted ?? 0 };
  }

  private async withRetries<R>(
    operation: string,
    scope: string,
    options: CacheCallOptions,
    action: (call: StoreCallOptions) => Promise<R>,
  ): Promise<R | undefined> {
    const attempts = this.options.invalidateAttempts ?? 3;
    const { deadlineAtMs } = options;
    for (let attempt = 1; ; attempt++) {
      try {
        return await action(storeCall(options));
      } catch (error) {
        const waitMs = Math.random() * 50 * 2 ** attempt;
        const outOfTime = deadlineAtMs !== undefined && Date.now() + waitMs >= deadlineAtMs;
        if (attempt >= attempts || outOfTime) {
          countMetric('CacheInvalidationFailed', { operation });
          logger.error(`Cache ${operation} failed after retries`, { scope, attempts: attempt, error });
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
      const outcome = await this.options.store.fill(request.scope, request.resource, entry, {
        ...readCall(request),
        verifyAbortSignal: deadlineSignal(request.reserveDeadlineAtMs ?? request.deadlineAtMs),
      });
      return outcome === FillOutcome.stored;
    } catch (error) {
      this.reportUnavailable('fill', request.scope, error);
      return false;
    }
  }

  private freshSecondsFor<T>(request: CacheReadOptions<T>, value: T): number {
    return typeof request.freshSeconds === 'function' ? request.freshSeconds(value) : request.freshSeconds;
  }

  private ageSeconds(entry: CacheEntryRecord, nowMs: number): number {
    return Math.max(0, Math.floor((nowMs - entry.storedAtMs) / 1000));
  }

  private reportUnavailable(operation: string, scope: string, error: unknown) {
    countMetric('CacheUnavailable', { operation });
    logger.warn('Cache storage failed; falling open to the provider', {
      operation,
      scope,
      error: error instanceof CacheUnavailableError ? error.cause : error,
    });
  }
}
