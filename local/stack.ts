// The one-machine stack: DynamoDB (dynalite) with the cache table, both provider simulators, and
// optionally serverless-offline serving every route. Used by `npm start`, the integration lane
// (without offline) and the e2e lane. Client secrets and keys are generated here at start and live
// only in memory and in the environment of the processes started here.
import { randomBytes } from 'node:crypto';
import { EnrollmentRegistry } from '../lib/registry';
import { createDynamoDocumentClient } from '../lib/table/client';
import { createCacheTable, type LocalDynamoDb, startDynalite } from './dynamodb';
import { type RunningOffline, startOffline } from './offline';
import {
  buildDemoSeed as buildMoneyhubDemoSeed,
  type MoneyhubSimulator,
  demoClientId as moneyhubDemoClientId,
  startMoneyhubSimulator,
} from './simulators/moneyhub';
import { generateClientKey, demoUserIds as moneyhubDemoUserIds } from './simulators/moneyhub/demo-data';
import {
  buildDemoSeed as buildTinkDemoSeed,
  startTinkSimulator,
  type TinkSimulator,
  demoClient as tinkDemoClient,
  demoUserIds as tinkDemoUserIds,
} from './simulators/tink';
import { connectWebhooks } from './webhooks';

export interface LocalStackOptions {
  dynamoPort?: number;
  tinkPort?: number;
  moneyhubPort?: number;
  tableName?: string;
  /** Seed the simulators with the demo users the README lists, and enrol them for the sweep. */
  seedDemo?: boolean;
  /** `timeoutMs`: how long to wait for offline to serve (a loaded machine needs more than the default). */
  offline?: { httpPort: number; lambdaPort: number; echo?: (line: string) => void; timeoutMs?: number };
  /** Extra environment for the handlers (e.g. shorter TTLs in tests). */
  env?: Record<string, string>;
}

export interface LocalStack {
  dynamo: LocalDynamoDb;
  tink: TinkSimulator;
  moneyhub: MoneyhubSimulator;
  offline?: RunningOffline;
  /** The environment the handlers run with (includes the generated secrets: never print it). */
  env: Record<string, string>;
  tableName: string;
  stop(): Promise<void>;
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const tableName = options.tableName ?? 'open-banking-users-local-cache';
  // Demo dates are relative to this moment, so the demo data never ages.
  const startedAtMs = Date.now();
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const close of stops.reverse()) await close().catch(() => undefined);
  };
  try {
    const dynamo = await startDynalite(options.dynamoPort ?? 0);
    stops.push(() => dynamo.close());
    await createCacheTable(dynamo.endpoint, tableName);

    const tinkSecret = randomBytes(24).toString('base64url');
    const tink = await startTinkSimulator({
      port: options.tinkPort ?? 0,
      clients: [{ clientId: tinkDemoClient.clientId, clientSecret: tinkSecret }],
      seed: options.seedDemo ? buildTinkDemoSeed(startedAtMs) : undefined,
    });
    stops.push(() => tink.close());

    const moneyhubKey = await generateClientKey();
    const moneyhub = await startMoneyhubSimulator({
      port: options.moneyhubPort ?? 0,
      clients: [
        {
          clientId: moneyhubDemoClientId,
          tokenEndpointAuthMethod: 'private_key_jwt',
          jwks: moneyhubKey.publicJwks,
          signingAlg: moneyhubKey.alg,
        },
      ],
      seed: options.seedDemo ? buildMoneyhubDemoSeed(startedAtMs) : undefined,
    });
    stops.push(() => moneyhub.close());

    const env: Record<string, string> = {
      STAGE: 'local',
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      CACHE_TABLE_NAME: tableName,
      DYNAMODB_ENDPOINT: dynamo.endpoint,
      TINK_BASE_URL: tink.url,
      TINK_CLIENT_ID: tinkDemoClient.clientId,
      TINK_CLIENT_SECRET: tinkSecret,
      MONEYHUB_IDENTITY_URL: moneyhub.url,
      MONEYHUB_DATA_API_URL: `${moneyhub.url}/v3`,
      MONEYHUB_CLIENT_ID: moneyhubDemoClientId,
      MONEYHUB_AUTH_METHOD: 'private_key_jwt',
      MONEYHUB_PRIVATE_JWK: JSON.stringify(moneyhubKey.privateJwk),
      // With the API up, the simulators' webhooks reach it (local/webhooks.ts).
      ...(options.offline
        ? connectWebhooks(
            { tink, moneyhub },
            `http://127.0.0.1:${options.offline.httpPort}`,
            moneyhubDemoClientId,
          )
        : {}),
      ...options.env,
    };

    if (options.seedDemo) await enrollDemoUsers(dynamo.endpoint, tableName, env);

    let offline: RunningOffline | undefined;
    if (options.offline) {
      offline = await startOffline({ ...options.offline, env });
      const running = offline;
      stops.push(() => running.stop());
    }
    return { dynamo, tink, moneyhub, offline, env, tableName, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Enrols the demo users as the API enrols the users it creates, so the first sweep has work. */
async function enrollDemoUsers(endpoint: string, tableName: string, env: Record<string, string>) {
  const client = createDynamoDocumentClient({ endpoint, region: env.AWS_REGION ?? 'eu-west-1' });
  // The handlers' count: REGISTRY_SHARDS if the stack sets it, else the functions' default.
  const registry = new EnrollmentRegistry(client, tableName, Number(env.REGISTRY_SHARDS ?? 16));
  for (const userId of Object.values(tinkDemoUserIds)) await registry.enroll('tink', userId);
  for (const userId of Object.values(moneyhubDemoUserIds)) await registry.enroll('moneyhub', userId);
  client.destroy();
}
