// The scheduled refresh sweep, provider-agnostic: walk the registry from the persisted cursor, ask
// each user's provider target which items are due, act on each due item under a lease (the target
// invalidates the user's cache after each refresh or sync), and stop with a safety margin
// before the deadline so the next run continues where this one stopped.
import type { CallContext } from '../call-context';
import { logger } from '../observability';
import { ProviderError, ProviderFailure, type ProviderName } from '../providers/errors';
import type { Enrollment, EnrollmentRegistry } from '../registry';
import type { CursorStore, SweepCursor } from './cursor';
import type { LeaseStore } from './leases';

export const ItemDecision = {
  due: 'due',
  notDue: 'not-due',
  needsUser: 'needs-user',
  inProgress: 'in-progress',
} as const;
export type ItemDecision = (typeof ItemDecision)[keyof typeof ItemDecision];

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

export interface SweepSummary {
  runId: string;
  usersVisited: number;
  usersGone: number;
  usersFailed: number;
  items: Record<ItemDecision | 'refreshed' | 'lease-held' | 'failed' | 'rate-limited', number>;
  stoppedEarly: boolean;
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
  /** How often one item is tried again after the provider rate limited it. */
  rateLimitRetries?: number;
  pageSize?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

type Counters = SweepSummary['items'];

export async function runSweep(options: SweepOptions): Promise<SweepSummary> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise((resolve) => setTimeout(resolve, ms)));
  const startedMs = now();
  const items: Counters = {
    due: 0,
    'not-due': 0,
    'needs-user': 0,
    'in-progress': 0,
    refreshed: 0,
    'lease-held': 0,
    failed: 0,
    'rate-limited': 0,
  };
  const summary = { usersVisited: 0, usersGone: 0, usersFailed: 0 };
  const timeLeft = () => options.call.deadlineAtMs - options.safetyMarginMs - now() > 0;

  async function actOn(
    target: SweepTarget,
    userId: string,
    itemId: string,
    provider: ProviderName,
  ): Promise<boolean> {
    const leased = await options.leases.acquire(
      `${provider}#${userId}#${itemId}`,
      options.runId,
      options.leaseMs,
    );
    if (!leased) {
      items['lease-held'] += 1;
      return false;
    }
    const attempts = (options.rateLimitRetries ?? 3) + 1;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        await target.act(options.call, userId, itemId);
        items.refreshed += 1;
        return true;
      } catch (error) {
        const rateLimited = error instanceof ProviderError && error.failure === ProviderFailure.rateLimited;
        if (rateLimited && attempt < attempts && timeLeft()) {
          await sleep((error.retryAfterSeconds ?? 1) * 1000);
          continue;
        }
        items[rateLimited ? 'rate-limited' : 'failed'] += 1;
        logger.warn('Sweep item failed', { provider, userId, itemId, error });
        return false;
      }
    }
    return false;
  }

  /** Visits one user; false when the deadline cut the visit short (the next run visits it again). */
  async function visit(enrollment: Enrollment): Promise<boolean> {
    const target = options.targets[enrollment.provider];
    if (!target) return true;
    summary.usersVisited += 1;
    try {
      const plan = await target.plan(options.call, enrollment.userId);
      if (!plan) {
        summary.usersGone += 1;
        await options.registry.unenroll(enrollment.provider, enrollment.userId);
        return true;
      }
      let completed = true;
      for (const item of plan) {
        items[item.decision] += 1;
        if (item.decision !== ItemDecision.due) continue;
        if (!timeLeft()) {
          completed = false;
          break;
        }
        await actOn(target, enrollment.userId, item.itemId, enrollment.provider);
      }
      return completed;
    } catch (error) {
      summary.usersFailed += 1;
      logger.warn('Sweep could not visit a user', {
        provider: enrollment.provider,
        userId: enrollment.userId,
        error,
      });
      return true;
    }
  }

  let cursor = await options.cursors.load();
  let stoppedEarly = false;
  let passCompleted = false;
  const shards = options.registry.shards;
  const pageSize = options.pageSize ?? Math.max(options.userConcurrency * 2, 10);

  while (true) {
    if (!timeLeft()) {
      stoppedEarly = true;
      break;
    }
    const page = await options.registry.listShard(cursor.shard, { after: cursor.after, limit: pageSize });
    // Visit the page with bounded concurrency; the cursor only moves past users that finished, in order.
    const finished: boolean[] = page.items.map(() => false);
    let next = 0;
    const worker = async () => {
      while (next < page.items.length && timeLeft()) {
        const index = next++;
        finished[index] = await visit(page.items[index] as Enrollment);
      }
    };
    await Promise.all(Array.from({ length: Math.min(options.userConcurrency, page.items.length) }, worker));
    const donePrefix = finished.indexOf(false) === -1 ? finished.length : finished.indexOf(false);
    if (donePrefix > 0) {
      const lastDone = page.items[donePrefix - 1] as Enrollment;
      cursor = { ...cursor, after: `${lastDone.provider}#${lastDone.userId}` };
    }
    if (donePrefix < page.items.length) {
      stoppedEarly = true;
      await options.cursors.save(cursor, now());
      break;
    }
    if (!page.nextAfter) {
      const lastShard = cursor.shard + 1 >= shards;
      cursor = lastShard
        ? { shard: 0, after: undefined, passes: cursor.passes + 1 }
        : { shard: cursor.shard + 1, after: undefined, passes: cursor.passes };
      await options.cursors.save(cursor, now());
      if (lastShard) {
        passCompleted = true;
        break;
      }
    } else {
      await options.cursors.save(cursor, now());
    }
  }

  return {
    runId: options.runId,
    ...summary,
    items,
    stoppedEarly,
    passCompleted,
    cursor,
    durationMs: now() - startedMs,
  };
}
