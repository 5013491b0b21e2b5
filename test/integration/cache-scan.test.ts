// `npm run cache -- scan`: one user's partition, or the whole table, read from a real DynamoDB API
// (the lane's dynalite), printed one line per item without the cached bodies unless asked.
import { randomUUID } from 'node:crypto';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { createDynamoDocumentClient } from '../../lib/table/client';
import { describeItem, scanCache } from '../../local/cache';

const endpoint = process.env.DYNAMODB_ENDPOINT as string;
const tableName = process.env.CACHE_TABLE_NAME as string;
const client = createDynamoDocumentClient({ endpoint, region: 'eu-west-1' });

describe('Script: npm run cache -- scan', () => {
  it("prints a user's items without their bodies, and with them on request", async () => {
    // Prepare: a cache entry and its generation marker, as the cache writes them
    const userId = randomUUID().replaceAll('-', '');
    const nowMs = Date.now();
    const body = JSON.stringify({ credentials: [{ id: 'c-1', status: 'UPDATED' }] });
    await client.send(
      new PutCommand({
        TableName: tableName,
        Item: {
          pk: `tink#${userId}`,
          sk: 'c#credentials',
          gen: 0,
          body,
          expiresAt: Math.floor(nowMs / 1000) + 60,
        },
      }),
    );
    await client.send(
      new PutCommand({ TableName: tableName, Item: { pk: `tink#${userId}`, sk: 'meta', gen: 1 } }),
    );

    // Act
    const items = await scanCache({ endpoint, tableName, userId, limit: 100 });
    const lines = items.map((item) => describeItem(item, { bodies: false, nowMs }));
    const withBodies = items.map((item) => describeItem(item, { bodies: true, nowMs }));
    const everything = await scanCache({ endpoint, tableName, limit: 10_000 });

    // Assess
    expect(lines).toEqual([
      expect.stringMatching(
        new RegExp(
          `^tink#${userId}  c#credentials  expiresAt \\S+ \\(in (59|60) s\\)  gen 0  body ${body.length} bytes$`,
        ),
      ),
      `tink#${userId}  meta  gen 1`,
    ]);
    expect(lines.join('\n')).not.toContain('UPDATED');
    expect(withBodies[0]).toContain(body);
    expect(everything.filter((item) => item.pk === `tink#${userId}`)).toHaveLength(2);
  });
});
