// Benchmark: the scheduled sweep against providers that answer after 100 ms (loopback simulators
// with an injected latency on every route, dynalite for the table). A few hundred due items, a
// configured request rate R and concurrency C; prints items refreshed or synced per second,
// provider requests per second (token calls included, as the simulators counted them) and both as
// a ratio to R. Bounded: one pass over a fixed registry. Loopback only.
import './quiet';
import { randomBytes, randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { createCacheTable, startDynalite } from '../local/dynamodb';
import { MoneyhubSimulatorControl, startMoneyhubSimulator } from '../local/simulators/moneyhub';
import { generateClientKey } from '../local/simulators/moneyhub/demo-data';
import { startTinkSimulator, TinkSimulatorControl } from '../local/simulators/tink';

const ratePerSecond = Number(process.env.BENCH_RATE ?? 20);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 4);
const userConcurrency = Number(process.env.BENCH_USER_CONCURRENCY ?? 16);
const latencyMs = Number(process.env.BENCH_LATENCY_MS ?? 100);
/** Due items per provider (one per user). */
const itemsPerProvider = Number(process.env.BENCH_ITEMS_PER_PROVIDER ?? 100);

const hourMs = 60 * 60 * 1000;

function context(remainingMs: number): Partial<Context> {
  const startedMs = Date.now();
  return {
    awsRequestId: randomUUID(),
    getRemainingTimeInMillis: () => Math.max(0, remainingMs - (Date.now() - startedMs)),
  };
}

async function main() {
  const dynamo = await startDynalite();
  const tinkSecret = randomBytes(24).toString('base64url');
  const tinkServer = await startTinkSimulator({
    clients: [{ clientId: 'bench-tink', clientSecret: tinkSecret }],
    refreshDurationMs: 200,
  });
  const moneyhubKey = await generateClientKey('RS256');
  const moneyhubServer = await startMoneyhubSimulator({
    clients: [
      {
        clientId: 'bench-moneyhub',
        tokenEndpointAuthMethod: 'private_key_jwt',
        jwks: moneyhubKey.publicJwks,
        signingAlg: moneyhubKey.alg,
      },
    ],
  });
  try {
    const tableName = 'bench-sweep';
    await createCacheTable(dynamo.endpoint, tableName);
    // Settings are read on first use, so the imports below see these.
    Object.assign(process.env, {
      CACHE_TABLE_NAME: tableName,
      DYNAMODB_ENDPOINT: dynamo.endpoint,
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      TINK_BASE_URL: tinkServer.url,
      TINK_CLIENT_ID: 'bench-tink',
      TINK_CLIENT_SECRET: tinkSecret,
      MONEYHUB_IDENTITY_URL: moneyhubServer.url,
      MONEYHUB_DATA_API_URL: `${moneyhubServer.url}/v3`,
      MONEYHUB_CLIENT_ID: 'bench-moneyhub',
      MONEYHUB_AUTH_METHOD: 'private_key_jwt',
      MONEYHUB_PRIVATE_JWK: JSON.stringify(moneyhubKey.privateJwk),
      SWEEP_RATE_PER_SECOND: String(ratePerSecond),
      SWEEP_CONCURRENCY: String(concurrency),
      SWEEP_USER_CONCURRENCY: String(userConcurrency),
      SWEEP_SAFETY_MARGIN_MS: '1000',
    });
    const { enrollmentRegistry } = await import('../lib/registry');
    const { runScheduledSweep } = await import('../lib/sweep');

    const tink = new TinkSimulatorControl(tinkServer.url);
    const moneyhub = new MoneyhubSimulatorControl(moneyhubServer.url);
    const nowMs = Date.now();
    const tinkUsers = (
      await tink.seed({
        users: Array.from({ length: itemsPerProvider }, () => ({
          market: 'SE',
          credentials: [
            { status: 'UPDATED', updated: nowMs - 7 * hourMs },
            { status: 'AWAITING_SUPPLEMENTAL_INFORMATION' },
          ],
        })),
      })
    ).users;
    const moneyhubUsers = await moneyhub.seed({
      users: Array.from({ length: itemsPerProvider }, () => ({
        connections: [
          { status: 'ok', error: null, lastUpdated: new Date(nowMs - 7 * hourMs).toISOString() },
          { status: 'ok', error: null, lastUpdated: new Date(nowMs - hourMs / 6).toISOString() },
        ],
      })),
    });
    const registry = enrollmentRegistry();
    for (const user of tinkUsers) await registry.enroll('tink', user.userId);
    for (const user of moneyhubUsers) await registry.enroll('moneyhub', user.userId);
    const dueIds = [
      ...tinkUsers.map((user) => user.credentialIds[0] as string),
      ...moneyhubUsers.map((user) => user.connectionIds[0] as string),
    ];

    // Every provider route answers after the latency, token endpoints included.
    await tink.injectFault('*', { kind: 'latency', ms: latencyMs });
    await moneyhub.injectFault('*', { kind: 'latency', ms: latencyMs });
    await Promise.all([tink.resetCalls(), moneyhub.resetCalls()]);

    const summary = await runScheduledSweep(context(15 * 60 * 1000));

    const [tinkCalls, moneyhubCalls, refreshes, syncs] = await Promise.all([
      tink.calls(),
      moneyhub.calls(),
      tink.refreshes(),
      moneyhub.syncsTriggered(),
    ]);
    const actions = { ...refreshes, ...syncs };
    const actedOnce = dueIds.filter((id) => actions[id] === 1).length;
    const actedTotal = Object.values(actions).reduce((total, count) => total + count, 0);
    const requests = tinkCalls.total + moneyhubCalls.total;
    const seconds = summary.durationMs / 1000;
    const itemsPerSecond = summary.items.refreshed / seconds;
    const requestsPerSecond = requests / seconds;

    console.log(
      `sweep: ${dueIds.length} due items (${itemsPerProvider} Tink credentials, ${itemsPerProvider} Moneyhub connections) ` +
        `of ${summary.usersVisited} users, provider latency ${latencyMs} ms (loopback), ` +
        `configured rate R = ${ratePerSecond}/s, concurrency C = ${concurrency}, users at once ${userConcurrency}`,
    );
    console.log(
      `  run                      ${seconds.toFixed(2)} s, passCompleted ${summary.passCompleted}, ` +
        `refreshed ${summary.items.refreshed}, failed ${summary.items.failed}, rate-limited ${summary.items['rate-limited']}`,
    );
    console.log(
      `  acted on exactly once    ${actedOnce}/${dueIds.length} due items (${actedTotal} refreshes+syncs in all)`,
    );
    console.log(
      `  provider requests        ${requests} (${(requests / summary.items.refreshed).toFixed(2)} per item, tokens included)`,
    );
    console.log(
      `  requests per second      ${requestsPerSecond.toFixed(2)}/s   ratio to R ${(requestsPerSecond / ratePerSecond).toFixed(3)}`,
    );
    console.log(
      `  items per second         ${itemsPerSecond.toFixed(2)}/s   ratio to R ${(itemsPerSecond / ratePerSecond).toFixed(3)}`,
    );
    if (actedOnce !== dueIds.length || actedTotal !== dueIds.length || !summary.passCompleted) {
      throw new Error('The sweep did not act on every due item exactly once');
    }
  } finally {
    await moneyhubServer.close();
    await tinkServer.close();
    await dynamo.close();
  }
}

main()
  .then(() => process.exit(0))
  .catch((error) => {
    console.error(error);
    process.exit(1);
  });
