// What happens around a provider user's creation and deletion, the same for both providers: a new
// user is enrolled for the scheduled refresh (a failed enrolment is reported, never a failed
// create — the user exists); a deleted user's tokens, cached data and enrolment are forgotten, also
// when the provider says the user was already gone (the caller still hears that 404).
import type { ResponseCache } from '../cache';
import { type CallContext, reserveDeadline } from '../call-context';
import { countMetric, logger } from '../observability';
import type { ProviderName } from '../provider-name';
import type { EnrollmentRegistry } from '../registry';
import { mayHaveChangedUser, ProviderError, ProviderFailure } from './errors';
import { userCachePartition } from './user-partition';

export interface UserLifecycle {
  provider: ProviderName;
  cache: ResponseCache;
  registry: EnrollmentRegistry;
}

export async function enrollNewUser(
  lifecycle: UserLifecycle,
  call: CallContext,
  userId: string,
): Promise<void> {
  try {
    await lifecycle.registry.enroll(lifecycle.provider, userId, call);
  } catch (error) {
    countMetric('EnrollmentFailed', { provider: lifecycle.provider });
    logger.error('A new user could not be enrolled for the scheduled refresh', {
      provider: lifecycle.provider,
      userId,
      error,
    });
  }
}

export async function deleteUserEverywhere(
  lifecycle: UserLifecycle,
  call: CallContext,
  userId: string,
  provider: {
    deleteUser(call: CallContext, userId: string): Promise<void>;
    forgetUser(userId: string): void;
  },
): Promise<void> {
  // The provider call may have used all of its time: what follows has the reserve after it.
  const afterMutation = reserveDeadline(call);
  const purge = async () => {
    provider.forgetUser(userId);
    await lifecycle.cache.purge(userCachePartition(lifecycle.provider, userId), afterMutation);
  };
  const unenroll = async () => {
    try {
      await lifecycle.registry.unenroll(lifecycle.provider, userId, afterMutation);
    } catch (error) {
      // The sweep finds the user gone at the provider and un-enrols it then; the deletion succeeded.
      countMetric('UnenrollmentFailed', { provider: lifecycle.provider });
      logger.error('A deleted user could not be un-enrolled', {
        provider: lifecycle.provider,
        userId,
        error,
      });
    }
  };
  try {
    await provider.deleteUser(call, userId);
  } catch (error) {
    if (error instanceof ProviderError && error.failure === ProviderFailure.notFound) {
      await purge();
      await unenroll();
    } else if (mayHaveChangedUser(error)) {
      // Outcome unknown: the user may be gone, so their data goes too. The enrolment stays: if the
      // user still exists it is still swept, and if not the sweep un-enrols it on the 404.
      await purge();
    }
    throw error;
  }
  await purge();
  await unenroll();
}
