import * as z from 'zod';
import { createHandler } from '../../lib/http/handler';
import { jsonResponse } from '../../lib/http/responses';
import { tinkUsers } from '../../lib/providers/tink';
import { noQuery } from '../../lib/providers/tink/requests';

const tink = tinkUsers();

export const handler = createHandler({
  operation: 'tink.getUserAccessToken',
  sensitive: true,
  query: noQuery,
  body: z.strictObject({
    code: z.string().regex(/^[A-Za-z0-9._~-]{1,512}$/, 'code must be an authorization code'),
  }),
  run: async ({ body, call }) =>
    jsonResponse(200, await tink.exchangeCode(call, body.code), {
      'Cache-Control': 'no-store',
      Pragma: 'no-cache',
    }),
});
