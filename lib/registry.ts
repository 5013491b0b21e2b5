// Which users the scheduled refresh looks after. Registry items live in the cache table, one
// partition per shard (keys: lib/table/keys.ts), spread over a configurable number of shards so one
// sweep can be split and no partition grows hot.
//
// A user's shard is a hash modulo the shard count, so the count is part of the data: with another
// count, un-enrolment and the sweep would look in the wrong partitions and orphan enrolments. The
// count the registry was written with is therefore kept with it (one `registry#layout` item,
// written on first use), every instance checks it once before its first registry call, and a
// mismatch is refused with a configuration error that says how to migrate (`reshard` below).
import { createHash } from 'node:crypto';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import { coreConfig } from './config';
import { type Deadline, deadlineSignal } from './deadline';
import type { ProviderName } from './provider-name';
import { RegistryShardsMismatchError } from './registry-errors';
import { dynamoDocumentClient } from './table/client';
import {
  registryLayoutKey as layoutKey,
  providerUserKey,
  registryEnrollmentKey,
  registryShardPartitionKey,
} from './table/keys';

export interface Enrollment {
  provider: ProviderName;
  userId: string;
  enrolledAtMs: number;
}

export interface EnrollmentPage {
  items: Enrollment[];
  /** The sort key to continue after, absent when the shard is done. */
  nextAfter?: string;
}

/** How much of a shard to list: the sort key to continue after, and at most how many enrolments. */
export interface ShardPageRequest {
  after?: string;
  limit?: number;
}

const shardFor = (provider: ProviderName, userId: string, shards: number) =>
  createHash('sha256').update(providerUserKey(provider, userId)).digest().readUInt32BE(0) % shards;

export interface RegistryLayout {
  /** The count every instance must be configured with. */
  shards: number;
  /** The widest count the registry has had: where an enrolment written with an old count can be. */
  widestShards: number;
}

export interface ReshardResult {
  fromShards: number;
  toShards: number;
  /** Enrolments moved to another partition. */
  moved: number;
  /** Enrolments already where the new count puts them. */
  kept: number;
}

export class EnrollmentRegistry {
  /** Settled once the stored layout matched this instance's count; cleared on a failure. */
  private layoutChecked: Promise<void> | undefined;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    readonly shards: number,
  ) {}

  shardOf(provider: ProviderName, userId: string): number {
    return shardFor(provider, userId, this.shards);
  }

  private key(provider: ProviderName, userId: string) {
    return registryEnrollmentKey(this.shardOf(provider, userId), provider, userId);
  }

  /** The layout stored with the registry, undefined for a registry never written. */
  async storedLayout(deadline?: Deadline): Promise<RegistryLayout | undefined> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: layoutKey, ConsistentRead: true }),
      { abortSignal: deadlineSignal(deadline) },
    );
    if (result.Item === undefined) return undefined;
    const shards = Number(result.Item.shards);
    return { shards, widestShards: Number(result.Item.widestShards ?? shards) };
  }

  /**
   * One consistent read per instance: the stored count must be this instance's count. Only callers
   * whose role may write (enrolment, the sweep) record the count of a registry that has none yet;
   * un-enrolment only reads it, so its functions need GetItem and no PutItem.
   */
  private checkLayout(deadline: Deadline | undefined, mayRecord: boolean): Promise<void> {
    this.layoutChecked ??= this.readOrRecordLayout(deadline, mayRecord).catch((error: unknown) => {
      this.layoutChecked = undefined;
      throw error;
    });
    return this.layoutChecked;
  }

  private async readOrRecordLayout(deadline: Deadline | undefined, mayRecord: boolean): Promise<void> {
    let stored = (await this.storedLayout(deadline))?.shards;
    if (stored === undefined && !mayRecord) return;
    if (stored === undefined) {
      try {
        await this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { ...layoutKey, shards: this.shards, widestShards: this.shards },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
          { abortSignal: deadlineSignal(deadline) },
        );
        return;
      } catch (error) {
        if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
        stored = (await this.storedLayout(deadline))?.shards;
      }
    }
    if (stored !== this.shards) throw new RegistryShardsMismatchError(this.shards, stored, this.tableName);
  }

  /**
   * Moves every enrolment to the partition `toShards` gives it, then records the new count. It
   * visits every partition the widest count ever stored can use, so running it again collects what
   * an interruption, or a warm instance still on the old count, left behind.
   */
  async reshard(toShards: number): Promise<ReshardResult> {
    const stored = (await this.storedLayout()) ?? { shards: this.shards, widestShards: this.shards };
    const widestShards = Math.max(stored.widestShards, stored.shards, toShards);
    const result: ReshardResult = { fromShards: stored.shards, toShards, moved: 0, kept: 0 };
    /** Moved to a later partition in this run: met again there, not to be counted twice. */
    const movedKeys = new Set<string>();
    for (let shard = 0; shard < widestShards; shard++) {
      let after: string | undefined;
      do {
        const page = await this.queryShard(shard, { after, limit: 100 });
        for (const { provider, userId, enrolledAtMs } of page.items) {
          const target = shardFor(provider, userId, toShards);
          if (target === shard) {
            if (!movedKeys.has(providerUserKey(provider, userId))) result.kept += 1;
            continue;
          }
          const sk = providerUserKey(provider, userId);
          // Copy first, then delete: an interruption leaves a duplicate the next run removes, never a loss.
          await this.client.send(
            new PutCommand({
              TableName: this.tableName,
              Item: { ...registryEnrollmentKey(target, provider, userId), provider, userId, enrolledAtMs },
            }),
          );
          await this.client.send(
            new DeleteCommand({
              TableName: this.tableName,
              Key: registryEnrollmentKey(shard, provider, userId),
            }),
          );
          result.moved += 1;
          movedKeys.add(sk);
        }
        after = page.nextAfter;
      } while (after);
    }
    await this.client.send(
      new PutCommand({ TableName: this.tableName, Item: { ...layoutKey, shards: toShards, widestShards } }),
    );
    this.layoutChecked = undefined;
    return result;
  }

  async enroll(provider: ProviderName, userId: string, deadline?: Deadline): Promise<void> {
    await this.checkLayout(deadline, true);
    await this.client
      .send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...this.key(provider, userId),
            provider,
            userId,
            enrolledAtMs: Date.now(),
          },
          // Enrolling twice keeps the first enrolment time.
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
        { abortSignal: deadlineSignal(deadline) },
      )
      .catch((error: unknown) => {
        if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
      });
  }

  async unenroll(provider: ProviderName, userId: string, deadline?: Deadline): Promise<void> {
    await this.checkLayout(deadline, false);
    await this.client.send(
      new DeleteCommand({ TableName: this.tableName, Key: this.key(provider, userId) }),
      { abortSignal: deadlineSignal(deadline) },
    );
  }

  async isEnrolled(provider: ProviderName, userId: string, deadline?: Deadline): Promise<boolean> {
    await this.checkLayout(deadline, false);
    const result = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: this.key(provider, userId), ConsistentRead: true }),
      { abortSignal: deadlineSignal(deadline) },
    );
    return result.Item !== undefined;
  }

  async listShard(shard: number, page: ShardPageRequest = {}, deadline?: Deadline): Promise<EnrollmentPage> {
    await this.checkLayout(deadline, true);
    return this.queryShard(shard, page, deadline);
  }

  private async queryShard(
    shard: number,
    page: ShardPageRequest,
    deadline?: Deadline,
  ): Promise<EnrollmentPage> {
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: page.after ? 'pk = :pk AND sk > :after' : 'pk = :pk',
        ExpressionAttributeValues: page.after
          ? { ':pk': registryShardPartitionKey(shard), ':after': page.after }
          : { ':pk': registryShardPartitionKey(shard) },
        Limit: page.limit ?? 100,
      }),
      { abortSignal: deadlineSignal(deadline) },
    );
    const items = (result.Items ?? []).map((item) => ({
      provider: item.provider as ProviderName,
      userId: String(item.userId),
      enrolledAtMs: Number(item.enrolledAtMs),
    }));
    const last = result.LastEvaluatedKey?.sk as string | undefined;
    return { items, nextAfter: last };
  }
}

let instance: EnrollmentRegistry | undefined;

export function enrollmentRegistry(): EnrollmentRegistry {
  if (!instance) {
    const config = coreConfig();
    instance = new EnrollmentRegistry(
      dynamoDocumentClient(),
      config.CACHE_TABLE_NAME,
      config.REGISTRY_SHARDS,
    );
  }
  return instance;
}
