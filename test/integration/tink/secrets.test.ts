// Secret hygiene across every Tink route, at DEBUG log level: no access token, authorization code or
// client secret reaches a log line, an error body, or the cache table — including on failures.
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler as createAuthorization } from '../../../functions/tink/create-authorization';
import { handler as createUser } from '../../../functions/tink/create-user';
import { handler as deleteCredential } from '../../../functions/tink/delete-credential';
import { handler as deleteUser } from '../../../functions/tink/delete-user';
import { handler as getCredential } from '../../../functions/tink/get-credential';
import { handler as getUserAccessToken } from '../../../functions/tink/get-user-access-token';
import { handler as listCredentials } from '../../../functions/tink/list-credentials';
import { handler as refreshCredential } from '../../../functions/tink/refresh-credential';
import { tinkClient } from '../../../lib/providers/tink';
import { dynamoDocumentClient } from '../../../lib/table/client';
import type { HandlerResponse } from '../../support/events';
import { type CapturedLogs, captureLogs } from '../../support/logs';
import { call, control, route } from './helpers';

// The logger reads its settings once, when it is built (and returns to them at every invocation):
// DEBUG, and logging every event, must be in place before the handlers are imported.
const previousEnv = vi.hoisted(() => {
  const previous = {
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL,
    POWERTOOLS_LOGGER_LOG_EVENT: process.env.POWERTOOLS_LOGGER_LOG_EVENT,
  };
  process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';
  process.env.POWERTOOLS_LOGGER_LOG_EVENT = 'true';
  return previous;
});
let logs: CapturedLogs;

afterAll(() => {
  for (const [name, value] of Object.entries(previousEnv)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

beforeEach(async () => {
  await control.reset();
  // Every token this process uses must be minted during the test, so the simulator lists it.
  tinkClient().forgetAllTokens();
  logs = captureLogs();
});

afterEach(async () => {
  logs.restore();
  await control.clearFaults();
});

describe('Tink routes: secret hygiene', () => {
  it('never logs, returns in an error, or stores a token, a code or the client secret', async () => {
    // Act: every route, successes and failures
    const responses: HandlerResponse[] = [];
    const created = await call(createUser, { method: 'POST', path: '/tink/users', body: { market: 'SE' } });
    responses.push(created);
    const { userId } = created.json<{ userId: string }>();
    const [credentialId, spare] = (await control.addCredentials(userId, [
      { status: 'UPDATED' },
      { status: 'UPDATED' },
    ])) as [string, string];
    const granted = await call(createAuthorization, {
      method: 'POST',
      pathParameters: { userId },
      body: { scope: ['credentials:read'] },
    });
    responses.push(granted);
    const { code } = granted.json<{ code: string }>();
    responses.push(await call(getUserAccessToken, { method: 'POST', body: { code } }));
    responses.push(await call(getUserAccessToken, { method: 'POST', body: { code } })); // spent: 400
    responses.push(await call(listCredentials, { method: 'GET', pathParameters: { userId } }));
    responses.push(await call(getCredential, { method: 'GET', pathParameters: { userId, credentialId } }));
    await control.injectFault(route.list, { kind: 'status', status: 401 });
    responses.push(
      await call(listCredentials, {
        method: 'GET',
        pathParameters: { userId },
        headers: { 'Cache-Control': 'no-cache' },
      }),
    );
    await control.clearFaults();
    await control.injectFault(route.get, { kind: 'status', status: 403 }, 1);
    responses.push(
      await call(getCredential, {
        method: 'GET',
        pathParameters: { userId, credentialId },
        headers: { 'Cache-Control': 'no-cache' },
      }),
    );
    responses.push(
      await call(refreshCredential, { method: 'POST', pathParameters: { userId, credentialId } }),
    );
    responses.push(
      await call(deleteCredential, { method: 'DELETE', pathParameters: { userId, credentialId: spare } }),
    );
    responses.push(await call(deleteUser, { method: 'DELETE', pathParameters: { userId } }));
    responses.push(await call(deleteUser, { method: 'DELETE', pathParameters: { userId } })); // gone: 404

    // Assess
    expect(responses.map((response) => response.statusCode)).toEqual([
      201, 201, 200, 400, 200, 200, 502, 502, 202, 204, 204, 404,
    ]);
    const issued = await control.issuedValues();
    const tokenResponse = responses[2]?.json<{ accessToken: string }>();
    expect(issued).toContain(tokenResponse?.accessToken);
    expect(issued).toContain(code);
    const secrets = [...issued, process.env.TINK_CLIENT_SECRET as string];
    expect(secrets.length).toBeGreaterThan(6);

    const logText = logs.text();
    expect(logs.records().some((record) => record.level === 'DEBUG')).toBe(true);
    expect(logText).toContain('Minted a Tink user token');
    // Events are logged (POWERTOOLS_LOGGER_LOG_EVENT), except the token route's, which carries a code.
    const events = logs.records().filter((record) => record.message === 'Lambda invocation event');
    expect(events).toHaveLength(responses.length - 2);
    for (const secret of secrets) expect(logText).not.toContain(secret);

    const errorBodies = responses.filter((response) => response.statusCode >= 400).map((r) => r.body);
    for (const secret of secrets) for (const body of errorBodies) expect(body).not.toContain(secret);

    const table = JSON.stringify(
      (await dynamoDocumentClient().send(new ScanCommand({ TableName: process.env.CACHE_TABLE_NAME }))).Items,
    );
    for (const secret of secrets) expect(table).not.toContain(secret);
  });
});
