import { createHandler } from '../../lib/http/handler';
import { emptyResponse } from '../../lib/http/responses';
import { moneyhubUsers } from '../../lib/providers/moneyhub';
import { noQuery } from '../route-shapes';
import { moneyhubUserPath } from './moneyhub-route';

const moneyhub = moneyhubUsers();

export const handler = createHandler({
  operation: 'moneyhub.deleteUser',
  path: moneyhubUserPath,
  query: noQuery,
  run: async ({ path, call }) => {
    await moneyhub.deleteUser(call, path.userId);
    return emptyResponse(204);
  },
});
