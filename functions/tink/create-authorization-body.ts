// The body of POST /tink/users/{userId}/authorization-grants (a plain grant, or one delegated to Tink
// Link), in a module of its own so the OpenAPI generator can read it without loading the handler.
import * as z from 'zod';
import { boundedText } from '../route-shapes';
import { scopeList } from './tink-route';

export const createAuthorizationBody = z.strictObject({
  scope: scopeList,
  delegate: z
    .strictObject({
      idHint: boundedText('delegate.idHint', 255),
      actorClientId: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, 'actorClientId must be a Tink client id'),
    })
    .optional(),
});
