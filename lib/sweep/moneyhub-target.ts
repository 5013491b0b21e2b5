import type { MoneyhubOperations, UserConnection } from '../providers/moneyhub';
import { ItemDecision, planFromList, type SweepTarget } from './sweep';

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
  users: MoneyhubOperations;
  syncAfterSeconds: number;
  now?: () => number;
}): SweepTarget {
  const now = options.now ?? (() => Date.now());
  return {
    // Fresh from Moneyhub (never a cached list), refilling the cache on the way.
    plan: (call, userId) =>
      planFromList(
        async () => (await options.users.listConnections(call, userId, { noCache: true })).value.data,
        (connection) => moneyhubConnectionDecision(connection, options.syncAfterSeconds * 1000, now()),
      ),
    async act(call, userId, connectionId) {
      await options.users.syncConnection(call, userId, connectionId);
    },
  };
}
