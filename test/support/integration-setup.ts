// Starts what the integration lane talks to over loopback — a DynamoDB API (dynalite, or DynamoDB
// Local when CACHE_BACKEND=dynamodb-local) with the cache table, and both provider simulators — and
// exports the settings the code under test reads at cold start. Workers inherit this environment.
// Tests reach the simulators' control API at TINK_SIMULATOR_URL / MONEYHUB_SIMULATOR_URL.
import { randomBytes } from 'node:crypto';
import {
  createCacheTable,
  type LocalDynamoDb,
  startDynalite,
  startDynamoDbLocal,
} from '../../local/dynamodb';
import { startMoneyhubSimulator } from '../../local/simulators/moneyhub';
import { generateClientKey } from '../../local/simulators/moneyhub/demo-data';
import { startTinkSimulator } from '../../local/simulators/tink';

export default async function setup() {
  const backend = process.env.CACHE_BACKEND ?? 'dynalite';
  const dynamo: LocalDynamoDb =
    backend === 'dynamodb-local'
      ? await startDynamoDbLocal(Number(process.env.DYNAMODB_LOCAL_PORT ?? 8765))
      : await startDynalite();
  const tableName = 'open-banking-users-test';
  await createCacheTable(dynamo.endpoint, tableName);

  const tinkClientId = 'test-tink-client';
  const tinkClientSecret = randomBytes(24).toString('base64url');
  const tink = await startTinkSimulator({
    clients: [{ clientId: tinkClientId, clientSecret: tinkClientSecret }],
    refreshDurationMs: 300,
    deleteSettleMs: 300,
  });

  // Moneyhub: a private_key_jwt client whose key pair is generated now and exists only in memory.
  const moneyhubClientId = 'test-moneyhub-client';
  const moneyhubKey = await generateClientKey('RS256');
  const moneyhub = await startMoneyhubSimulator({
    clients: [
      {
        clientId: moneyhubClientId,
        tokenEndpointAuthMethod: 'private_key_jwt',
        jwks: moneyhubKey.publicJwks,
        signingAlg: moneyhubKey.alg,
      },
    ],
  });

  Object.assign(process.env, {
    STAGE: 'test',
    CACHE_BACKEND: dynamo.kind,
    CACHE_TABLE_NAME: tableName,
    DYNAMODB_ENDPOINT: dynamo.endpoint,
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'SILENT',
    PROVIDER_RETRY_BASE_MS: '20',
    TINK_BASE_URL: tink.url,
    TINK_SIMULATOR_URL: tink.url,
    TINK_CLIENT_ID: tinkClientId,
    TINK_CLIENT_SECRET: tinkClientSecret,
    MONEYHUB_IDENTITY_URL: moneyhub.url,
    MONEYHUB_DATA_API_URL: `${moneyhub.url}/v3`,
    MONEYHUB_SIMULATOR_URL: moneyhub.url,
    MONEYHUB_CLIENT_ID: moneyhubClientId,
    MONEYHUB_AUTH_METHOD: 'private_key_jwt',
    MONEYHUB_PRIVATE_JWK: JSON.stringify(moneyhubKey.privateJwk),
  });

  return async () => {
    await moneyhub.close();
    await tink.close();
    await dynamo.close();
  };
}
