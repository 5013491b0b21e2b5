import { createHandler } from '../../lib/http/handler';
import { jsonResponse } from '../../lib/http/responses';
import { tinkOperations } from '../../lib/providers/tink';
import { noQuery } from '../route-shapes';
import { codeExchangeBody } from './get-user-access-token-body';

const tink = tinkOperations();

export const handler = createHandler({
  operation: 'tink.getUserAccessToken',
  sensitive: true,
  query: noQuery,
  body: codeExchangeBody,
  run: async ({ body, call }) =>
    jsonResponse(200, await tink.exchangeCode(call, body.code), {
      'Cache-Control': 'no-store',
      Pragma: 'no-cache',
    }),
});
