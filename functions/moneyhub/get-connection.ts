import { createHandler } from '../../lib/http/handler';
import { cachedJsonResponse } from '../../lib/http/responses';
import { moneyhubOperations } from '../../lib/providers/moneyhub';
import { noQuery } from '../route-shapes';
import { moneyhubConnectionPath } from './moneyhub-route';

const moneyhub = moneyhubOperations();

export const handler = createHandler({
  operation: 'moneyhub.getConnection',
  path: moneyhubConnectionPath,
  query: noQuery,
  run: async ({ path, call, noCache }) =>
    cachedJsonResponse(await moneyhub.getConnection(call, path.userId, path.connectionId, { noCache })),
});
