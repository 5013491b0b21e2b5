// Benchmark: a cache hit (one consistent BatchGetItem on dynalite) against going to the provider
// (a loopback HTTP server answering after a configurable latency), in the same run. Prints medians
// and p95s in ms and the hit/miss ratio. Loopback only; bounded iterations.
import './quiet';
import { randomUUID } from 'node:crypto';
import { createDynamoDocumentClient } from '../lib/cache/dynamodb-client';
import { DynamoDbCacheStore } from '../lib/cache/dynamodb-store';
import { ResponseCache } from '../lib/cache/response-cache';
import { createCacheTable, startDynalite } from '../local/dynamodb';
import { startSimulator } from '../local/simulators/harness';

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
          await new Promise((resolve) => setTimeout(resolve, providerLatencyMs));
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
    const scope = `bench#${randomUUID()}`;
    await cache.read({ scope, resource: 'credentials', freshSeconds: 3600, load });

    const hits: number[] = [];
    const misses: number[] = [];
    for (let index = 0; index < iterations; index++) {
      let started = performance.now();
      await cache.read({ scope, resource: 'credentials', freshSeconds: 3600, load });
      hits.push(performance.now() - started);
      started = performance.now();
      await cache.read({ scope: `bench#${randomUUID()}`, resource: 'credentials', freshSeconds: 3600, load });
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
    console.log(`  ratio miss/hit (median)         ${(missMedian / hitMedian).toFixed(1)}x`);
  } finally {
    await provider.close();
    await dynamo.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
