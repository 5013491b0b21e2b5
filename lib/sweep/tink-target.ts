import type { TinkCredential, TinkOperations } from '../providers/tink';
import { inProgressStatuses } from '../providers/tink';
import { ItemDecision, listedItemsTarget, type SweepTarget } from './sweep';

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
  operations: TinkOperations;
  refreshAfterSeconds: number;
  now?: () => number;
}): SweepTarget {
  return listedItemsTarget({
    list: async (call, userId) =>
      (await options.operations.listCredentials(call, userId, { noCache: true })).value.credentials,
    decide: (credential, nowMs) =>
      tinkCredentialDecision(credential, options.refreshAfterSeconds * 1000, nowMs),
    act: (call, userId, credentialId) => options.operations.refreshCredential(call, userId, credentialId),
    now: options.now,
  });
}
