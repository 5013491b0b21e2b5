import { createHandler } from '../../lib/http/handler';
import { cachedJsonResponse } from '../../lib/http/responses';
import { moneyhubOperations } from '../../lib/providers/moneyhub';
import { noQuery } from '../route-shapes';
import { moneyhubUserPath } from './moneyhub-route';

const moneyhub = moneyhubOperations();

export const handler = createHandler({
  operation: 'moneyhub.listConnections',
  path: moneyhubUserPath,
  query: noQuery,
  run: async ({ path, call, noCache }) =>
    cachedJsonResponse(await moneyhub.listConnections(call, path.userId, { noCache })),
});
