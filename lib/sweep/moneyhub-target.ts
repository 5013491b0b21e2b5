// The Moneyhub side of the sweep: which connections are due a sync, and the sync itself.
// Due: `status: ok` and `lastUpdated` older than the threshold (or never set). A connection whose
// last sync failed for a transient reason (`status: error` with `sync_error`, `sync_partial` or no
// error code) is due by the same age rule: `lastUpdated` only moves on a successful sync, so it is
// retried on every run once the threshold has passed, like Tink's TEMPORARY_ERROR, but never more
// often than a run (and its lease) allows — some banks cap manual syncs per day.
// Skipped: what needs the user (`mfa_required`, `credentials_error`, `resync`, an `expired` or
// `stoppedSyncing` connection, a consent past `expiresAt`), a first sync still under way
// (`status: never`), and anything this code does not know (an unknown status or error code is not
// a reason to call the bank).
import { ProviderError, ProviderFailure } from '../providers/errors';
import type { MoneyhubUsers, UserConnection } from '../providers/moneyhub';
import { ItemDecision, type SweepTarget } from './sweep';

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
  users: MoneyhubUsers;
  syncAfterSeconds: number;
  now?: () => number;
}): SweepTarget {
  const now = options.now ?? (() => Date.now());
  return {
    async plan(call, userId) {
      try {
        // Fresh from Moneyhub (never a cached list), refilling the cache on the way.
        const result = await options.users.listConnections(call, userId, { noCache: true });
        const nowMs = now();
        return result.value.data.map((connection) => ({
          itemId: connection.id,
          decision: moneyhubConnectionDecision(connection, options.syncAfterSeconds * 1000, nowMs),
        }));
      } catch (error) {
        if (error instanceof ProviderError && error.failure === ProviderFailure.notFound) return undefined;
        throw error;
      }
    },
    async act(call, userId, connectionId) {
      await options.users.syncConnection(call, userId, connectionId);
    },
  };
}
