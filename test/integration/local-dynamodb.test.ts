// The local DynamoDB (dynalite) survives a client that aborts part-way through a request body, as a
// deadline-aborted fill or purge does: the next request on a new connection is answered. Without
// the guard in local/dynamodb.ts the abort is an uncaught exception that ends this test process.
import net from 'node:net';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCacheTable, type LocalDynamoDb, startDynalite } from '../../local/dynamodb';

let dynamo: LocalDynamoDb;
let client: DynamoDBClient;

beforeAll(async () => {
  dynamo = await startDynalite();
  await createCacheTable(dynamo.endpoint, 'abort-test');
  client = new DynamoDBClient({
    endpoint: dynamo.endpoint,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
});

afterAll(async () => {
  client.destroy();
  await dynamo.close();
});

/** Sends the headers and half of the announced body, then resets the connection. */
function abortMidBody(endpoint: string): Promise<void> {
  const { port } = new URL(endpoint);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), '127.0.0.1', () => {
      socket.write(
        [
          'POST / HTTP/1.1',
          'Host: 127.0.0.1',
          'Content-Type: application/x-amz-json-1.0',
          'X-Amz-Target: DynamoDB_20120810.ListTables',
          'Content-Length: 1000',
          '',
          '{"Limit":',
        ].join('\r\n'),
        () => {
          // Give the server the partial body before the reset, so the abort lands mid-body.
          setTimeout(() => {
            socket.resetAndDestroy();
            resolve();
          }, 50);
        },
      );
    });
    socket.once('error', reject);
  });
}

describe('Local DynamoDB: dynalite', () => {
  it('answers the next request after a client aborts mid-body', async () => {
    // Act
    await abortMidBody(dynamo.endpoint);
    await abortMidBody(dynamo.endpoint);
    const result = await client.send(new ListTablesCommand({}));

    // Assess
    expect(result.TableNames).toContain('abort-test');
  });
});
