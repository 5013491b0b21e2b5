// `BENCHES=webhook-freshness npm run bench`: on the whole local stack (dynalite, both simulators,
// serverless-offline; started and stopped here), how long after the provider finished a refresh or
// sync does a read through the API first show it — with the simulators' webhooks delivered, and
// with them dropped (the TTL alone). The cached entry is fresh when the work finishes, so without a
// webhook the read waits out the TTL (Tink credentials 30 s, Moneyhub connections 60 s).
// "Finished" is the provider's own timestamp in the data read (Tink `statusUpdated`, Moneyhub
// `lastUpdated`); reads poll every 50 ms. Settings: BENCH_ROUNDS (3). The first round of each
// includes the webhook function's cold start; Moneyhub's sender (simulated too) gives up after 5 s
// and never retries, so a slow cold start loses that webhook and the TTL catches up.
import { setTimeout as sleep } from 'node:timers/promises';
import './quiet';
import { mintDevToken } from '../local/dev-token';
import { freePort } from '../local/ports';
import { startLocalStack } from '../local/stack';
import { runBench } from './run-bench';

const rounds = Math.min(10, Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3)));
const pollMs = 50;

async function main() {
  const stack = await startLocalStack({
    offline: { httpPort: await freePort(), lambdaPort: await freePort() },
    env: { POWERTOOLS_LOG_LEVEL: 'WARN', POWERTOOLS_METRICS_DISABLED: 'true' },
  });
  try {
    const api = stack.offline?.url as string;
    const token = await mintDevToken();
    let failedReads = 0;
    /** The body of a 200; anything else (a cold start timing out on a loaded machine) is counted. */
    const read = async (path: string): Promise<unknown> => {
      const response = await fetch(`${api}${path}`, { headers: { Authorization: `Bearer ${token}` } });
      const body = await response.json().catch(() => undefined);
      if (response.status === 200) return body;
      failedReads += 1;
      if (failedReads === 1) console.error(`first failed read: ${response.status} ${JSON.stringify(body)}`);
      return undefined;
    };
    /** Reads until a 200 is cached (the starting point of a round). */
    const warm = async (path: string) => {
      for (let attempt = 0; attempt < 20 && (await read(path)) === undefined; attempt++) await sleep(250);
    };
    /** Polls until `finishedAtMs` finds the change (bounded by `limitMs`); ms from the provider's finish to that read. */
    const lag = async (
      path: string,
      finishedAtMs: (body: unknown) => number | undefined,
      limitMs: number,
    ) => {
      const deadline = Date.now() + limitMs;
      while (Date.now() < deadline) {
        const body = await read(path);
        const finished = body === undefined ? undefined : finishedAtMs(body);
        if (finished !== undefined) return Date.now() - finished;
        await sleep(pollMs);
      }
      return Number.NaN;
    };

    const results: Record<string, number[]> = {};
    const record = (name: string, value: number) => {
      results[name] = [...(results[name] ?? []), value];
    };
    for (const drop of [false, true]) {
      await stack.tink.control.dropWebhooks(drop);
      await stack.moneyhub.control.dropWebhooks(drop);
      for (let round = 0; round < rounds; round++) {
        // Tink: a settled credential, cached; Tink refreshes it in the background (300 ms)
        const seeded = await stack.tink.control.seed({
          users: [{ market: 'SE', credentials: [{ status: 'TEMPORARY_ERROR', refreshDurationMs: 300 }] }],
        });
        const { userId, credentialIds } = seeded.users[0] as { userId: string; credentialIds: string[] };
        const credentialId = credentialIds[0] as string;
        const credentials = `/tink/users/${userId}/credentials`;
        await warm(credentials);
        await stack.tink.control.backgroundRefresh(credentialId);
        const tinkLag = await lag(
          credentials,
          (body) => {
            const credential = (
              body as { credentials: { id: string; status: string; statusUpdated: number }[] }
            ).credentials.find((candidate) => candidate.id === credentialId);
            return credential?.status === 'UPDATED' ? credential.statusUpdated : undefined;
          },
          40_000,
        );
        record(`tink ${drop ? 'TTL only' : 'webhook'}`, tinkLag);

        // Moneyhub: a connection in error, cached; Moneyhub syncs it (100 ms)
        const [user] = await stack.moneyhub.control.seed({ users: [{ connections: [{ status: 'error' }] }] });
        const connectionId = user?.connectionIds[0] as string;
        const connections = `/moneyhub/users/${user?.userId}/connections`;
        await warm(connections);
        await stack.moneyhub.control.startSync(connectionId);
        const moneyhubLag = await lag(
          connections,
          (body) => {
            const connection = (
              body as { data: { id: string; status: string; lastUpdated: string }[] }
            ).data.find((candidate) => candidate.id === connectionId);
            return connection?.status === 'ok' ? Date.parse(connection.lastUpdated) : undefined;
          },
          70_000,
        );
        record(`moneyhub ${drop ? 'TTL only' : 'webhook'}`, moneyhubLag);
      }
    }

    console.log(
      `refresh/sync finished → first read showing it (ms), ${rounds} rounds, polling every ${pollMs} ms; ${failedReads} failed reads`,
    );
    for (const [name, values] of Object.entries(results)) {
      const sorted = [...values].sort((a, b) => a - b);
      const median = sorted[Math.floor(sorted.length / 2)];
      console.log(
        `  ${name.padEnd(18)} min ${sorted[0]}  median ${median}  max ${sorted[sorted.length - 1]}  (${values.join(', ')})`,
      );
    }
  } finally {
    await stack.stop();
  }
}

runBench(main);
