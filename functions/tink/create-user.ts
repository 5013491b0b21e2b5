import * as z from 'zod';
import { createHandler } from '../../lib/http/handler';
import { idempotentRequests } from '../../lib/http/idempotency';
import { jsonResponse } from '../../lib/http/responses';
import { tinkUsers } from '../../lib/providers/tink';
import { boundedText, locale, market, noQuery } from '../../lib/providers/tink/requests';

const tink = tinkUsers();

export const handler = createHandler({
  operation: 'tink.createUser',
  idempotency: idempotentRequests(),
  query: noQuery,
  body: z.strictObject({
    market,
    locale: locale.optional(),
    externalUserId: boundedText('externalUserId', 255).optional(),
    retentionClass: z.enum(['permanent', 'temporary']).optional(),
  }),
  run: async ({ body, call }) => jsonResponse(201, await tink.createUser(call, body)),
});
