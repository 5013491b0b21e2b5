// What a provider's `Retry-After` may say (RFC 9110 §10.2.3): delta-seconds (a non-negative integer)
// or an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`). Nothing else is honoured: `Date.parse` alone
// reads "-5", "1.5" or "3, 4" as dates in the past, which made a 429 an immediate retry.

/** The longest wait we pass on to our caller; a provider asking for more is asked again then. */
export const maxRetryAfterSeconds = 3600;

const imfFixdate =
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;

/**
 * The whole seconds to wait, at most `maxRetryAfterSeconds`, or undefined when the header is absent
 * or not one of the two forms (the caller then falls back to its own backoff).
 */
export function parseRetryAfterSeconds(value: string | null | undefined, nowMs: number): number | undefined {
  const trimmed = value?.trim();
  if (!trimmed) return undefined;
  if (/^\d+$/.test(trimmed)) return Math.min(Number(trimmed), maxRetryAfterSeconds);
  if (!imfFixdate.test(trimmed)) return undefined;
  const atMs = Date.parse(trimmed);
  if (Number.isNaN(atMs)) return undefined;
  return Math.min(Math.max(0, Math.ceil((atMs - nowMs) / 1000)), maxRetryAfterSeconds);
}
