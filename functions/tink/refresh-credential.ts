import * as z from 'zod';
import { createHandler } from '../../lib/http/handler';
import { idempotentRequests } from '../../lib/http/idempotency';
import { emptyResponse } from '../../lib/http/responses';
import { tinkUsers } from '../../lib/providers/tink';
import { noQuery, tinkCredentialPath } from '../../lib/providers/tink/requests';

const tink = tinkUsers();
const uri = z.url().max(2048);

export const handler = createHandler({
  operation: 'tink.refreshCredential',
  idempotency: idempotentRequests(),
  path: tinkCredentialPath,
  query: noQuery,
  body: z
    .strictObject({
      items: z
        .array(
          z
            .string()
            .regex(/^[A-Z][A-Z_]{0,63}$/, 'items are Tink refreshable items such as CHECKING_ACCOUNTS'),
        )
        .max(32)
        .optional(),
      authenticate: z.boolean().optional(),
      appUri: uri.optional(),
      callbackUri: uri.optional(),
      userAvailability: z
        .strictObject({
          userAvailableForInteraction: z.boolean(),
          userPresent: z.boolean(),
          originatingUserIp: z.union([z.ipv4(), z.ipv6()]).optional(),
        })
        .optional(),
    })
    .optional(),
  run: async ({ path, body, call }) => {
    await tink.refreshCredential(call, path.userId, path.credentialId, body);
    return emptyResponse(202);
  },
});
