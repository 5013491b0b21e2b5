// The one-machine stack: DynamoDB (dynalite) with the cache table, both provider simulators, and
// optionally serverless-offline serving every route. Used by `npm start`, the integration lane
// (without offline) and the e2e lane. Client secrets and keys are generated here at start and live
// only in memory and in the environment of the processes started here.
import { randomBytes } from 'node:crypto';
import { createCacheTable, type LocalDynamoDb, startDynalite } from './dynamodb';
import { type RunningOffline, startOffline } from './offline';
import {
  buildDemoSeed as buildMoneyhubDemoSeed,
  type MoneyhubSimulator,
  demoClientId as moneyhubDemoClientId,
  startMoneyhubSimulator,
} from './simulators/moneyhub';
import { generateClientKey } from './simulators/moneyhub/demo-data';
import {
  buildDemoSeed as buildTinkDemoSeed,
  startTinkSimulator,
  type TinkSimulator,
  demoClient as tinkDemoClient,
} from './simulators/tink';
import { connectWebhooks } from './webhooks';

export interface LocalStackOptions {
  dynamoPort?: number;
  tinkPort?: number;
  moneyhubPort?: number;
  tableName?: string;
  /** Seed the simulators with the demo users the README lists. */
  seedDemo?: boolean;
  offline?: { httpPort: number; lambdaPort: number; echo?: boolean };
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
      seed: options.seedDemo ? buildTinkDemoSeed() : undefined,
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
      seed: options.seedDemo ? buildMoneyhubDemoSeed() : undefined,
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
