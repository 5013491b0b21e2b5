// Short leases on the items a sweep acts on, as conditional writes in the cache table: EventBridge
// delivers at least once and runs may overlap, and a lease makes sure only one of them refreshes a
// given credential or syncs a given connection. A lost race is an answer (false), not an exception.
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';

export class LeaseStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes the lease on `itemKey` for `durationMs` unless someone else holds a live one. */
  async acquire(itemKey: string, holder: string, durationMs: number): Promise<boolean> {
    const nowMs = this.now();
    const leaseUntilMs = nowMs + durationMs;
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: `lease#${itemKey}`,
            sk: 'lease',
            holder,
            leaseUntilMs,
            // DynamoDB TTL reaps old leases (epoch seconds); expiry is still judged by leaseUntilMs.
            expiresAt: Math.ceil(leaseUntilMs / 1000) + 3600,
          },
          ConditionExpression: 'attribute_not_exists(pk) OR leaseUntilMs < :now OR holder = :holder',
          ExpressionAttributeValues: { ':now': nowMs, ':holder': holder },
        }),
      );
      return true;
    } catch (error) {
      if ((error as Error).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }
}
