// Benchmark: provider calls under a deterministic mixed workload, against the least any cache could
// make. Zipf-distributed reads over many users from several cache instances (each its own
// ResponseCache and single-flight map, sharing one dynalite table, as Lambda instances do), bursts
// of concurrent reads of one key, invalidations, and TTL expiry driven by an injected clock (one
// virtual second per step; the reads of a step run concurrently). The theoretical minimum replays
// the same requests through an ideal cache (one call per key per freshness period or invalidation).
// Then the cross-process stampede: 20 concurrent cold reads from 4 processes, provider calls counted
// by a loopback provider's /__control/calls. Loopback only; bounded steps.
import { setTimeout as sleep } from 'node:timers/promises';
import './quiet';
import { DynamoDbCacheStore } from '../lib/cache/dynamodb-store';
import { ResponseCache } from '../lib/cache/response-cache';
import { createDynamoDocumentClient } from '../lib/table/client';
import { createCacheTable, startDynalite } from '../local/dynamodb';
import { SimulatorControl } from '../local/simulators/harness';
import { runBench } from './run-bench';
import { seededRandom } from './seeded-random';
import { runStampede, startSlowProvider } from './stampede';

const steps = Number(process.env.BENCH_WORKLOAD_STEPS ?? 300);
const users = Number(process.env.BENCH_WORKLOAD_USERS ?? 200);
const readsPerStep = Number(process.env.BENCH_WORKLOAD_READS_PER_STEP ?? 12);
const instances = 4;
const freshSeconds = 30;
const burstEverySteps = 20;
const burstReads = 40;
const invalidateEverySteps = 15;
const goalRatio = 1.02;
const goalStampedeCalls = 2;

/** Draws user indexes with Zipf(s) popularity: user 0 the most asked for. */
function zipf(count: number, exponent: number, random: () => number): () => number {
  const weights = Array.from({ length: count }, (_, rank) => 1 / (rank + 1) ** exponent);
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  const cumulative: number[] = [];
  let running = 0;
  for (const weight of weights) {
    running += weight / total;
    cumulative.push(running);
  }
  return () => {
    const draw = random();
    const index = cumulative.findIndex((edge) => draw < edge);
    return index === -1 ? count - 1 : index;
  };
}

type Step = { reads: number[]; invalidate?: number };

function workload(): Step[] {
  const random = seededRandom(12);
  const nextUser = zipf(users, 1.1, random);
  return Array.from({ length: steps }, (_, step) => {
    const reads = Array.from({ length: readsPerStep }, nextUser);
    if (step % burstEverySteps === 0) reads.push(...Array(burstReads).fill(nextUser()));
    return { reads, invalidate: step % invalidateEverySteps === 7 ? nextUser() : undefined };
  });
}

/** Provider calls an ideal cache makes for the same requests: one per key per freshness or invalidation. */
function theoreticalMinimum(plan: Step[]): number {
  const freshUntilStep = new Map<number, number>();
  let calls = 0;
  plan.forEach((step, index) => {
    for (const user of step.reads) {
      if ((freshUntilStep.get(user) ?? -1) > index) continue;
      calls += 1;
      freshUntilStep.set(user, index + freshSeconds);
    }
    if (step.invalidate !== undefined) freshUntilStep.delete(step.invalidate);
  });
  return calls;
}

async function mixedWorkload(endpoint: string) {
  await createCacheTable(endpoint, 'bench-workload');
  const clock = { nowMs: Date.UTC(2026, 0, 1) };
  const caches = Array.from(
    { length: instances },
    () =>
      new ResponseCache({
        store: new DynamoDbCacheStore(
          createDynamoDocumentClient({ endpoint, region: 'eu-west-1' }),
          'bench-workload',
        ),
        staleWindowSeconds: 600,
        jitterRatio: 0, // the ideal cache has no jitter either
        now: () => clock.nowMs,
      }),
  );
  const plan = workload();
  const run = Date.now().toString(36); // fresh partitions per run: the table may be reused
  let providerCalls = 0;
  let requests = 0;
  const statuses = new Map<string, number>();
  const stepStartMs = clock.nowMs;
  for (const [index, step] of plan.entries()) {
    clock.nowMs = stepStartMs + index * 1000;
    const results = await Promise.all(
      step.reads.map((user, position) =>
        (caches[(index + position) % instances] as ResponseCache).read({
          partition: `bench#${run}-${user}`,
          resource: 'profile',
          freshSeconds,
          load: async () => {
            providerCalls += 1;
            await sleep(2);
            return { user, step: index };
          },
        }),
      ),
    );
    requests += results.length;
    for (const result of results) statuses.set(result.status, (statuses.get(result.status) ?? 0) + 1);
    if (step.invalidate !== undefined)
      await (caches[0] as ResponseCache).invalidate(`bench#${run}-${step.invalidate}`);
  }
  return { requests, providerCalls, minimum: theoreticalMinimum(plan), statuses };
}

async function crossProcessStampede(endpoint: string): Promise<{ calls: number; reads: number }> {
  await createCacheTable(endpoint, 'bench-stampede');
  const provider = await startSlowProvider('bench-stampede-provider');
  try {
    const statuses = await runStampede({
      dynamoEndpoint: endpoint,
      tableName: 'bench-stampede',
      providerUrl: `${provider.url}/thing`,
      partition: `bench#stampede-${Date.now().toString(36)}`,
      processes: 4,
      readsPerProcess: 5,
    });
    const { calls } = await new SimulatorControl(provider.url).calls();
    return { calls: calls['GET /thing'] ?? 0, reads: statuses.flat().length };
  } finally {
    await provider.close();
  }
}

async function main() {
  const dynamo = await startDynalite();
  try {
    const mixed = await mixedWorkload(dynamo.endpoint);
    const ratio = mixed.providerCalls / mixed.minimum;
    console.log(
      `workload: ${steps} steps (1 virtual s each), ${users} users (Zipf 1.1), ${instances} instances, TTL ${freshSeconds} s, bursts of ${burstReads} every ${burstEverySteps} s, an invalidation every ${invalidateEverySteps} s`,
    );
    console.log(`  requests                        ${mixed.requests}`);
    console.log(`  by cache status                 ${JSON.stringify(Object.fromEntries(mixed.statuses))}`);
    console.log(`  provider calls                  ${mixed.providerCalls}`);
    console.log(`  theoretical minimum             ${mixed.minimum}`);
    console.log(`  calls ÷ minimum                 ${ratio.toFixed(3)} (goal ≤ ${goalRatio})`);
    const stampede = await crossProcessStampede(dynamo.endpoint);
    console.log(
      `  cross-process stampede          ${stampede.calls} provider calls for ${stampede.reads} concurrent cold reads in 4 processes (goal ≤ ${goalStampedeCalls})`,
    );
    const met = ratio <= goalRatio && stampede.calls <= goalStampedeCalls;
    console.log(
      `workload summary: calls/minimum ${ratio.toFixed(3)}, stampede ${stampede.calls} calls / ${stampede.reads} reads — ${met ? 'goals met' : 'GOALS NOT MET'}`,
    );
  } finally {
    await dynamo.close();
  }
}

runBench(main);
