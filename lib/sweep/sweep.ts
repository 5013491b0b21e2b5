// The scheduled refresh sweep, provider-agnostic: walk the registry from the persisted cursor with a
// bounded number of users at once, ask each user's provider target which items are due, act on each
// due item under a lease (the target invalidates the user's cache after each refresh or sync), and
// stop with a safety margin before the deadline so the next run continues where this one stopped.
// Provider requests are paced by the process's request gate (see ./index.ts), not here.
import { setTimeout as sleep } from 'node:timers/promises';
import type { CallContext } from '../call-context';
import type { Deadline } from '../deadline';
import { logger } from '../observability';
import type { ProviderName } from '../provider-name';
import { ProviderError, ProviderFailure } from '../providers/errors';
import type { Enrollment, EnrollmentRegistry } from '../registry';
import { leasedItemKey } from '../table/keys';
import type { CursorStore, SweepCursor } from './cursor';
import { RequestGateDeadlineError } from './errors';
import type { LeaseStore } from './leases';
import { RegistryWalk } from './registry-walk';

/** What a target says about one item when it plans a user. */
export const ItemDecision = {
  due: 'due',
  notDue: 'not-due',
  needsUser: 'needs-user',
  inProgress: 'in-progress',
} as const;
export type ItemDecision = (typeof ItemDecision)[keyof typeof ItemDecision];

/** What became of a due item. */
export const ItemOutcome = {
  /** Refreshed (Tink) or synced (Moneyhub), and the user's cache invalidated. */
  refreshed: 'refreshed',
  /** Another run holds the item's lease: it acted, or is acting, on it. */
  leaseHeld: 'lease-held',
  failed: 'failed',
  /** Still rate limited after the retries this run could afford; a later run tries again. */
  rateLimited: 'rate-limited',
} as const;
export type ItemOutcome = (typeof ItemOutcome)[keyof typeof ItemOutcome];

export interface PlannedItem {
  itemId: string;
  decision: ItemDecision;
}

/** One provider's part in the sweep. */
export interface SweepTarget {
  /** The user's items and what each needs; `undefined` when the provider no longer knows the user. */
  plan(call: CallContext, userId: string): Promise<PlannedItem[] | undefined>;
  /** Refreshes (Tink) or syncs (Moneyhub) one item, then invalidates the user's cache. */
  act(call: CallContext, userId: string, itemId: string): Promise<void>;
}

/** How a provider's target is built from a fresh list of the user's items. */
export interface ListedItemsTargetOptions<Item extends { id: string }> {
  /** The user's items, fresh from the provider (never a cached list; it refills the cache). */
  list: (call: CallContext, userId: string) => Promise<Item[]>;
  /** What one item needs at `nowMs`. */
  decide: (item: Item, nowMs: number) => ItemDecision;
  /** Refreshes or syncs one item (the provider operation invalidates the user's cache). */
  act: (call: CallContext, userId: string, itemId: string) => Promise<unknown>;
  now?: () => number;
}

/**
 * A target that plans from a fresh list of the user's items, each judged by `decide`. A user the
 * provider does not know (404) is gone: the plan is `undefined`, and the sweep un-enrols it.
 */
export function listedItemsTarget<Item extends { id: string }>(
  options: ListedItemsTargetOptions<Item>,
): SweepTarget {
  const now = options.now ?? (() => Date.now());
  return {
    async plan(call, userId) {
      try {
        const items = await options.list(call, userId);
        return items.map((item) => ({ itemId: item.id, decision: options.decide(item, now()) }));
      } catch (error) {
        if (error instanceof ProviderError && error.failure === ProviderFailure.notFound) return undefined;
        throw error;
      }
    },
    async act(call, userId, itemId) {
      await options.act(call, userId, itemId);
    },
  };
}

/** Items per decision (every planned item) and per outcome (the due ones). */
export type SweepItemCounts = Record<ItemDecision | ItemOutcome, number>;

export interface SweepSummary {
  runId: string;
  usersVisited: number;
  /** Users the provider no longer knows: un-enrolled. */
  usersGone: number;
  /** Users whose plan failed (logged); the next pass visits them again. */
  usersFailed: number;
  /** All providers together. */
  items: SweepItemCounts;
  /** The same counts per provider visited. */
  providers: Partial<Record<ProviderName, SweepItemCounts>>;
  /** The deadline stopped the run before the pass was done; the cursor says where to go on. */
  stoppedEarly: boolean;
  /** This run finished a pass over every shard (the cursor is back at shard 0). */
  passCompleted: boolean;
  cursor: SweepCursor;
  durationMs: number;
}

export interface SweepOptions {
  runId: string;
  registry: EnrollmentRegistry;
  cursors: CursorStore;
  leases: LeaseStore;
  targets: Partial<Record<ProviderName, SweepTarget>>;
  /** Users processed at the same time. */
  userConcurrency: number;
  leaseMs: number;
  /** Stop starting new work this long before the deadline. */
  safetyMarginMs: number;
  call: CallContext;
  /**
   * The deadline of the bookkeeping after provider work (lease give-backs, un-enrolments, the last
   * cursor save): later than the call's, so a provider answer that came late does not cost the
   * next run its place. The call's deadline when absent.
   */
  reserveDeadline?: Deadline;
  /** How often one item is tried again after the provider rate limited it. */
  rateLimitRetries?: number;
  pageSize?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Registry entries per Query page. Each page costs a Query and a cursor save, so pages of 10 made
 * those 0.2 DynamoDB requests per user (bench/sweep-scale.ts); at 100 they are 0.02. The cursor is
 * still saved when a run ends, so only a crash repeats work, at most a page of users (not due, or
 * leased, when visited again).
 */
const registryPageSize = 100;

const emptyCounts = (): SweepItemCounts => ({
  due: 0,
  'not-due': 0,
  'needs-user': 0,
  'in-progress': 0,
  refreshed: 0,
  'lease-held': 0,
  failed: 0,
  'rate-limited': 0,
});

export async function runSweep(options: SweepOptions): Promise<SweepSummary> {
  const now = options.now ?? Date.now;
  const pause = options.sleep ?? sleep;
  const startedMs = now();
  const items = emptyCounts();
  const providers: Partial<Record<ProviderName, SweepItemCounts>> = {};
  const summary = { usersVisited: 0, usersGone: 0, usersFailed: 0 };
  const afterWork = options.reserveDeadline ?? options.call;
  /** Whether work that takes `ms` more still ends before the safety margin. */
  const timeLeft = (ms = 0) => options.call.deadlineAtMs - options.safetyMarginMs - now() - ms > 0;
  const count = (provider: ProviderName, key: keyof SweepItemCounts) => {
    items[key] += 1;
    providers[provider] ??= emptyCounts();
    providers[provider][key] += 1;
  };

  /** Acts on one due item under its lease; false when the deadline left it to the next run. */
  async function actOn(
    target: SweepTarget,
    provider: ProviderName,
    userId: string,
    itemId: string,
  ): Promise<boolean> {
    const leaseKey = leasedItemKey(provider, userId, itemId);
    let leased: boolean;
    try {
      leased = await options.leases.acquire(leaseKey, options.runId, options.leaseMs, options.call);
    } catch (error) {
      // No lease, no act: another run may be on the item. Near the deadline, leave it to the next run.
      if (!timeLeft()) return false;
      count(provider, ItemOutcome.failed);
      logger.warn('Sweep could not take a lease', { leaseKey, error });
      return true;
    }
    if (!leased) {
      count(provider, ItemOutcome.leaseHeld);
      return true;
    }
    const giveBack = () =>
      options.leases.release(leaseKey, options.runId, afterWork).catch((error: unknown) => {
        logger.warn('Sweep could not release a lease', { leaseKey, error });
      });
    const attempts = (options.rateLimitRetries ?? 3) + 1;
    for (let attempt = 1; ; attempt++) {
      try {
        await target.act(options.call, userId, itemId);
        count(provider, ItemOutcome.refreshed);
        return true;
      } catch (error) {
        // Never sent: the gate could not start it before the deadline.
        if (error instanceof RequestGateDeadlineError) {
          await giveBack();
          return false;
        }
        const rateLimited = error instanceof ProviderError && error.failure === ProviderFailure.rateLimited;
        const waitMs = rateLimited ? (error.retryAfterSeconds ?? 1) * 1000 : 0;
        if (rateLimited && attempt < attempts && timeLeft(waitMs)) {
          await pause(waitMs);
          continue;
        }
        count(provider, rateLimited ? ItemOutcome.rateLimited : ItemOutcome.failed);
        logger.warn('Sweep item failed', { provider, userId, itemId, error });
        // A provider that answered with an error started nothing: give the item back, so a later
        // run tries again. Without an answer (timeout, dropped connection) it may have started:
        // the lease stands until it expires, so no run acts on the item twice.
        if (error instanceof ProviderError && error.providerStatus !== undefined) await giveBack();
        // A 429 this run cannot wait out: the next run resumes here, not a whole pass later.
        return !(rateLimited && !timeLeft(waitMs));
      }
    }
  }

  /** Visits one user; false when the deadline cut the visit short (the next run visits it again). */
  async function visit(enrollment: Enrollment): Promise<boolean> {
    const { provider, userId } = enrollment;
    const target = options.targets[provider];
    if (!target) return true;
    summary.usersVisited += 1;
    let plan: PlannedItem[] | undefined;
    try {
      plan = await target.plan(options.call, userId);
    } catch (error) {
      // Cut by the deadline (or, near it, likely so): leave the user to the next run.
      if (error instanceof RequestGateDeadlineError || !timeLeft()) return false;
      summary.usersFailed += 1;
      logger.warn('Sweep could not visit a user', { provider, userId, error });
      return true;
    }
    if (!plan) {
      summary.usersGone += 1;
      await options.registry.unenroll(provider, userId, afterWork).catch((error: unknown) => {
        logger.warn('Sweep could not un-enrol a user the provider no longer knows', {
          provider,
          userId,
          error,
        });
      });
      return true;
    }
    for (const item of plan) count(provider, item.decision);
    for (const item of plan) {
      if (item.decision !== ItemDecision.due) continue;
      if (!timeLeft() || !(await actOn(target, provider, userId, item.itemId))) return false;
    }
    return true;
  }

  const start = await options.cursors.load(options.call);
  let savedCursor = start;
  const walk = new RegistryWalk(
    options.registry,
    start,
    options.pageSize ?? registryPageSize,
    options.call,
    () => saveCursor(),
  );
  /** Persists the walk's cursor if it moved; one save at a time, so an older one never lands last. */
  let saving: Promise<void> = Promise.resolve();
  function saveCursor(): Promise<void> {
    saving = saving.then(async () => {
      const cursor = walk.cursor;
      if (cursor === savedCursor) return;
      try {
        await options.cursors.save(cursor, now(), afterWork);
        savedCursor = cursor;
      } catch (error) {
        // The next run starts further back and finds that work not due or leased: harmless.
        logger.warn('Sweep could not save its cursor', { cursor, error });
      }
    });
    return saving;
  }

  // Workers pull users from one stream and visit them; a visit the deadline cut short halts the
  // run (the cursor stays before that user, so the next run visits it again).
  let halted = false;
  const worker = async () => {
    while (!halted && timeLeft()) {
      const step = await walk.next();
      if (!step) return;
      if (!step.enrollment) continue;
      if (await visit(step.enrollment)) walk.finish(step);
      else halted = true;
    }
  };
  await Promise.all(Array.from({ length: options.userConcurrency }, worker));
  await saveCursor();

  return {
    runId: options.runId,
    ...summary,
    items,
    providers,
    stoppedEarly: !walk.completedPass,
    passCompleted: walk.completedPass,
    cursor: walk.cursor,
    durationMs: now() - startedMs,
  };
}
