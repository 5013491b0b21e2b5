// Ids in paths: a safe charset and a bounded length, checked before any provider call. API Gateway
// may hand a path parameter over still percent-encoded: it is decoded once, then checked, so an
// encoded slash or dot-dot is refused like a plain one.
import * as z from 'zod';

const decodedOnce = (value: unknown) => {
  if (typeof value !== 'string' || !value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value; // left as is; the pattern below refuses the '%'
  }
};

function idSchema(label: string, pattern: RegExp, example: string) {
  return z.preprocess(
    decodedOnce,
    z
      .string({ error: `${label} is required` })
      .min(1, `${label} is required`)
      .max(128, `${label} is at most 128 characters`)
      .regex(pattern, `${label} must look like ${example}`),
  );
}

const safeToken = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

/** Tink user and credential ids (32 hex characters in Tink's examples; kept open to any safe token). */
export const tinkId = (label: string) => idSchema(label, safeToken, '6e68cc6287704273984567b3300c5822');

/** A Moneyhub user id (24 hex characters). */
export const moneyhubUserId = idSchema('userId', safeToken, '328278302947678c0fc37f54');

/** A user id of either provider, where one route serves both. */
export const providerUserId = idSchema('userId', safeToken, '328278302947678c0fc37f54');

/** A Moneyhub connection id: `<bank id>:<uuid>`; the `:` is kept, nothing else outside [A-Za-z0-9_-]. */
export const moneyhubConnectionId = idSchema(
  'connectionId',
  /^[A-Za-z0-9][A-Za-z0-9_-]*:[A-Za-z0-9][A-Za-z0-9_-]*$/,
  '1ffe704d39629a929c8e293880fb449a:2e1b4b06-2f8e-4b27-9fae-8a1d1d1d1d1d',
);
