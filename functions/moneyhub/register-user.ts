import { createHandler } from '../../lib/http/handler';
import { idempotentRequests } from '../../lib/http/idempotency';
import { jsonResponse } from '../../lib/http/responses';
import { moneyhubOperations } from '../../lib/providers/moneyhub';
import { noQuery } from '../route-shapes';
import { registerUserBody } from './moneyhub-route';

const moneyhub = moneyhubOperations();

export const handler = createHandler({
  operation: 'moneyhub.registerUser',
  idempotency: idempotentRequests(),
  query: noQuery,
  body: registerUserBody,
  run: async ({ body, call }) => jsonResponse(201, await moneyhub.registerUser(call, body)),
});
