// Short leases on the items a sweep acts on, as conditional writes in the cache table: EventBridge
// delivers at least once and runs may overlap, and a lease makes sure only one of them refreshes a
// given credential or syncs a given connection. A lost race is an answer (false), not an exception.
import { DeleteCommand, type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { type Deadline, deadlineSignal } from '../deadline';
import { leaseKey } from '../table/keys';

const isConditionFailure = (error: unknown) =>
  (error as Error | undefined)?.name === 'ConditionalCheckFailedException';

export class LeaseStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Takes the lease on `itemKey` for `durationMs` unless a live one exists — also one this holder
   * took: a Lambda retry of a failed invocation keeps its request id, and must not act twice either.
   */
  async acquire(itemKey: string, holder: string, durationMs: number, deadline?: Deadline): Promise<boolean> {
    const nowMs = this.now();
    const leaseUntilMs = nowMs + durationMs;
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...leaseKey(itemKey),
            holder,
            leaseUntilMs,
            // DynamoDB TTL reaps old leases (epoch seconds); expiry is still judged by leaseUntilMs.
            expiresAt: Math.ceil(leaseUntilMs / 1000) + 3600,
          },
          ConditionExpression: 'attribute_not_exists(pk) OR leaseUntilMs < :now',
          ExpressionAttributeValues: { ':now': nowMs },
        }),
        { abortSignal: deadlineSignal(deadline) },
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** Gives the lease back early (only the holder's own), so the next run may act on the item. */
  async release(itemKey: string, holder: string, deadline?: Deadline): Promise<void> {
    try {
      await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: leaseKey(itemKey),
          ConditionExpression: 'holder = :holder',
          ExpressionAttributeValues: { ':holder': holder },
        }),
        { abortSignal: deadlineSignal(deadline) },
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }
}
