// Provider free text never carries a credential to our caller or our logs: a provider 4xx whose
// message echoes a token and a client secret reaches the caller summarised and redacted, and no
// log line of the invocation holds either (captured at DEBUG).
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { handler as createUser } from '../../functions/tink/create-user';
import { type CapturedLogs, captureLogs } from '../support/logs';
import { call, control, expectProblem, route } from './tink/helpers';

const base64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');
/** A JWT-shaped token of this run only (a random payload and signature). */
const plantedJwt = () =>
  [
    base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' })),
    base64url(JSON.stringify({ sub: randomBytes(8).toString('hex') })),
    base64url(randomBytes(32)),
  ].join('.');

// The logger reads its level when it is built and returns to it at every warm invocation: DEBUG
// must be set before the handler is imported.
const previousLevel = vi.hoisted(() => {
  const previous = process.env.POWERTOOLS_LOG_LEVEL;
  process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';
  return previous;
});
afterAll(() => {
  if (previousLevel === undefined) delete process.env.POWERTOOLS_LOG_LEVEL;
  else process.env.POWERTOOLS_LOG_LEVEL = previousLevel;
});

let logs: CapturedLogs | undefined;
afterEach(async () => {
  logs?.restore();
  logs = undefined;
  await control.reset();
});

describe('Provider free text', () => {
  it('reaches the caller redacted and bounded, and no log line holds the planted token or secret', async () => {
    // Prepare: Tink refuses the request and quotes what it was sent
    const accessToken = plantedJwt();
    const bareJwt = plantedJwt();
    const clientSecret = randomBytes(16).toString('hex');
    const code = randomBytes(12).toString('hex');
    const message = `market must be ISO 3166-1; got access_token=${accessToken}&client_secret=${clientSecret} code=${code} with ${bareJwt} ${'x'.repeat(1000)}`;
    await control.injectFault(
      route.createUser,
      { kind: 'status', status: 400, body: { errorMessage: message, errorCode: 'request.invalid' } },
      1,
    );
    logs = captureLogs();

    // Act
    const response = await call(createUser, { method: 'POST', path: '/tink/users', body: { market: 'SE' } });
    logs.restore();

    // Assess
    const problem = expectProblem(response, 400);
    expect(problem.detail).toContain('market must be ISO 3166-1');
    expect(problem.detail).toContain('access_token=[REDACTED]');
    expect(problem.detail.length).toBeLessThan(400);
    const logText = logs.text();
    expect(logs.records().length).toBeGreaterThan(0);
    for (const secret of [accessToken, bareJwt, clientSecret, code]) {
      expect(response.body).not.toContain(secret);
      expect(logText).not.toContain(secret);
    }
  });
});
