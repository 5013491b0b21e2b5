// The DynamoDB side of the cache: one table, `pk` = scope (`<provider>#<userId>`), `sk` = `meta`
// for the scope's generation or `c#<resource>` for an entry, TTL attribute `expiresAt`.
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { countMetric, logger } from '../observability';
import { CachePurgeIncompleteError, CacheUnavailableError } from './errors';
import type { CacheEntryRecord, CacheSnapshot, CacheStore, FillOutcome, StoreCallOptions } from './store';

const metaSortKey = 'meta';
const entrySortKey = (resource: string) => `c#${resource}`;
const batchWriteLimit = 25;
const maxUnprocessedRetries = 8;

interface StoredEntry {
  gen: number;
  body: string;
  storedAtMs: number;
  freshUntilMs: number;
  expiresAt: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const backoffMs = (attempt: number) => Math.random() * Math.min(1000, 25 * 2 ** attempt);

/** DynamoDB's limit on one item: attribute names and values together, strings in UTF-8. */
const maxItemBytes = 400 * 1024;

/** An upper bound of the item's size as DynamoDB counts it (a number takes at most 21 bytes). */
function itemSizeBytes(item: object): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(item))
    bytes += Buffer.byteLength(name) + (typeof value === 'string' ? Buffer.byteLength(value) : 21);
  return bytes;
}

export class DynamoDbCacheStore implements CacheStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async read(scope: string, resource: string, options: StoreCallOptions = {}): Promise<CacheSnapshot> {
    let keys: Record<string, string>[] = [
      { pk: scope, sk: metaSortKey },
      { pk: scope, sk: entrySortKey(resource) },
    ];
    const items: Record<string, unknown>[] = [];
    // One round trip in practice; UnprocessedKeys only appear under throttling.
    for (let attempt = 0; keys.length > 0; attempt++) {
      if (attempt > maxUnprocessedRetries)
        throw new CacheUnavailableError('read', { cause: 'unprocessed keys' });
      if (attempt > 0) await sleep(backoffMs(attempt));
      const result = await this.call('read', options, (abortSignal) =>
        this.client.send(
          new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys, ConsistentRead: true } } }),
          { abortSignal },
        ),
      );
      items.push(...(result.Responses?.[this.tableName] ?? []));
      keys = (result.UnprocessedKeys?.[this.tableName]?.Keys as Record<string, string>[] | undefined) ?? [];
    }
    const meta = items.find((item) => item.sk === metaSortKey);
    const stored = items.find((item) => item.sk !== metaSortKey) as StoredEntry | undefined;
    return {
      generation: typeof meta?.gen === 'number' ? meta.gen : 0,
      entry: stored && {
        generation: stored.gen,
        body: stored.body,
        storedAtMs: stored.storedAtMs,
        freshUntilMs: stored.freshUntilMs,
        expiresAtEpochSeconds: stored.expiresAt,
      },
    };
  }

  async fill(
    scope: string,
    resource: string,
    entry: CacheEntryRecord,
    options: StoreCallOptions = {},
  ): Promise<FillOutcome> {
    const item: StoredEntry & { pk: string; sk: string } = {
      pk: scope,
      sk: entrySortKey(resource),
      gen: entry.generation,
      body: entry.body,
      storedAtMs: entry.storedAtMs,
      freshUntilMs: entry.freshUntilMs,
      expiresAt: entry.expiresAtEpochSeconds,
    };
    const itemBytes = itemSizeBytes(item);
    if (itemBytes > maxItemBytes) {
      // A body this large is rare and legitimate (served, just not cached); the put would only fail.
      countMetric('CacheEntryTooLarge');
      logger.debug('Cache entry too large for one DynamoDB item; not cached', { scope, resource, itemBytes });
      return 'too-large';
    }
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(gen) OR gen <= :gen',
          ExpressionAttributeValues: { ':gen': entry.generation },
        }),
        { abortSignal: options.abortSignal },
      );
      return 'stored';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'superseded';
      throw new CacheUnavailableError('fill', { cause: error });
    }
  }

  async bumpGeneration(
    scope: string,
    retainUntilEpochSeconds?: number,
    options: StoreCallOptions = {},
  ): Promise<number> {
    const result = await this.call('invalidate', options, (abortSignal) =>
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: scope, sk: metaSortKey },
          UpdateExpression:
            retainUntilEpochSeconds === undefined
              ? 'ADD gen :one'
              : 'ADD gen :one SET expiresAt = :retainUntil',
          ExpressionAttributeValues:
            retainUntilEpochSeconds === undefined
              ? { ':one': 1 }
              : { ':one': 1, ':retainUntil': retainUntilEpochSeconds },
          ReturnValues: 'UPDATED_NEW',
        }),
        { abortSignal },
      ),
    );
    return Number(result.Attributes?.gen ?? 0);
  }

  async deleteEntries(scope: string, options: StoreCallOptions = {}): Promise<number> {
    let deleted = 0;
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.call('purge', options, (abortSignal) =>
        this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': scope },
            ProjectionExpression: 'pk, sk',
            ConsistentRead: true,
            ExclusiveStartKey: startKey,
          }),
          { abortSignal },
        ),
      );
      const keys = (page.Items ?? []).filter((item) => item.sk !== metaSortKey);
      for (let index = 0; index < keys.length; index += batchWriteLimit) {
        deleted += await this.deleteBatch(scope, keys.slice(index, index + batchWriteLimit), options);
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return deleted;
  }

  private async deleteBatch(
    scope: string,
    keys: Record<string, unknown>[],
    options: StoreCallOptions,
  ): Promise<number> {
    let pending = keys.map((key) => ({ DeleteRequest: { Key: { pk: key.pk, sk: key.sk } } }));
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > maxUnprocessedRetries) throw new CachePurgeIncompleteError(scope, pending.length);
      if (attempt > 0) await sleep(backoffMs(attempt));
      const result = await this.call('purge', options, (abortSignal) =>
        this.client.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: pending } }), {
          abortSignal,
        }),
      );
      pending = (result.UnprocessedItems?.[this.tableName] as typeof pending | undefined) ?? [];
    }
    return keys.length;
  }

  private async call<T>(
    operation: string,
    options: StoreCallOptions,
    send: (abortSignal: AbortSignal | undefined) => Promise<T>,
  ): Promise<T> {
    try {
      // An aborted signal fails the call at once, so a retry loop above stops at the deadline too.
      options.abortSignal?.throwIfAborted();
      return await send(options.abortSignal);
    } catch (error) {
      throw new CacheUnavailableError(operation, { cause: error });
    }
  }
}
