// Benchmark: one full registry pass at scale. Enrols 100,000 users (half Tink, half Moneyhub) in
// dynalite, then runs the sweep over the whole registry with targets that find nothing due, so
// what is measured is the sweep's own DynamoDB work — the cursor, the registry pages — per user,
// and its wall time per 1,000 users. The provider side (tokens, lists, acts per item) is
// bench/sweep.ts. Bounded: one pass. Loopback only.
import './quiet';
import { randomBytes, randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { callContextFrom } from '../lib/call-context';
import type { ProviderName } from '../lib/provider-name';
import { EnrollmentRegistry } from '../lib/registry';
import { CursorStore } from '../lib/sweep/cursor';
import { LeaseStore } from '../lib/sweep/leases';
import { runSweep, type SweepTarget } from '../lib/sweep/sweep';
import { createDynamoDocumentClient } from '../lib/table/client';
import { createCacheTable, startDynalite } from '../local/dynamodb';
import { runBench } from './run-bench';

const users = Number(process.env.BENCH_USERS ?? 100_000);
const shards = Number(process.env.BENCH_SHARDS ?? 16);
/** The sweep's default (SWEEP_USER_CONCURRENCY). */
const userConcurrency = Number(process.env.BENCH_USER_CONCURRENCY ?? 4);
const seedConcurrency = 4;
const batchSize = 25;

async function main() {
  const dynamo = await startDynalite();
  try {
    const tableName = 'bench-sweep-scale';
    // The call context reads the core settings.
    process.env.CACHE_TABLE_NAME = tableName;
    await createCacheTable(dynamo.endpoint, tableName);
    const client = createDynamoDocumentClient({ endpoint: dynamo.endpoint, region: 'eu-west-1' });
    const requests = new Map<string, number>();
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const operation = String(context.commandName ?? 'unknown').replace(/Command$/, '');
        requests.set(operation, (requests.get(operation) ?? 0) + 1);
        return next(args);
      },
      // Inside the retry loop: every HTTP attempt counts.
      { step: 'deserialize', name: 'countRequests' },
    );
    const registry = new EnrollmentRegistry(client, tableName, shards);
    // Seeding is not measured: its own client, patient with a busy machine (the sweep's client
    // gives up after 1.5 s, as on AWS).
    const seedClient = DynamoDBDocumentClient.from(
      new DynamoDBClient({
        region: 'eu-west-1',
        endpoint: dynamo.endpoint,
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        requestHandler: { requestTimeout: 60_000 },
      }),
    );

    // Enrol in batches (the registry's own item shape, keyed by its shard function).
    const seedStartedMs = performance.now();
    const enrolments = Array.from({ length: users }, (_, index) => {
      const provider: ProviderName = index % 2 === 0 ? 'tink' : 'moneyhub';
      const userId = randomBytes(provider === 'tink' ? 16 : 12).toString('hex');
      return {
        pk: `registry#${registry.shardOf(provider, userId)}`,
        sk: `${provider}#${userId}`,
        provider,
        userId,
        enrolledAtMs: Date.now(),
      };
    });
    let nextBatch = 0;
    const seeder = async () => {
      while (nextBatch * batchSize < enrolments.length) {
        let items = enrolments.slice(nextBatch * batchSize, ++nextBatch * batchSize);
        for (let attempt = 0; items.length > 0; attempt++) {
          if (attempt > 5) throw new Error('dynalite kept items unprocessed');
          const result = await seedClient.send(
            new BatchWriteCommand({
              RequestItems: { [tableName]: items.map((Item) => ({ PutRequest: { Item } })) },
            }),
          );
          items = (result.UnprocessedItems?.[tableName] ?? []).map(
            (request) => request.PutRequest?.Item as (typeof items)[number],
          );
        }
      }
    };
    await Promise.all(Array.from({ length: seedConcurrency }, seeder));
    const seedSeconds = (performance.now() - seedStartedMs) / 1000;

    let visited = 0;
    const nothingDue: SweepTarget = {
      plan: async () => {
        visited += 1;
        return [];
      },
      act: async () => {
        throw new Error('nothing is due');
      },
    };
    const startedMs = Date.now();
    const context: Partial<Context> = {
      awsRequestId: randomUUID(),
      getRemainingTimeInMillis: () => 60 * 60 * 1000 - (Date.now() - startedMs),
    };
    const summary = await runSweep({
      runId: randomUUID(),
      registry,
      cursors: new CursorStore(client, tableName),
      leases: new LeaseStore(client, tableName),
      targets: { tink: nothingDue, moneyhub: nothingDue },
      userConcurrency,
      leaseMs: 60_000,
      safetyMarginMs: 1000,
      call: callContextFrom(context),
    });

    const total = [...requests.values()].reduce((sum, count) => sum + count, 0);
    const byOperation = [...requests]
      .sort((a, b) => b[1] - a[1])
      .map(([operation, count]) => `${operation} ${count}`)
      .join(', ');
    const msPerThousand = summary.durationMs / (summary.usersVisited / 1000);
    console.log(
      `sweep-scale: ${users.toLocaleString('en')} enrolled users over ${shards} shards in dynalite ` +
        `(seeded in ${seedSeconds.toFixed(1)} s), one pass, ${userConcurrency} users at once, nothing due`,
    );
    console.log(
      `  pass                     ${(summary.durationMs / 1000).toFixed(1)} s, users visited ${summary.usersVisited}, ` +
        `passCompleted ${summary.passCompleted}`,
    );
    console.log(`  DynamoDB requests        ${total} (${byOperation})`);
    console.log(
      `  per user                 ${(total / Math.max(1, summary.usersVisited)).toFixed(3)} requests`,
    );
    console.log(
      `  wall time per 1,000 users ${msPerThousand.toFixed(0)} ms (DynamoDB only; no provider calls)`,
    );
    console.log(
      `sweep-scale summary: ${(total / Math.max(1, summary.usersVisited)).toFixed(3)} DynamoDB requests per user, ` +
        `${msPerThousand.toFixed(0)} ms per 1,000 users, pass ${summary.passCompleted ? 'completed' : 'NOT completed'}`,
    );
    if (!summary.passCompleted || visited !== users) throw new Error(`visited ${visited} of ${users} users`);
  } finally {
    await dynamo.close();
  }
}

runBench(main);
