import { createHandler } from '../../lib/http/handler';
import { cachedJsonResponse } from '../../lib/http/responses';
import { tinkUsers } from '../../lib/providers/tink';
import { noQuery } from '../route-shapes';
import { tinkUserPath } from './tink-route';

const tink = tinkUsers();

export const handler = createHandler({
  operation: 'tink.listCredentials',
  path: tinkUserPath,
  query: noQuery,
  run: async ({ path, call, noCache }) =>
    cachedJsonResponse(await tink.listCredentials(call, path.userId, { noCache })),
});
