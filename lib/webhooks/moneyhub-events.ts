// What a Moneyhub webhook says, as far as the cache cares: which user, and which events.
// Signed (a SET): `sub` is the user and `events` is keyed by URN. Unsigned JSON (only where a stage
// allows it): `{id, eventType, userId, payload}`.
import * as z from 'zod';
import { moneyhubUserId } from '../ids';

export const moneyhubJsonWebhook = z.object({
  id: z.string().min(1).max(256),
  eventType: z.string().min(1).max(256),
  userId: moneyhubUserId,
  payload: z.unknown().optional(),
});

/**
 * A sync finished (`syncCompleted`, `syncComplete` in older docs), or transactions or an account
 * changed: the user's connections, syncs and profile may read differently now.
 */
const invalidatingEvents = new Set([
  'syncCompleted',
  'syncComplete',
  'newTransactions',
  'updatedTransactions',
  'deletedAccount',
]);

export const moneyhubEventInvalidates = (name: string) => invalidatingEvents.has(name);
