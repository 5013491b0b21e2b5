import { coreConfig } from '../lib/config';
import { createHandler } from '../lib/http/handler';
import { jsonResponse } from '../lib/http/responses';
import { logger } from '../lib/observability';
import { tableStatus } from '../lib/table/client';

const config = coreConfig();

export const handler = createHandler({
  operation: 'health',
  run: async ({ call }) => {
    const table = await tableStatus(config.CACHE_TABLE_NAME, call).catch((error: unknown) => {
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
