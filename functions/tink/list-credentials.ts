import { createHandler } from '../../lib/http/handler';
import { cachedJsonResponse } from '../../lib/http/responses';
import { tinkOperations } from '../../lib/providers/tink';
import { noQuery } from '../route-shapes';
import { tinkUserPath } from './tink-route';

const tink = tinkOperations();

export const handler = createHandler({
  operation: 'tink.listCredentials',
  path: tinkUserPath,
  query: noQuery,
  run: async ({ path, call, noCache }) =>
    cachedJsonResponse(await tink.listCredentials(call, path.userId, { noCache })),
});
