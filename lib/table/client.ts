// The one DynamoDB client of the process, shared by the cache, the registry, the sweep, idempotency and
// the webhooks (the key layout is in ./keys.ts). Short timeouts: the cache is an optimisation, and a
// slow or unreachable table must fall open to the provider quickly rather than eat the deadline.
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { coreConfig } from '../config';
import { type Deadline, deadlineSignal } from '../deadline';

let baseClient: DynamoDBClient | undefined;
let documentClient: DynamoDBDocumentClient | undefined;

function createDynamoClient(options: { endpoint?: string; region: string }) {
  return new DynamoDBClient({
    region: options.region,
    endpoint: options.endpoint,
    // A local DynamoDB (dynalite, DynamoDB Local) accepts any credentials; AWS uses the role's.
    ...(options.endpoint && !process.env.AWS_ACCESS_KEY_ID
      ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
      : {}),
    maxAttempts: 2,
    // Without throwOnRequestTimeout the SDK only warns when requestTimeout passes and waits on: a table
    // that accepts a connection and never answers would hold every request until the Lambda dies.
    requestHandler: { connectionTimeout: 500, requestTimeout: 1500, throwOnRequestTimeout: true },
  });
}

const documentOf = (client: DynamoDBClient) =>
  DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });

export function createDynamoDocumentClient(options: { endpoint?: string; region: string }) {
  return documentOf(createDynamoClient(options));
}

/** The process's plain DynamoDB client, for libraries that marshal items themselves (idempotency). */
export function dynamoClient(): DynamoDBClient {
  if (!baseClient) {
    const config = coreConfig();
    baseClient = createDynamoClient({ endpoint: config.DYNAMODB_ENDPOINT, region: config.AWS_REGION });
  }
  return baseClient;
}

export function dynamoDocumentClient(): DynamoDBDocumentClient {
  documentClient ??= documentOf(dynamoClient());
  return documentClient;
}

/** The table's status as DynamoDB reports it (`ACTIVE` when usable), asked within the deadline. */
export async function tableStatus(tableName: string, deadline?: Deadline): Promise<string> {
  const result = await dynamoClient().send(new DescribeTableCommand({ TableName: tableName }), {
    abortSignal: deadlineSignal(deadline),
  });
  return result.Table?.TableStatus ?? 'UNKNOWN';
}
