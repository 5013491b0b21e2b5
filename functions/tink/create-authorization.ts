import * as z from 'zod';
import { createHandler } from '../../lib/http/handler';
import { jsonResponse } from '../../lib/http/responses';
import { tinkUsers } from '../../lib/providers/tink';
import { boundedText, noQuery, scopeList, tinkUserPath } from '../../lib/providers/tink/requests';

const tink = tinkUsers();

export const handler = createHandler({
  operation: 'tink.createAuthorization',
  path: tinkUserPath,
  query: noQuery,
  body: z.strictObject({
    scope: scopeList,
    delegate: z
      .strictObject({
        idHint: boundedText('delegate.idHint', 255),
        actorClientId: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, 'actorClientId must be a Tink client id'),
      })
      .optional(),
  }),
  run: async ({ path, body, call }) =>
    jsonResponse(201, await tink.createAuthorization(call, { userId: path.userId, ...body })),
});
