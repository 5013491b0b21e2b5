import { createHandler } from '../../lib/http/handler';
import { jsonResponse } from '../../lib/http/responses';
import { tinkOperations } from '../../lib/providers/tink';
import { noQuery } from '../route-shapes';
import { createAuthorizationBody } from './create-authorization-body';
import { tinkUserPath } from './tink-route';

const tink = tinkOperations();

export const handler = createHandler({
  operation: 'tink.createAuthorization',
  path: tinkUserPath,
  query: noQuery,
  body: createAuthorizationBody,
  run: async ({ path, body, call }) =>
    jsonResponse(201, await tink.createAuthorization(call, { userId: path.userId, ...body })),
});
