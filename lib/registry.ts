// Which users the scheduled refresh looks after. Registry items live in the cache table under
// `pk = registry#<shard>`, `sk = <provider>#<userId>`, spread over a configurable number of shards
// so one sweep can be split and no partition grows hot.
import { createHash } from 'node:crypto';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import { dynamoDocumentClient } from './cache/dynamodb-client';
import { deadlineSignal } from './call-context';
import { coreConfig } from './config';
import type { ProviderName } from './providers/errors';

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

export interface RegistryCallOptions {
  /** Epoch ms by which the call must be done (the invocation's deadline); given up on then. */
  deadlineAtMs?: number;
  nowMs?: number;
}

const userKey = (provider: ProviderName, userId: string) => `${provider}#${userId}`;

export class EnrollmentRegistry {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    readonly shards: number,
  ) {}

  shardOf(provider: ProviderName, userId: string): number {
    const digest = createHash('sha256').update(userKey(provider, userId)).digest();
    return digest.readUInt32BE(0) % this.shards;
  }

  private key(provider: ProviderName, userId: string) {
    return { pk: `registry#${this.shardOf(provider, userId)}`, sk: userKey(provider, userId) };
  }

  async enroll(provider: ProviderName, userId: string, options: RegistryCallOptions = {}): Promise<void> {
    await this.client
      .send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...this.key(provider, userId),
            provider,
            userId,
            enrolledAtMs: options.nowMs ?? Date.now(),
          },
          // Enrolling twice keeps the first enrolment time.
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
        { abortSignal: deadlineSignal(options.deadlineAtMs) },
      )
      .catch((error: unknown) => {
        if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
      });
  }

  async unenroll(provider: ProviderName, userId: string, options: RegistryCallOptions = {}): Promise<void> {
    await this.client.send(
      new DeleteCommand({ TableName: this.tableName, Key: this.key(provider, userId) }),
      {
        abortSignal: deadlineSignal(options.deadlineAtMs),
      },
    );
  }

  async isEnrolled(provider: ProviderName, userId: string): Promise<boolean> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: this.key(provider, userId), ConsistentRead: true }),
    );
    return result.Item !== undefined;
  }

  async listShard(shard: number, options: { after?: string; limit?: number } = {}): Promise<EnrollmentPage> {
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: options.after ? 'pk = :pk AND sk > :after' : 'pk = :pk',
        ExpressionAttributeValues: options.after
          ? { ':pk': `registry#${shard}`, ':after': options.after }
          : { ':pk': `registry#${shard}` },
        Limit: options.limit ?? 100,
      }),
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
