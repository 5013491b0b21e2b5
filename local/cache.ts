// `npm run cache -- scan [--user <id>] [--bodies]`: what the running local stack's table holds —
// cache entries and their generation markers, the sweep's registry, cursor and leases — one line
// per item, without the cached bodies (their size instead) unless --bodies is given.

import { parseArgs } from 'node:util';
import { QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { createDynamoDocumentClient } from '../lib/table/client';
import { providerUserKey } from '../lib/table/keys';
import { localEndpoints, localTableName } from './endpoints';

const usage = `Usage: npm run cache -- scan [--user <userId>] [--bodies] [--limit <n>]
  --user <id>   only the items of that Tink or Moneyhub user (its cache partition)
  --bodies      print the cached bodies too
  --limit <n>   at most n items (default 500)
The table is ${localTableName} on the stack's DynamoDB (DYNAMODB_PORT, 8000).`;

type Item = Record<string, unknown>;

/** One line per item: key, generation, expiry (and how far off), body size; the body on request. */
export function describeItem(item: Item, options: { bodies: boolean; nowMs: number }): string {
  const { pk, sk, body, expiresAt, ...rest } = item;
  const parts = [`${String(pk)}  ${String(sk)}`];
  if (typeof expiresAt === 'number') {
    const inSeconds = Math.round(expiresAt - options.nowMs / 1000);
    parts.push(
      `expiresAt ${new Date(expiresAt * 1000).toISOString()} (${inSeconds >= 0 ? 'in ' : ''}${Math.abs(inSeconds)} s${inSeconds < 0 ? ' ago' : ''})`,
    );
  }
  for (const [key, value] of Object.entries(rest)) parts.push(`${key} ${JSON.stringify(value)}`);
  if (typeof body === 'string') {
    parts.push(`body ${Buffer.byteLength(body)} bytes`);
    if (options.bodies) parts.push(`\n    ${body}`);
  }
  return parts.join('  ');
}

export async function scanCache(options: {
  endpoint: string;
  tableName: string;
  userId?: string;
  limit: number;
}): Promise<Item[]> {
  const client = createDynamoDocumentClient({ endpoint: options.endpoint, region: 'eu-west-1' });
  const items: Item[] = [];
  try {
    if (options.userId !== undefined) {
      for (const provider of ['tink', 'moneyhub'] as const) {
        const result = await client.send(
          new QueryCommand({
            TableName: options.tableName,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': providerUserKey(provider, options.userId) },
            Limit: options.limit,
          }),
        );
        items.push(...(result.Items ?? []));
      }
    } else {
      let startKey: Item | undefined;
      do {
        const page = await client.send(
          new ScanCommand({
            TableName: options.tableName,
            ExclusiveStartKey: startKey,
            Limit: options.limit,
          }),
        );
        items.push(...(page.Items ?? []));
        startKey = page.LastEvaluatedKey;
      } while (startKey && items.length < options.limit);
    }
  } finally {
    client.destroy();
  }
  const key = (item: Item) => `${String(item.pk)}\u0000${String(item.sk)}`;
  return items.slice(0, options.limit).sort((a, b) => key(a).localeCompare(key(b)));
}

if (require.main === module) {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      user: { type: 'string' },
      bodies: { type: 'boolean', default: false },
      limit: { type: 'string', default: '500' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const limit = Number(values.limit);
  if (values.help || positionals[0] !== 'scan' || !Number.isInteger(limit) || limit < 1) {
    console.log(usage);
    process.exit(values.help ? 0 : 1);
  }
  scanCache({
    endpoint: localEndpoints().dynamodb,
    tableName: localTableName,
    userId: values.user,
    limit,
  }).then(
    (items) => {
      const nowMs = Date.now();
      for (const item of items) console.log(describeItem(item, { bodies: values.bodies, nowMs }));
      console.log(
        `${items.length} items${items.length === limit ? ` (the first ${limit}; --limit for more)` : ''}`,
      );
    },
    (error: unknown) => {
      console.error(
        `Could not read ${localTableName} at ${localEndpoints().dynamodb}: ${error instanceof Error ? error.message : error}\n` +
          'Is the local stack running (npm start)?',
      );
      process.exit(1);
    },
  );
}
