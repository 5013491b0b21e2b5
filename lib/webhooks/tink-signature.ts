// Tink's webhook signature: `X-Tink-Signature: t=<unix seconds>,v1=<hex>` where
// v1 = HMAC-SHA256(secret, t + "." + body), over the body's bytes exactly as they arrived.
// Unknown keys in the header are ignored; every v1 given is tried, so a header carrying a second
// signature (as during a secret rotation) still verifies.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SignatureRejection = {
  missing: 'signature-missing',
  malformed: 'signature-malformed',
  mismatch: 'signature-mismatch',
  stale: 'timestamp-outside-tolerance',
} as const;
export type SignatureRejection = (typeof SignatureRejection)[keyof typeof SignatureRejection];

export interface TinkSignatureCheck {
  header: string | undefined;
  rawBody: Buffer;
  secret: string;
  nowMs: number;
  toleranceSeconds: number;
}

export type SignatureVerdict = { valid: true } | { valid: false; reason: SignatureRejection };

const sha256HexLength = 64;
const maxHeaderLength = 2048;

function parseHeader(header: string): { timestamp?: string; signatures: string[] } {
  let timestamp: string | undefined;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const separator = part.indexOf('=');
    if (separator < 0) continue;
    const key = part.slice(0, separator).trim();
    const value = part.slice(separator + 1).trim();
    if (key === 't') timestamp = value;
    else if (key === 'v1') signatures.push(value);
  }
  return { timestamp, signatures };
}

export function verifyTinkSignature(check: TinkSignatureCheck): SignatureVerdict {
  if (!check.header) return { valid: false, reason: SignatureRejection.missing };
  if (check.header.length > maxHeaderLength) return { valid: false, reason: SignatureRejection.malformed };
  const { timestamp, signatures } = parseHeader(check.header);
  if (timestamp === undefined || !/^\d{1,12}$/.test(timestamp) || signatures.length === 0)
    return { valid: false, reason: SignatureRejection.malformed };

  const expected = createHmac('sha256', check.secret).update(`${timestamp}.`).update(check.rawBody).digest();
  const matches = signatures.some((signature) => {
    if (signature.length !== sha256HexLength || !/^[0-9a-fA-F]+$/.test(signature)) return false;
    return timingSafeEqual(Buffer.from(signature, 'hex'), expected);
  });
  if (!matches) return { valid: false, reason: SignatureRejection.mismatch };

  // Judged only once the signature holds, so an unsigned request learns nothing about the clock.
  const ageSeconds = Math.abs(check.nowMs / 1000 - Number(timestamp));
  if (ageSeconds > check.toleranceSeconds) return { valid: false, reason: SignatureRejection.stale };
  return { valid: true };
}
