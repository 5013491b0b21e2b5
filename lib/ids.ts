// The shapes of provider ids (users, credentials, connections): a safe charset and a bounded length.
// Route paths and webhook payloads both check against them, so they live below lib/http and
// lib/webhooks. API Gateway may hand a path parameter over still percent-encoded: it is decoded
// once, then checked, so an encoded slash or dot-dot is refused like a plain one.
import * as z from 'zod';

const decodedOnce = (value: unknown) => {
  if (typeof value !== 'string' || !value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value; // left as is; the pattern below refuses the '%'
  }
};

/** `shape` completes the refusal "<label> must be …", e.g. "32 lower-case hex characters such as …". */
function idSchema(label: string, pattern: RegExp, shape: string) {
  return z.preprocess(
    decodedOnce,
    z
      .string({ error: `${label} is required` })
      .min(1, `${label} is required`)
      .max(128, `${label} is at most 128 characters`)
      .regex(pattern, `${label} must be ${shape}`),
  );
}

const safeToken = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

/**
 * A Tink user id: 32 lower-case hex characters, the form Tink returns from user creation. One form
 * only, so one user never has two cache partitions; anything else is refused before a provider call.
 */
export const tinkUserId = idSchema(
  'userId',
  /^[0-9a-f]{32}$/,
  '32 lower-case hex characters, such as 6e68cc6287704273984567b3300c5822',
);

/** Tink credential ids (32 hex characters in Tink's examples; kept open to any safe token). */
export const tinkId = (label: string) =>
  idSchema(label, safeToken, 'letters, digits, _ and - such as 6e68cc6287704273984567b3300c5822');

/** A Moneyhub user id: 24 lower-case hex characters. */
export const moneyhubUserId = idSchema(
  'userId',
  /^[0-9a-f]{24}$/,
  '24 lower-case hex characters, such as 328278302947678c0fc37f54',
);

/** A user id of either provider, where one route serves both; the route then applies `userIdOf`. */
export const providerUserId = idSchema(
  'userId',
  /^[0-9a-f]{24}(?:[0-9a-f]{8})?$/,
  '32 (Tink) or 24 (Moneyhub) lower-case hex characters',
);

/** The user id schema of each provider. */
export const userIdOf = { tink: tinkUserId, moneyhub: moneyhubUserId } as const;

/** A Moneyhub connection id: `<bank id>:<uuid>`; the `:` is kept, nothing else outside [A-Za-z0-9_-]. */
export const moneyhubConnectionId = idSchema(
  'connectionId',
  /^[A-Za-z0-9][A-Za-z0-9_-]*:[A-Za-z0-9][A-Za-z0-9_-]*$/,
  '<bank id>:<id>, such as 1ffe704d39629a929c8e293880fb449a:2e1b4b06-2f8e-4b27-9fae-8a1d1d1d1d1d',
);
