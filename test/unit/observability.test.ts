import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { logger, redacted, redactLogValue, redactSecrets } from '../../lib/observability';
import { captureLogs } from '../support/logs';

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

describe('Function: redactSecrets', () => {
  const jwt = `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.eyJzdWIiOiJ4In0.c2lnbmF0dXJl`;

  it.each([
    ['a bare JWT', `token was ${jwt}, refused`, `token was ${redacted}, refused`],
    ['a JWE (five parts)', `got ${jwt}.aXY.dGFn`, `got ${redacted}`],
    ['access_token=', `access_token=abc&x=1`, `access_token=${redacted}&x=1`],
    ['refresh_token=', `refresh_token=abc def`, `refresh_token=${redacted} def`],
    ['id_token=', `ID_TOKEN=abc`, `ID_TOKEN=${redacted}`],
    ['client_secret=', `client_id=me&client_secret=s3cret`, `client_id=me&client_secret=${redacted}`],
    ['client_assertion=', `client_assertion=opaque;`, `client_assertion=${redacted};`],
    [
      'code=',
      `grant_type=authorization_code&code=one-time`,
      `grant_type=authorization_code&code=${redacted}`,
    ],
    [
      'a JSON member',
      `{"access_token": "opaque", "expires_in": 3600}`,
      `{"access_token": "${redacted}", "expires_in": 3600}`,
    ],
  ])('masks %s', (_name, text, expected) => {
    expect(redactSecrets(text)).toBe(expected);
  });

  it('leaves text without credentials alone, including words that merely end in "code"', () => {
    const text = 'status_code=500 errorcode=x.y user dec0de01 answered 404';
    expect(redactSecrets(text)).toBe(text);
  });
});

describe('Object: logger', () => {
  it('redacts credentials in the message, in error messages and in stacks', () => {
    const secret = randomBytes(16).toString('hex');
    const jwt = `eyJhbGciOiJSUzI1NiJ9.${randomBytes(12).toString('base64url')}.${randomBytes(32).toString('base64url')}`;
    const level = logger.getLevelName();
    logger.setLogLevel('DEBUG');
    const logs = captureLogs();
    try {
      const cause = new Error(`token endpoint said client_secret=${secret}`);
      logger.error(`refused ${jwt}`, { error: new Error(`sent code=${secret} and ${jwt}`, { cause }) });
    } finally {
      logs.restore();
      logger.setLogLevel(level);
    }
    const [record] = logs.records();
    expect(JSON.stringify(record)).toContain('"stack"');
    expect(logs.text()).toContain(redacted);
    expect(logs.text()).not.toContain(secret);
    expect(logs.text()).not.toContain(jwt);
  });
});
