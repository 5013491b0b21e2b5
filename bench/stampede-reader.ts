// One "instance" for the cross-process stampede checks (test/integration/cache.test.ts and
// bench/workload.ts): its own process, DynamoDB client and ResponseCache, reading one key READS
// times at once when it reads "go" on stdin. Prints "ready" when set up and one JSON line of the
// cache statuses it got. Loopback only: the table and the provider URL come from the environment.
import './quiet';
import { createInterface } from 'node:readline';
import { DynamoDbCacheStore } from '../lib/cache/dynamodb-store';
import { ResponseCache } from '../lib/cache/response-cache';
import { createDynamoDocumentClient } from '../lib/table/client';

const env = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

async function main() {
  const client = createDynamoDocumentClient({ endpoint: env('DYNAMODB_ENDPOINT'), region: 'eu-west-1' });
  const cache = new ResponseCache({
    store: new DynamoDbCacheStore(client, env('CACHE_TABLE_NAME')),
    staleWindowSeconds: 600,
    jitterRatio: 0,
  });
  const reads = Number(env('READS'));
  const load = async () => (await fetch(env('PROVIDER_URL'))).json();
  const lines = createInterface({ input: process.stdin });
  console.log('ready');
  for await (const line of lines) {
    if (line.trim() !== 'go') continue;
    const results = await Promise.all(
      Array.from({ length: reads }, () =>
        cache.read({ partition: env('PARTITION'), resource: 'thing', freshSeconds: 60, load }),
      ),
    );
    console.log(JSON.stringify({ statuses: results.map((result) => result.status) }));
    break;
  }
  lines.close();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
