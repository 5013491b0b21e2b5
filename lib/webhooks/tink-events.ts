// What a Tink webhook message says, as far as the cache cares: which user, and whether the event
// means that user's data at Tink may have changed. `context` carries `userId` plus either
// `externalUserId` or (in one of Tink's guides) `externalReference`: only `userId` is required.
import * as z from 'zod';
import { tinkUserId } from '../ids';

export const tinkWebhookMessage = z.object({
  event: z.string().min(1).max(128),
  // The one Tink user id shape the routes accept, so an event names the same cache partition a route
  // reads (a looser id could only invalidate a partition nothing ever fills).
  context: z.object({ userId: tinkUserId }),
  content: z.unknown().optional(),
});
export type TinkWebhookMessage = z.infer<typeof tinkWebhookMessage>;

/** `refresh:finished` (on-demand and background refreshes) and every account or transaction event. */
export function tinkEventInvalidates(event: string): boolean {
  return (
    event === 'refresh:finished' || event.startsWith('account:') || event.startsWith('account-transactions:')
  );
}

/** The events the registration script subscribes to: exactly the ones that invalidate. */
export const tinkEnabledEvents = [
  'refresh:finished',
  'account:updated',
  'account-transactions:modified',
] as const;
