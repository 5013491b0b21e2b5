import { createHandler } from '../../lib/http/handler';
import { emptyResponse } from '../../lib/http/responses';
import { tinkOperations } from '../../lib/providers/tink';
import { noQuery } from '../route-shapes';
import { tinkUserPath } from './tink-route';

const tink = tinkOperations();

export const handler = createHandler({
  operation: 'tink.deleteUser',
  path: tinkUserPath,
  query: noQuery,
  run: async ({ path, call }) => {
    await tink.deleteUser(call, path.userId);
    return emptyResponse(204);
  },
});
