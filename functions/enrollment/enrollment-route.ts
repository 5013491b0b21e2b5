// The enrolment handlers serve both `/tink/users/{userId}/enrollment` and
// `/moneyhub/users/{userId}/enrollment`; the provider is the path's first segment, and the user id
// must have that provider's shape.
import * as z from 'zod';
import { RequestValidationError } from '../../lib/http/problem';
import { providerUserId, userIdOf } from '../../lib/ids';
import type { ProviderName } from '../../lib/provider-name';

export const enrollmentPath = z.object({ userId: providerUserId });

function providerOf(rawPath: string): ProviderName {
  const first = rawPath.split('/')[1];
  if (first === 'tink' || first === 'moneyhub') return first;
  throw new RequestValidationError([
    { location: 'path', field: 'provider', message: 'must be tink or moneyhub' },
  ]);
}

/** The provider named by the path and the user id checked against that provider's id shape. */
export function enrollmentTarget(
  rawPath: string,
  userId: string,
): { provider: ProviderName; userId: string } {
  const provider = providerOf(rawPath);
  const checked = userIdOf[provider].safeParse(userId);
  if (!checked.success) {
    throw new RequestValidationError(
      checked.error.issues.map((issue) => ({ location: 'path', field: 'userId', message: issue.message })),
    );
  }
  return { provider, userId };
}
