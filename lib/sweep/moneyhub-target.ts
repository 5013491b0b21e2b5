import type { MoneyhubOperations, UserConnection } from '../providers/moneyhub';
import { ItemDecision, listedItemsTarget, type SweepTarget } from './sweep';

const needsUserErrors = new Set(['mfa_required', 'credentials_error', 'resync']);
const needsUserExtendedStatuses = new Set(['expired', 'stoppedSyncing']);
const transientErrors = new Set(['sync_error', 'sync_partial']);

/** Epoch ms of an ISO date, or undefined when absent or unreadable. */
function epochMs(value: string | null | undefined): number | undefined {
  if (!value) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

export function moneyhubConnectionDecision(
  connection: UserConnection,
  syncAfterMs: number,
  nowMs: number,
): ItemDecision {
  const error = connection.error ?? undefined;
  if (error !== undefined && needsUserErrors.has(error)) return ItemDecision.needsUser;
  if (connection.extendedStatus && needsUserExtendedStatuses.has(connection.extendedStatus))
    return ItemDecision.needsUser;
  const consentExpiresMs = epochMs(connection.expiresAt);
  if (consentExpiresMs !== undefined && consentExpiresMs <= nowMs) return ItemDecision.needsUser;
  if (connection.status === 'never') return ItemDecision.inProgress;
  const settled = connection.status === 'ok' || connection.status === 'error';
  if (!settled || (error !== undefined && !transientErrors.has(error))) return ItemDecision.notDue;
  const lastUpdatedMs = epochMs(connection.lastUpdated);
  return lastUpdatedMs === undefined || nowMs - lastUpdatedMs >= syncAfterMs
    ? ItemDecision.due
    : ItemDecision.notDue;
}

export function moneyhubSweepTarget(options: {
  operations: MoneyhubOperations;
  syncAfterSeconds: number;
  now?: () => number;
}): SweepTarget {
  return listedItemsTarget({
    list: async (call, userId) =>
      (await options.operations.listConnections(call, userId, { noCache: true })).value.data,
    decide: (connection, nowMs) =>
      moneyhubConnectionDecision(connection, options.syncAfterSeconds * 1000, nowMs),
    act: (call, userId, connectionId) => options.operations.syncConnection(call, userId, connectionId),
    now: options.now,
  });
}
