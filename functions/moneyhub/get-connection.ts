import { createHandler } from '../../lib/http/handler';
import { cachedJsonResponse } from '../../lib/http/responses';
import { moneyhubUsers } from '../../lib/providers/moneyhub';
import { noQuery } from '../route-shapes';
import { moneyhubConnectionPath } from './moneyhub-route';

const moneyhub = moneyhubUsers();

export const handler = createHandler({
  operation: 'moneyhub.getConnection',
  path: moneyhubConnectionPath,
  query: noQuery,
  run: async ({ path, call, noCache }) =>
    cachedJsonResponse(await moneyhub.getConnection(call, path.userId, path.connectionId, { noCache })),
});
