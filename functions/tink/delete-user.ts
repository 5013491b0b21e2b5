import { createHandler } from '../../lib/http/handler';
import { emptyResponse } from '../../lib/http/responses';
import { tinkUsers } from '../../lib/providers/tink';
import { noQuery } from '../route-shapes';
import { tinkUserPath } from './tink-route';

const tink = tinkUsers();

export const handler = createHandler({
  operation: 'tink.deleteUser',
  path: tinkUserPath,
  query: noQuery,
  run: async ({ path, call }) => {
    await tink.deleteUser(call, path.userId);
    return emptyResponse(204);
  },
});
