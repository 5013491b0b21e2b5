import { createHandler } from '../../lib/http/handler';
import { cachedJsonResponse } from '../../lib/http/responses';
import { moneyhubUsers } from '../../lib/providers/moneyhub';
import { noQuery } from '../route-shapes';
import { moneyhubUserPath } from './moneyhub-route';

const moneyhub = moneyhubUsers();

export const handler = createHandler({
  operation: 'moneyhub.getUser',
  path: moneyhubUserPath,
  query: noQuery,
  run: async ({ path, call, noCache }) =>
    cachedJsonResponse(await moneyhub.getUser(call, path.userId, { noCache })),
});
