// The body of POST …/credentials/{credentialId}/refresh (absent: Tink's defaults), in a module of its
// own so the OpenAPI generator can read it without loading the handler.
import * as z from 'zod';

const uri = z.url().max(2048);

export const refreshCredentialBody = z
  .strictObject({
    items: z
      .array(
        z.string().regex(/^[A-Z][A-Z_]{0,63}$/, 'items are Tink refreshable items such as CHECKING_ACCOUNTS'),
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
  .optional();
