import { createHandler } from '../../lib/http/handler';
import { emptyResponse } from '../../lib/http/responses';
import { moneyhubOperations } from '../../lib/providers/moneyhub';
import { noQuery } from '../route-shapes';
import { moneyhubUserPath } from './moneyhub-route';

const moneyhub = moneyhubOperations();

export const handler = createHandler({
  operation: 'moneyhub.deleteUser',
  path: moneyhubUserPath,
  query: noQuery,
  run: async ({ path, call }) => {
    await moneyhub.deleteUser(call, path.userId);
    return emptyResponse(204);
  },
});
