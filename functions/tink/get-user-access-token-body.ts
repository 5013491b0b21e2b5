// The body of POST /tink/oauth/token, in a module of its own so the OpenAPI generator can read it
// without loading the handler.
import * as z from 'zod';

export const codeExchangeBody = z.strictObject({
  code: z.string().regex(/^[A-Za-z0-9._~-]{1,512}$/, 'code must be an authorization code'),
});
