// The body of POST /tink/users, in a module of its own so the OpenAPI generator can read it without
// loading the handler, and no other handler's bundle carries it.
import * as z from 'zod';
import { boundedText } from '../route-shapes';
import { locale, market } from './tink-route';

export const createUserBody = z.strictObject({
  market,
  locale: locale.optional(),
  externalUserId: boundedText('externalUserId', 255).optional(),
  retentionClass: z.enum(['permanent', 'temporary']).optional(),
});
