// Remembers each signed webhook's id (`jti`) for as long as its signature could still be accepted,
// as a conditional write in the cache table: the first delivery wins, a replay finds the item.
// DynamoDB TTL reaps the items; their key (lib/table/keys.ts) never collides with a cache partition.
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { type Deadline, deadlineSignal } from '../deadline';
import { webhookReplayKey } from '../table/keys';
import { WebhookStoreUnavailableError } from './errors';

export const ReplayVerdict = { first: 'first', replayed: 'replayed' } as const;
export type ReplayVerdict = (typeof ReplayVerdict)[keyof typeof ReplayVerdict];

const isConditionFailure = (error: unknown) =>
  (error as Error | undefined)?.name === 'ConditionalCheckFailedException';

export class ReplayGuard {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Records `id` until `rememberUntilEpochSeconds`; `replayed` when it was already recorded. */
  async remember(
    source: string,
    id: string,
    rememberUntilEpochSeconds: number,
    nowMs: number,
    deadline?: Deadline,
  ): Promise<ReplayVerdict> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...webhookReplayKey(source, id), expiresAt: rememberUntilEpochSeconds },
          // An item past its TTL may linger (DynamoDB reaps within days): it no longer counts.
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
          ExpressionAttributeValues: { ':now': Math.floor(nowMs / 1000) },
        }),
        { abortSignal: deadlineSignal(deadline) },
      );
      return ReplayVerdict.first;
    } catch (error) {
      if (isConditionFailure(error)) return ReplayVerdict.replayed;
      throw new WebhookStoreUnavailableError({ cause: error });
    }
  }
}
