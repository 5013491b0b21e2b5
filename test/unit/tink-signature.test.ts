import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SignatureRejection, verifyTinkSignature } from '../../lib/webhooks/tink-signature';

const secret = 'unit-test-secret-not-a-real-one';
const body = Buffer.from('{"event":"refresh:finished","context":{"userId":"u1"}}');
const nowMs = 1_800_000_000_000;
const header = (t: number) =>
  `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body.toString()}`).digest('hex')}`;
const check = (signatureHeader: string | undefined, overrides: { nowMs?: number } = {}) =>
  verifyTinkSignature({
    header: signatureHeader,
    rawBody: body,
    secret,
    nowMs,
    toleranceSeconds: 300,
    ...overrides,
  });

describe('Function: verifyTinkSignature', () => {
  it('accepts a timestamp exactly at the tolerance, either way, and refuses one second past it', () => {
    const t = nowMs / 1000;
    expect(check(header(t - 300))).toEqual({ valid: true });
    expect(check(header(t + 300))).toEqual({ valid: true });
    expect(check(header(t - 301))).toEqual({ valid: false, reason: SignatureRejection.stale });
    expect(check(header(t + 301))).toEqual({ valid: false, reason: SignatureRejection.stale });
  });

  it('tries every v1 given, so a second signature during a secret rotation still verifies', () => {
    const valid = header(nowMs / 1000);
    expect(check(`${valid.replace(/v1=\w+/, `v1=${'0'.repeat(64)}`)},${valid.split(',')[1]}`)).toEqual({
      valid: true,
    });
  });

  it('says why it refused (for logs and metrics only)', () => {
    expect(check(undefined)).toEqual({ valid: false, reason: SignatureRejection.missing });
    expect(check('v1=abc')).toEqual({ valid: false, reason: SignatureRejection.malformed });
    expect(check(`t=1,v1=${'a'.repeat(10_000)}`)).toEqual({
      valid: false,
      reason: SignatureRejection.malformed,
    });
    expect(check(`t=${nowMs / 1000},v1=${'f'.repeat(64)}`)).toEqual({
      valid: false,
      reason: SignatureRejection.mismatch,
    });
  });
});
