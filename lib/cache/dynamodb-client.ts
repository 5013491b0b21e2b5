// The one DynamoDB client of the process. Short timeouts: the cache is an optimisation, and a
// slow or unreachable table must fall open to the provider quickly rather than eat the deadline.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { coreConfig } from '../config';

let documentClient: DynamoDBDocumentClient | undefined;

export function createDynamoDocumentClient(options: { endpoint?: string; region: string }) {
  const client = new DynamoDBClient({
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
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

export function dynamoDocumentClient(): DynamoDBDocumentClient {
  if (!documentClient) {
    const config = coreConfig();
    documentClient = createDynamoDocumentClient({
      endpoint: config.DYNAMODB_ENDPOINT,
      region: config.AWS_REGION,
    });
  }
  return documentClient;
}
