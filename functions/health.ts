import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { coreConfig } from '../lib/config';
import { createHandler } from '../lib/http/handler';
import { jsonResponse } from '../lib/http/responses';
import { logger } from '../lib/observability';
import { dynamoDocumentClient } from '../lib/table/client';

const config = coreConfig();

export const handler = createHandler({
  operation: 'health',
  run: async () => {
    const table = await dynamoDocumentClient()
      .send(new DescribeTableCommand({ TableName: config.CACHE_TABLE_NAME }))
      .then((result) => result.Table?.TableStatus ?? 'UNKNOWN')
      .catch((error: unknown) => {
        logger.warn('Health check could not reach the cache table', { error });
        return 'UNREACHABLE';
      });
    const healthy = table === 'ACTIVE';
    return jsonResponse(healthy ? 200 : 503, {
      status: healthy ? 'ok' : 'degraded',
      version: config.SERVICE_VERSION,
      stage: config.STAGE,
      table,
    });
  },
});
