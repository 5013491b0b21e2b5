// The Tink side of the sweep: which credentials are due a refresh, and the refresh itself.
// Due: settled (UPDATED) and last updated longer ago than the threshold, or TEMPORARY_ERROR.
// Skipped: what needs the user (AWAITING_*, AUTHENTICATION_ERROR, SESSION_EXPIRED, or a session
// past its expiry), what is in progress, and what a refresh cannot help (PERMANENT_ERROR, DELETED).
import { ProviderError, ProviderFailure } from '../providers/errors';
import type { TinkCredential, TinkUsers } from '../providers/tink';
import { inProgressStatuses } from '../providers/tink';
import { ItemDecision, type SweepTarget } from './sweep';

const needsUserStatuses = new Set(['AUTHENTICATION_ERROR', 'SESSION_EXPIRED']);

export function tinkCredentialDecision(
  credential: TinkCredential,
  refreshAfterMs: number,
  nowMs: number,
): ItemDecision {
  const status = credential.status;
  if (inProgressStatuses.has(status)) return ItemDecision.inProgress;
  if (status.startsWith('AWAITING_') || needsUserStatuses.has(status)) return ItemDecision.needsUser;
  const sessionExpiry = credential.sessionExpiryDate;
  if (typeof sessionExpiry === 'number' && sessionExpiry > 0 && sessionExpiry < nowMs)
    return ItemDecision.needsUser;
  if (status === 'TEMPORARY_ERROR') return ItemDecision.due;
  if (status !== 'UPDATED') return ItemDecision.notDue;
  const updated = typeof credential.updated === 'number' ? credential.updated : 0;
  return nowMs - updated >= refreshAfterMs ? ItemDecision.due : ItemDecision.notDue;
}

export function tinkSweepTarget(options: {
  users: TinkUsers;
  refreshAfterSeconds: number;
  now?: () => number;
}): SweepTarget {
  const now = options.now ?? (() => Date.now());
  return {
    async plan(call, userId) {
      try {
        // Fresh from Tink (never a cached list), refilling the cache on the way.
        const result = await options.users.listCredentials(call, userId, { noCache: true });
        const nowMs = now();
        return result.value.credentials.map((credential) => ({
          itemId: credential.id,
          decision: tinkCredentialDecision(credential, options.refreshAfterSeconds * 1000, nowMs),
        }));
      } catch (error) {
        if (error instanceof ProviderError && error.failure === ProviderFailure.notFound) return undefined;
        throw error;
      }
    },
    act: (call, userId, credentialId) => options.users.refreshCredential(call, userId, credentialId),
  };
}
