import { describe, expect, it } from 'vitest';
import { redacted, redactLogValue } from '../../lib/observability';

describe('Function: redactLogValue', () => {
  it.each([
    ['authorization', 'Bearer abc.def'],
    ['accessToken', 'eyJhbGciOi'],
    ['access_token', 'opaque'],
    ['client_secret', 's3cret'],
    ['client_assertion', 'eyJ...'],
    ['privateJwk', { d: 'x' }],
    ['code', 'one-time-code'],
  ])('masks the attribute %s', (key, value) => {
    expect(redactLogValue(key, value)).toBe(redacted);
  });

  it('masks bearer and basic credentials inside any string', () => {
    expect(redactLogValue('message', 'sent Authorization: Bearer abc.def-ghi to tink')).toBe(
      `sent Authorization: Bearer ${redacted} to tink`,
    );
    expect(redactLogValue('detail', 'Basic dXNlcjpwYXNz')).toBe(`Basic ${redacted}`);
  });

  it('leaves ordinary attributes alone', () => {
    expect(redactLogValue('userId', 'dec0de01')).toBe('dec0de01');
    expect(redactLogValue('status', 200)).toBe(200);
    expect(redactLogValue('providerRequestId', 'abc-123')).toBe('abc-123');
  });
});
