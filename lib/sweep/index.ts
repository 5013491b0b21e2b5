// One scheduled sweep run, assembled from configuration: the registry, the cursor and leases in the
// cache table, the run's rate limiter carried in its call context as the provider request gate,
// and a target per configured provider. Reports one summary and a metric per outcome.
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { callContextFrom, reserveDeadline } from '../call-context';
import { coreConfig, type SweepConfig, sweepConfig } from '../config';
import { countMetric, logger } from '../observability';
import type { ProviderName } from '../provider-name';
import { moneyhubOperations } from '../providers/moneyhub';
import { tinkOperations } from '../providers/tink';
import { enrollmentRegistry } from '../registry';
import { dynamoDocumentClient } from '../table/client';
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
      operations: tinkOperations(),
      refreshAfterSeconds: config.SWEEP_TINK_REFRESH_AFTER_SECONDS,
    });
  }
  if (config.SWEEP_PROVIDERS.includes('moneyhub')) {
    targets.moneyhub = moneyhubSweepTarget({
      operations: moneyhubOperations(),
      syncAfterSeconds: config.SWEEP_MONEYHUB_SYNC_AFTER_SECONDS,
    });
  }
  return targets;
}

export async function runScheduledSweep(context: Partial<Context> | undefined): Promise<SweepSummary> {
  const config = sweepConfig();
  const table = coreConfig().CACHE_TABLE_NAME;
  const client = dynamoDocumentClient();
  const invocation = callContextFrom(context);
  // Every provider request of this run, token calls included, passes the run's own rate limiter.
  const requestGate = new RateLimiter({
    ratePerSecond: config.SWEEP_RATE_PER_SECOND,
    concurrency: config.SWEEP_CONCURRENCY,
    deadline: invocation,
  });
  const call = { ...invocation, requestGate };
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
    reserveDeadline: reserveDeadline(invocation),
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
}

export type { SweepItemCounts, SweepSummary } from './sweep';
