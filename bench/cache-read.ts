// Benchmark: a cache hit (one consistent BatchGetItem on dynalite) against going to the provider
// (a loopback HTTP server answering after a configurable latency), in the same run. Prints medians
// and p95s in ms, the hit/miss ratio, and a hit against a raw BatchGetItem of the same items (what a
// hit cannot go below), interleaved. Loopback only; bounded iterations.
import { setTimeout as sleep } from 'node:timers/promises';
import './quiet';
import { randomUUID } from 'node:crypto';
import { BatchGetCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbCacheStore } from '../lib/cache/dynamodb-store';
import { ResponseCache } from '../lib/cache/response-cache';
import { createDynamoDocumentClient } from '../lib/table/client';
import { createCacheTable, startDynalite } from '../local/dynamodb';
import { startSimulator } from '../local/simulators/harness';
import { runBench } from './run-bench';

const iterations = Number(process.env.BENCH_ITERATIONS ?? 200);
const providerLatencyMs = Number(process.env.BENCH_PROVIDER_LATENCY_MS ?? 50);

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
};

async function main() {
  const dynamo = await startDynalite();
  const provider = await startSimulator({
    name: 'bench-provider',
    errorBody: () => ({}),
    routes: [
      {
        method: 'GET',
        pattern: '/credentials',
        handler: async () => {
          await sleep(providerLatencyMs);
          return {
            status: 200,
            body: { credentials: Array.from({ length: 5 }, (_, id) => ({ id, status: 'UPDATED' })) },
          };
        },
      },
    ],
  });
  try {
    await createCacheTable(dynamo.endpoint, 'bench');
    const client = createDynamoDocumentClient({ endpoint: dynamo.endpoint, region: 'eu-west-1' });
    const cache = new ResponseCache({
      store: new DynamoDbCacheStore(client, 'bench'),
      staleWindowSeconds: 600,
      jitterRatio: 0,
    });
    const load = async () => (await fetch(`${provider.url}/credentials`)).json();
    const partition = `bench#${randomUUID()}`;
    await cache.read({ partition, resource: 'credentials', freshSeconds: 3600, load });

    // The floor of a hit: the same two items (the partition's generation and the entry) read raw.
    const rawRead = new BatchGetCommand({
      RequestItems: {
        bench: {
          Keys: [
            { pk: partition, sk: 'meta' },
            { pk: partition, sk: 'c#credentials' },
          ],
          ConsistentRead: true,
        },
      },
    });
    const probe = await client.send(rawRead);
    if (!probe.Responses?.bench?.some((item) => item.sk === 'c#credentials'))
      throw new Error('The raw read does not find the cached entry: the key layout changed');
    const hits: number[] = [];
    const raws: number[] = [];
    const misses: number[] = [];
    for (let index = 0; index < iterations; index++) {
      let started = performance.now();
      await client.send(rawRead);
      raws.push(performance.now() - started);
      started = performance.now();
      await cache.read({ partition, resource: 'credentials', freshSeconds: 3600, load });
      hits.push(performance.now() - started);
      started = performance.now();
      await cache.read({
        partition: `bench#${randomUUID()}`,
        resource: 'credentials',
        freshSeconds: 3600,
        load,
      });
      misses.push(performance.now() - started);
    }
    const hitMedian = percentile(hits, 50);
    const missMedian = percentile(misses, 50);
    console.log(`cache-read: ${iterations} iterations, provider latency ${providerLatencyMs} ms (loopback)`);
    console.log(
      `  hit  (1 BatchGetItem)           median ${hitMedian.toFixed(2)} ms, p95 ${percentile(hits, 95).toFixed(2)} ms`,
    );
    console.log(
      `  miss (read + provider + fill)   median ${missMedian.toFixed(2)} ms, p95 ${percentile(misses, 95).toFixed(2)} ms`,
    );
    const rawMedian = percentile(raws, 50);
    console.log(
      `  raw BatchGetItem (same items)   median ${rawMedian.toFixed(2)} ms, p95 ${percentile(raws, 95).toFixed(2)} ms`,
    );
    console.log(`  ratio miss/hit (median)         ${(missMedian / hitMedian).toFixed(1)}x`);
    console.log(
      `cache-read summary: a hit costs ${(hitMedian / rawMedian).toFixed(2)}x a raw BatchGetItem (goal ≤ 1.2)`,
    );
  } finally {
    await provider.close();
    await dynamo.close();
  }
}

runBench(main);
