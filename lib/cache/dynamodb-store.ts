// The DynamoDB side of the cache: per partition (`pk`), one generation item and one item per entry; the
// keys are lib/table/keys.ts's.
import { setTimeout as sleep } from 'node:timers/promises';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { type Deadline, deadlineSignal } from '../deadline';
import { countMetric, logger } from '../observability';
import { cacheEntrySortKey as entrySortKey, cacheGenerationSortKey as metaSortKey } from '../table/keys';
import { CachePurgeIncompleteError, CacheUnavailableError } from './errors';
import {
  type CacheEntryRecord,
  type CacheSnapshot,
  type CacheStore,
  type FillDeadline,
  type FillLease,
  FillOutcome,
  type HeldLease,
} from './store';

const batchWriteLimit = 25;
const maxUnprocessedRetries = 8;

interface StoredEntry {
  gen: number;
  body: string;
  storedAtMs: number;
  freshUntilMs: number;
  expiresAt: number;
  /** A refill lease lives on the entry item: the fill's put replaces it, a purge deletes it. */
  leaseUntilMs?: number;
}

/** A lease-only item outlives its lease by this much, then TTL reaps it. */
const leaseItemRetentionSeconds = 60;

const entryOf = (stored: StoredEntry): CacheEntryRecord => ({
  generation: stored.gen,
  body: stored.body,
  storedAtMs: stored.storedAtMs,
  freshUntilMs: stored.freshUntilMs,
  expiresAtEpochSeconds: stored.expiresAt,
});

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

  async read(partition: string, resource: string, deadline?: Deadline): Promise<CacheSnapshot> {
    let keys: Record<string, string>[] = [
      { pk: partition, sk: metaSortKey },
      { pk: partition, sk: entrySortKey(resource) },
    ];
    const items: Record<string, unknown>[] = [];
    // One round trip in practice; UnprocessedKeys only appear under throttling.
    for (let attempt = 0; keys.length > 0; attempt++) {
      if (attempt > maxUnprocessedRetries)
        throw new CacheUnavailableError('read', { cause: 'unprocessed keys' });
      if (attempt > 0) await sleep(backoffMs(attempt));
      const result = await this.call('read', deadline, (abortSignal) =>
        this.client.send(
          new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys, ConsistentRead: true } } }),
          { abortSignal },
        ),
      );
      items.push(...(result.Responses?.[this.tableName] ?? []));
      keys = (result.UnprocessedKeys?.[this.tableName]?.Keys as Record<string, string>[] | undefined) ?? [];
    }
    const meta = items.find((item) => item.sk === metaSortKey);
    const stored = items.find((item) => item.sk !== metaSortKey) as Partial<StoredEntry> | undefined;
    const hasEntry = stored?.body !== undefined && typeof stored.gen === 'number';
    return {
      generation: typeof meta?.gen === 'number' ? meta.gen : 0,
      leaseUntilMs: stored?.leaseUntilMs,
      entry: hasEntry ? entryOf(stored as StoredEntry) : undefined,
    };
  }

  async acquireLease(
    partition: string,
    resource: string,
    lease: FillLease,
    deadline?: Deadline,
  ): Promise<boolean> {
    return this.conditionally(() =>
      this.call('lease', deadline, (abortSignal) =>
        this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { pk: partition, sk: entrySortKey(resource) },
            // A lease-only item (no entry yet) is reaped by TTL like any other.
            UpdateExpression:
              'SET leaseUntilMs = :leaseUntilMs, expiresAt = if_not_exists(expiresAt, :expiresAt)',
            ConditionExpression: 'attribute_not_exists(leaseUntilMs) OR leaseUntilMs <= :nowMs',
            ExpressionAttributeValues: {
              ':leaseUntilMs': lease.leaseUntilMs,
              ':nowMs': lease.nowMs,
              ':expiresAt': Math.ceil(lease.leaseUntilMs / 1000) + leaseItemRetentionSeconds,
            },
          }),
          { abortSignal },
        ),
      ),
    );
  }

  async releaseLease(
    partition: string,
    resource: string,
    lease: HeldLease,
    deadline?: Deadline,
  ): Promise<void> {
    const key = { pk: partition, sk: entrySortKey(resource) };
    const values = { ':leaseUntilMs': lease.leaseUntilMs };
    // Either write fails its condition when the lease is someone else's by now: theirs to keep.
    await this.conditionally(() =>
      this.call('lease', deadline, (abortSignal) =>
        this.client.send(
          lease.onEntry
            ? new UpdateCommand({
                TableName: this.tableName,
                Key: key,
                UpdateExpression: 'REMOVE leaseUntilMs',
                ConditionExpression: 'leaseUntilMs = :leaseUntilMs',
                ExpressionAttributeValues: values,
              })
            : new DeleteCommand({
                TableName: this.tableName,
                Key: key,
                ConditionExpression: 'leaseUntilMs = :leaseUntilMs AND attribute_not_exists(body)',
                ExpressionAttributeValues: values,
              }),
          { abortSignal },
        ),
      ),
    );
  }

  /** Runs a conditional write: whether its condition held (a failed condition is not an error). */
  private async conditionally(write: () => Promise<unknown>): Promise<boolean> {
    try {
      await write();
      return true;
    } catch (error) {
      if (error instanceof CacheUnavailableError && error.cause instanceof ConditionalCheckFailedException)
        return false;
      throw error;
    }
  }

  /**
   * Write, then verify. The put's condition sees only the entry item, which a purge may just have
   * deleted, so a read whose provider answer arrived before a user's deletion could write that user's
   * data back after the purge. After the put we therefore read `meta` (consistently): if the
   * generation is no longer the one the entry was read under, an invalidation or purge came in
   * between and the entry is withdrawn (deleted, on condition that it is still ours). Any purge is
   * either before that read (it sees the new generation) or after the put (its Query deletes the
   * entry), so nothing survives it.
   * Weighed against: a transaction with a ConditionCheck on `meta` (one request, but dynalite has no
   * TransactWriteItems and DynamoDB Local needs Java), and encrypting bodies with a per-user key kept
   * in `meta` (one more read per hit, which must stay one request). Write-then-verify costs one
   * GetItem per miss and nothing per hit.
   */
  async fill(
    partition: string,
    resource: string,
    entry: CacheEntryRecord,
    deadline?: FillDeadline,
  ): Promise<FillOutcome> {
    const item: StoredEntry & { pk: string; sk: string } = {
      pk: partition,
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
      logger.debug('Cache entry too large for one DynamoDB item; not cached', {
        partition,
        resource,
        itemBytes,
      });
      return FillOutcome.tooLarge;
    }
    const verifyDeadline = deadline && (deadline.reserve ?? deadline);
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(gen) OR gen <= :gen',
          ExpressionAttributeValues: { ':gen': entry.generation },
        }),
        { abortSignal: deadlineSignal(deadline) },
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'superseded';
      // An aborted or failed put may still have landed: take it back rather than leave it unverified.
      await this.withdraw(partition, resource, entry, verifyDeadline).catch(() => undefined);
      throw new CacheUnavailableError('fill', { cause: error });
    }
    let generation: number | undefined;
    try {
      generation = await this.currentGeneration(partition, verifyDeadline);
    } catch {
      // Unverified is treated as moved on: an entry we cannot vouch for is not left behind.
    }
    if (generation === entry.generation) return 'stored';
    await this.withdraw(partition, resource, entry, verifyDeadline);
    return 'withdrawn';
  }

  private async currentGeneration(partition: string, deadline: Deadline | undefined): Promise<number> {
    const result = await this.call('fill', deadline, (abortSignal) =>
      this.client.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { pk: partition, sk: metaSortKey },
          ProjectionExpression: 'gen',
          ConsistentRead: true,
        }),
        { abortSignal },
      ),
    );
    return typeof result.Item?.gen === 'number' ? result.Item.gen : 0;
  }

  /** Deletes the entry this fill wrote, and only that one (a newer fill may have replaced it). */
  private async withdraw(
    partition: string,
    resource: string,
    entry: CacheEntryRecord,
    deadline: Deadline | undefined,
  ): Promise<void> {
    try {
      await this.call('fill', deadline, (abortSignal) =>
        this.client.send(
          new DeleteCommand({
            TableName: this.tableName,
            Key: { pk: partition, sk: entrySortKey(resource) },
            ConditionExpression: 'gen = :gen AND storedAtMs = :storedAtMs',
            ExpressionAttributeValues: { ':gen': entry.generation, ':storedAtMs': entry.storedAtMs },
          }),
          { abortSignal },
        ),
      );
    } catch (error) {
      if (error instanceof CacheUnavailableError && error.cause instanceof ConditionalCheckFailedException)
        return;
      throw error;
    }
  }

  async bumpGeneration(
    partition: string,
    retainUntilEpochSeconds?: number,
    deadline?: Deadline,
  ): Promise<number> {
    const result = await this.call('invalidate', deadline, (abortSignal) =>
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: partition, sk: metaSortKey },
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

  async deleteEntries(partition: string, deadline?: Deadline): Promise<number> {
    let deleted = 0;
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.call('purge', deadline, (abortSignal) =>
        this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': partition },
            ProjectionExpression: 'pk, sk',
            ConsistentRead: true,
            ExclusiveStartKey: startKey,
          }),
          { abortSignal },
        ),
      );
      const keys = (page.Items ?? []).filter((item) => item.sk !== metaSortKey);
      for (let index = 0; index < keys.length; index += batchWriteLimit) {
        deleted += await this.deleteBatch(partition, keys.slice(index, index + batchWriteLimit), deadline);
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return deleted;
  }

  private async deleteBatch(
    partition: string,
    keys: Record<string, unknown>[],
    deadline: Deadline | undefined,
  ): Promise<number> {
    let pending = keys.map((key) => ({ DeleteRequest: { Key: { pk: key.pk, sk: key.sk } } }));
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > maxUnprocessedRetries) throw new CachePurgeIncompleteError(partition, pending.length);
      if (attempt > 0) await sleep(backoffMs(attempt));
      const result = await this.call('purge', deadline, (abortSignal) =>
        this.client.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: pending } }), {
          abortSignal,
        }),
      );
      pending = (result.UnprocessedItems?.[this.tableName] as typeof pending | undefined) ?? [];
    }
    return keys.length;
  }

  /** Sends one request, aborted at the deadline; a deadline already passed sends nothing. */
  private async call<T>(
    operation: string,
    deadline: Deadline | undefined,
    send: (abortSignal: AbortSignal | undefined) => Promise<T>,
  ): Promise<T> {
    try {
      const abortSignal = deadlineSignal(deadline);
      // Failing at once here also stops a retry loop above at the deadline.
      abortSignal?.throwIfAborted();
      return await send(abortSignal);
    } catch (error) {
      throw new CacheUnavailableError(operation, { cause: error });
    }
  }
}
