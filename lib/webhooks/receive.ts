// Receiving a provider webhook: authenticate it, read which user it concerns, and invalidate that
// user's cache when the event means their data changed. No provider call on this path (Moneyhub's
// key set aside, cached): providers expect a quick 2xx. The HTTP side (functions/webhooks) turns an
// outcome into a response; everything counted and logged here says why, never what was sent.
import type { ResponseCache } from '../cache';
import type { CallContext } from '../call-context';
import { countMetric, logger } from '../observability';
import { userCachePartition } from '../providers/user-partition';
import { WebhookStoreUnavailableError } from './errors';
import { moneyhubEventInvalidates, moneyhubJsonWebhook } from './moneyhub-events';
import { eventName, type MoneyhubSetVerifier, type SetVerdict } from './moneyhub-set';
import { type ReplayGuard, ReplayVerdict } from './replay-guard';
import { tinkEventInvalidates, tinkWebhookMessage } from './tink-events';
import { verifyTinkSignature } from './tink-signature';

export type WebhookProvider = 'tink' | 'moneyhub';

export const WebhookOutcome = {
  /** Authentic; the user's cache was invalidated when the events called for it. */
  accepted: 'accepted',
  /** Not shown to be from the provider (or replayed, or too old): 401, nothing changed. */
  unauthenticated: 'unauthenticated',
  /** Authentic, but not a message we can read: 400, nothing changed. */
  unreadable: 'unreadable',
  /** Could not be judged or applied (table, key set or cache unreachable): 503 (Tink redelivers). */
  unavailable: 'unavailable',
} as const;
export type WebhookOutcome = (typeof WebhookOutcome)[keyof typeof WebhookOutcome];

export interface WebhookResult {
  outcome: WebhookOutcome;
  /** Why it was refused, for logs and metrics only (never in the response). */
  reason?: string;
  events?: string[];
  invalidated?: boolean;
}

function rejected(provider: WebhookProvider, outcome: WebhookOutcome, reason: string): WebhookResult {
  countMetric('WebhookRejected', { provider, reason });
  logger.warn('Webhook rejected', { provider, reason });
  return { outcome, reason };
}

async function invalidateUser(
  cache: ResponseCache,
  provider: WebhookProvider,
  userId: string,
  events: string[],
  call: CallContext,
): Promise<WebhookResult> {
  countMetric('WebhookAccepted', { provider });
  const invalidates = events.some((event) =>
    provider === 'tink' ? tinkEventInvalidates(event) : moneyhubEventInvalidates(event),
  );
  if (!invalidates) {
    logger.info('Webhook accepted; its events change nothing cached', { provider, events });
    return { outcome: WebhookOutcome.accepted, events, invalidated: false };
  }
  const done = await cache.invalidate(userCachePartition(provider, userId), call);
  if (!done) {
    countMetric('WebhookUnavailable', { provider, reason: 'invalidation-failed' });
    return { outcome: WebhookOutcome.unavailable, reason: 'invalidation-failed', events };
  }
  countMetric('WebhookInvalidation', { provider });
  logger.info('Webhook invalidated a user cache', { provider, events, userId });
  return { outcome: WebhookOutcome.accepted, events, invalidated: true };
}

function parseJson(rawBody: Buffer): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(rawBody.toString('utf8')) };
  } catch {
    return { ok: false };
  }
}

export interface TinkWebhookReceiver {
  cache: ResponseCache;
  secret: () => Promise<string>;
  toleranceSeconds: number;
  now?: () => number;
}

export async function receiveTinkWebhook(
  receiver: TinkWebhookReceiver,
  request: { rawBody: Buffer; signatureHeader: string | undefined; call: CallContext },
): Promise<WebhookResult> {
  const provider = 'tink';
  countMetric('WebhookReceived', { provider });
  const verdict = verifyTinkSignature({
    header: request.signatureHeader,
    rawBody: request.rawBody,
    secret: await receiver.secret(),
    nowMs: (receiver.now ?? Date.now)(),
    toleranceSeconds: receiver.toleranceSeconds,
  });
  if (!verdict.valid) return rejected(provider, WebhookOutcome.unauthenticated, verdict.reason);
  const json = parseJson(request.rawBody);
  if (!json.ok) return rejected(provider, WebhookOutcome.unreadable, 'body-not-json');
  const message = tinkWebhookMessage.safeParse(json.value);
  if (!message.success) return rejected(provider, WebhookOutcome.unreadable, 'message-shape');
  return invalidateUser(
    receiver.cache,
    provider,
    message.data.context.userId,
    [message.data.event],
    request.call,
  );
}

export interface MoneyhubWebhookReceiver {
  cache: ResponseCache;
  verifier: MoneyhubSetVerifier;
  replayGuard: ReplayGuard;
  toleranceSeconds: number;
  acceptUnsignedJson: boolean;
  now?: () => number;
}

const isJwt = (contentType: string | undefined) =>
  (contentType ?? '').split(';')[0]?.trim().toLowerCase() === 'application/jwt';
const isJson = (contentType: string | undefined) =>
  (contentType ?? '').split(';')[0]?.trim().toLowerCase() === 'application/json';

export async function receiveMoneyhubWebhook(
  receiver: MoneyhubWebhookReceiver,
  request: { rawBody: Buffer; contentType: string | undefined; call: CallContext },
): Promise<WebhookResult> {
  const provider = 'moneyhub';
  countMetric('WebhookReceived', { provider });
  const nowMs = (receiver.now ?? Date.now)();

  if (!isJwt(request.contentType)) {
    // Unsigned JSON proves nothing about its sender: only a stage that chose to trust it takes it.
    if (!receiver.acceptUnsignedJson || !isJson(request.contentType))
      return rejected(provider, WebhookOutcome.unauthenticated, 'unsigned');
    const json = parseJson(request.rawBody);
    if (!json.ok) return rejected(provider, WebhookOutcome.unreadable, 'body-not-json');
    const message = moneyhubJsonWebhook.safeParse(json.value);
    if (!message.success) return rejected(provider, WebhookOutcome.unreadable, 'message-shape');
    return invalidateUser(
      receiver.cache,
      provider,
      message.data.userId,
      [message.data.eventType],
      request.call,
    );
  }

  const token = request.rawBody.toString('utf8').trim();
  let verdict: SetVerdict;
  let replay: ReplayVerdict = ReplayVerdict.first;
  try {
    verdict = await receiver.verifier.verify(token, nowMs);
    if (!verdict.valid) return rejected(provider, WebhookOutcome.unauthenticated, verdict.reason);
    // Remembered for as long as its `iat` could still pass the tolerance, plus a minute for skew.
    const rememberUntil = verdict.claims.iat + receiver.toleranceSeconds + 60;
    replay = await receiver.replayGuard.remember(
      provider,
      verdict.claims.jti,
      rememberUntil,
      nowMs,
      request.call,
    );
  } catch (error) {
    // Moneyhub's key set or our table failed us: the sender is not at fault, and nothing changed.
    const reason =
      error instanceof WebhookStoreUnavailableError ? 'replay-guard-unavailable' : 'keys-unavailable';
    countMetric('WebhookUnavailable', { provider, reason });
    logger.error('Webhook could not be verified', { provider, reason, error });
    return { outcome: WebhookOutcome.unavailable, reason };
  }
  const { claims } = verdict;
  if (replay === ReplayVerdict.replayed)
    return rejected(provider, WebhookOutcome.unauthenticated, 'jti-replayed');
  const events = Object.keys(claims.events).map(eventName);
  return invalidateUser(receiver.cache, provider, claims.sub, events, request.call);
}
