import { createHandler } from '../../lib/http/handler';
import { idempotentRequests } from '../../lib/http/idempotency';
import { jsonResponse } from '../../lib/http/responses';
import { tinkOperations } from '../../lib/providers/tink';
import { noQuery } from '../route-shapes';
import { createUserBody } from './create-user-body';

const tink = tinkOperations();

export const handler = createHandler({
  operation: 'tink.createUser',
  idempotency: idempotentRequests(),
  query: noQuery,
  body: createUserBody,
  run: async ({ body, call }) => jsonResponse(201, await tink.createUser(call, body)),
});
