// One scheduled sweep run, assembled from configuration: the registry, the cursor and leases in the
// cache table, a rate limiter installed as the process's provider request gate for the duration of
// the run, and a target per configured provider. Reports one summary and a metric per outcome.
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { dynamoDocumentClient } from '../cache/dynamodb-client';
import { callContextFrom } from '../call-context';
import { coreConfig, type SweepConfig, sweepConfig } from '../config';
import { countMetric, logger } from '../observability';
import type { ProviderName } from '../providers/errors';
import { moneyhubUsers } from '../providers/moneyhub';
import { tinkUsers } from '../providers/tink';
import { setProviderRequestGate } from '../providers/transport';
import { enrollmentRegistry } from '../registry';
import { CursorStore } from './cursor';
import { LeaseStore } from './leases';
import { moneyhubSweepTarget } from './moneyhub-target';
import { RateLimiter } from './rate-limiter';
import { runSweep, type SweepSummary, type SweepTarget } from './sweep';
import { tinkSweepTarget } from './tink-target';

function targetsFor(config: SweepConfig): Partial<Record<ProviderName, SweepTarget>> {
  const targets: Partial<Record<ProviderName, SweepTarget>> = {};
  if (config.SWEEP_PROVIDERS.includes('tink')) {
    targets.tink = tinkSweepTarget({
      users: tinkUsers(),
      refreshAfterSeconds: config.SWEEP_TINK_REFRESH_AFTER_SECONDS,
    });
  }
  if (config.SWEEP_PROVIDERS.includes('moneyhub')) {
    targets.moneyhub = moneyhubSweepTarget({
      users: moneyhubUsers(),
      syncAfterSeconds: config.SWEEP_MONEYHUB_SYNC_AFTER_SECONDS,
    });
  }
  return targets;
}

/**
 * The rate and concurrency limits are the process's, not one run's: runs that overlap in one
 * process (a duplicate delivery landing on a warm instance that serves several invocations) share
 * one limiter, installed by the first and removed by the last. Its waits end by the latest deadline
 * among them.
 */
let sharedGate: { limiter: RateLimiter; deadlines: Map<symbol, number> } | undefined;

function joinRequestGate(config: SweepConfig, deadlineAtMs: number): () => void {
  if (!sharedGate) {
    const deadlines = new Map<symbol, number>();
    const limiter = new RateLimiter({
      ratePerSecond: config.SWEEP_RATE_PER_SECOND,
      concurrency: config.SWEEP_CONCURRENCY,
      deadlineAtMs: () => Math.max(...deadlines.values()),
    });
    sharedGate = { limiter, deadlines };
    setProviderRequestGate(limiter);
  }
  const gate = sharedGate;
  const ticket = Symbol('sweep run');
  gate.deadlines.set(ticket, deadlineAtMs);
  return () => {
    gate.deadlines.delete(ticket);
    if (gate.deadlines.size === 0 && sharedGate === gate) {
      setProviderRequestGate(undefined);
      sharedGate = undefined;
    }
  };
}

export async function runScheduledSweep(context: Partial<Context> | undefined): Promise<SweepSummary> {
  const config = sweepConfig();
  const table = coreConfig().CACHE_TABLE_NAME;
  const client = dynamoDocumentClient();
  const call = callContextFrom(context);
  const leaveGate = joinRequestGate(config, call.deadlineAtMs);
  try {
    const summary = await runSweep({
      runId: context?.awsRequestId ?? randomUUID(),
      registry: enrollmentRegistry(),
      cursors: new CursorStore(client, table),
      leases: new LeaseStore(client, table),
      targets: targetsFor(config),
      userConcurrency: config.SWEEP_USER_CONCURRENCY,
      leaseMs: config.SWEEP_LEASE_SECONDS * 1000,
      safetyMarginMs: config.SWEEP_SAFETY_MARGIN_MS,
      call,
    });
    for (const [provider, counts] of Object.entries(summary.providers)) {
      for (const [outcome, count] of Object.entries(counts))
        if (count > 0) countMetric('SweepItems', { provider, outcome }, count);
    }
    countMetric('SweepUsersVisited', {}, summary.usersVisited);
    if (summary.usersGone > 0) countMetric('SweepUsersGone', {}, summary.usersGone);
    if (summary.usersFailed > 0) countMetric('SweepUsersFailed', {}, summary.usersFailed);
    logger.info('Sweep finished', { summary });
    return summary;
  } finally {
    leaveGate();
  }
}

export type { SweepItemCounts, SweepSummary } from './sweep';
