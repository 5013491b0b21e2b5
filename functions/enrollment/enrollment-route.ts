// The enrolment handlers serve both `/tink/users/{userId}/enrollment` and
// `/moneyhub/users/{userId}/enrollment`; the provider is the path's first segment.
import * as z from 'zod';
import { providerUserId } from '../../lib/http/ids';
import { RequestValidationError } from '../../lib/http/problem';
import type { ProviderName } from '../../lib/providers/errors';

export const enrollmentPath = z.object({ userId: providerUserId });

/** Like every route that takes no query parameters, the enrolment routes refuse any. */
export const enrollmentQuery = z.strictObject({});

export function providerOf(rawPath: string): ProviderName {
  const first = rawPath.split('/')[1];
  if (first === 'tink' || first === 'moneyhub') return first;
  throw new RequestValidationError([
    { location: 'path', field: 'provider', message: 'must be tink or moneyhub' },
  ]);
}
