// Where the scheduled sweep stopped: the shard and the last registry key it finished. The next run
// continues from there; a finished pass starts again at shard 0.
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { type Deadline, deadlineSignal } from '../deadline';
import { sweepCursorKey as cursorKey } from '../table/keys';

export interface SweepCursor {
  shard: number;
  /** Registry sort key of the last user finished in `shard`; absent at the start of the shard. */
  after?: string;
  /** How many full passes over the registry have completed. */
  passes: number;
}

export class CursorStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async load(deadline?: Deadline): Promise<SweepCursor> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: cursorKey, ConsistentRead: true }),
      { abortSignal: deadlineSignal(deadline) },
    );
    const item = result.Item;
    return {
      shard: typeof item?.shard === 'number' ? item.shard : 0,
      after: typeof item?.after === 'string' ? item.after : undefined,
      passes: typeof item?.passes === 'number' ? item.passes : 0,
    };
  }

  async save(cursor: SweepCursor, nowMs: number, deadline?: Deadline): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...cursorKey,
          shard: cursor.shard,
          after: cursor.after,
          passes: cursor.passes,
          savedAtMs: nowMs,
        },
      }),
      { abortSignal: deadlineSignal(deadline) },
    );
  }
}
