// One scheduled sweep run, assembled from configuration: the registry, the cursor and leases in the
// cache table, a rate limiter installed as the process's provider request gate for the duration of
// the run, and a target per configured provider. Reports one summary and a metric per outcome.
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { dynamoDocumentClient } from '../cache/dynamodb-client';
import { callContextFrom } from '../call-context';
import { coreConfig, sweepConfig } from '../config';
import { countMetric, logger } from '../observability';
import type { ProviderName } from '../providers/errors';
import { tinkUsers } from '../providers/tink';
import { setProviderRequestGate } from '../providers/transport';
import { enrollmentRegistry } from '../registry';
import { CursorStore } from './cursor';
import { LeaseStore } from './leases';
import { RateLimiter } from './rate-limiter';
import { runSweep, type SweepSummary, type SweepTarget } from './sweep';
import { tinkSweepTarget } from './tink-target';

function targetsFor(providers: ProviderName[]): Partial<Record<ProviderName, SweepTarget>> {
  const config = sweepConfig();
  const targets: Partial<Record<ProviderName, SweepTarget>> = {};
  if (providers.includes('tink')) {
    targets.tink = tinkSweepTarget({
      users: tinkUsers(),
      refreshAfterSeconds: config.SWEEP_TINK_REFRESH_AFTER_SECONDS,
    });
  }
  return targets;
}

export async function runScheduledSweep(context: Partial<Context> | undefined): Promise<SweepSummary> {
  const config = sweepConfig();
  const table = coreConfig().CACHE_TABLE_NAME;
  const client = dynamoDocumentClient();
  const limiter = new RateLimiter({
    ratePerSecond: config.SWEEP_RATE_PER_SECOND,
    concurrency: config.SWEEP_CONCURRENCY,
  });
  setProviderRequestGate(limiter);
  try {
    const summary = await runSweep({
      runId: context?.awsRequestId ?? randomUUID(),
      registry: enrollmentRegistry(),
      cursors: new CursorStore(client, table),
      leases: new LeaseStore(client, table),
      targets: targetsFor(config.SWEEP_PROVIDERS),
      userConcurrency: config.SWEEP_USER_CONCURRENCY,
      leaseMs: config.SWEEP_LEASE_SECONDS * 1000,
      safetyMarginMs: config.SWEEP_SAFETY_MARGIN_MS,
      call: callContextFrom(context),
    });
    for (const [outcome, count] of Object.entries(summary.items))
      countMetric('SweepItems', { outcome }, count);
    countMetric('SweepUsersVisited', {}, summary.usersVisited);
    logger.info('Sweep finished', { summary });
    return summary;
  } finally {
    setProviderRequestGate(undefined);
  }
}

export type { SweepSummary } from './sweep';
