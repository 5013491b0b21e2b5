// Starts what the integration lane talks to over loopback — a DynamoDB API (dynalite, or DynamoDB
// Local when CACHE_BACKEND=dynamodb-local) with the cache table — and exports the settings the code
// under test reads at cold start. Workers inherit the environment set here.
import {
  createCacheTable,
  type LocalDynamoDb,
  startDynalite,
  startDynamoDbLocal,
} from '../../local/dynamodb';

export default async function setup() {
  const backend = process.env.CACHE_BACKEND ?? 'dynalite';
  const dynamo: LocalDynamoDb =
    backend === 'dynamodb-local'
      ? await startDynamoDbLocal(Number(process.env.DYNAMODB_LOCAL_PORT ?? 8765))
      : await startDynalite();
  const tableName = 'open-banking-users-test';
  await createCacheTable(dynamo.endpoint, tableName);

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
  });

  return async () => {
    await dynamo.close();
  };
}
