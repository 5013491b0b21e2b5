import { createHandler } from '../../lib/http/handler';
import { emptyResponse } from '../../lib/http/responses';
import { moneyhubOperations } from '../../lib/providers/moneyhub';
import { noQuery } from '../route-shapes';
import { moneyhubConnectionPath } from './moneyhub-route';

const moneyhub = moneyhubOperations();

export const handler = createHandler({
  operation: 'moneyhub.deleteConnection',
  path: moneyhubConnectionPath,
  query: noQuery,
  run: async ({ path, call }) => {
    await moneyhub.deleteConnection(call, path.userId, path.connectionId);
    return emptyResponse(204);
  },
});
