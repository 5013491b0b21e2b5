// The four credential routes against the Tink simulator over HTTP and dynalite: response shapes,
// what a cache hit and a miss cost (provider calls and DynamoDB requests), invalidation after
// mutations, the short freshness while a refresh runs, and the one user token per user.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler as deleteCredential } from '../../../functions/tink/delete-credential';
import { handler as getCredential } from '../../../functions/tink/get-credential';
import { handler as listCredentials } from '../../../functions/tink/list-credentials';
import { handler as refreshCredential } from '../../../functions/tink/refresh-credential';
import {
  call,
  control,
  credentialPath,
  dynamoRequests,
  expectProblem,
  listCredentials as list,
  providerCalls,
  route,
  seedUser,
  startCounting,
} from './helpers';

interface Credential {
  id: string;
  status: string;
  [field: string]: unknown;
}

const get = (userId: string, credentialId: string, headers: Record<string, string> = {}) =>
  call(getCredential, {
    method: 'GET',
    path: credentialPath(userId, credentialId),
    pathParameters: { userId, credentialId },
    headers,
  });

const statusesOf = (response: { json: <T>() => T }) =>
  response.json<{ credentials: Credential[] }>().credentials.map((credential) => credential.status);

beforeEach(async () => {
  await control.reset();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('Route: GET /tink/users/{userId}/credentials', () => {
  it("answers 200 with Tink's list envelope, unknown fields kept, and fills the cache on a miss", async () => {
    // Prepare
    const { userId, credentialIds } = await seedUser([
      { status: 'UPDATED', providerName: 'se-demobank-password' },
      { status: 'TEMPORARY_ERROR' },
    ]);
    await list(userId); // mints the user token, so the miss below is measured on its own
    await control.setCredential(credentialIds[0] as string, { statusPayload: 'changed' });
    await startCounting();

    // Act
    const response = await list(userId, { 'Cache-Control': 'no-cache' });

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.headers['Content-Type']).toMatch(/^application\/json/);
    expect(response.headers['Cache-Status']).toMatch(/^open-banking-users; fwd=request; stored; ttl=\d+$/);
    expect(response.headers.Age).toBe('0');
    const body = response.json<{ credentials: Credential[] }>();
    expect(body.credentials.map((credential) => credential.id).sort()).toEqual([...credentialIds].sort());
    expect(body.credentials[0]).toMatchObject({
      id: expect.any(String),
      providerName: expect.any(String),
      type: 'PASSWORD',
      status: expect.any(String),
      statusUpdated: expect.any(Number),
      fields: expect.any(Object),
      sessionExpiryDate: expect.any(Number),
      userId,
    });
    expect(await providerCalls()).toEqual({ [route.list]: 1, total: 1 });
    expect(dynamoRequests.byOperation()).toEqual({ BatchGetItem: 1, PutItem: 1, GetItem: 1 });
  });

  it('reports a plain miss with the fresh TTL, then serves a hit with no provider call and one DynamoDB request', async () => {
    // Prepare
    const { userId } = await seedUser();

    // Act
    const miss = await list(userId);
    await startCounting();
    const hit = await list(userId);

    // Assess
    expect(miss.headers['Cache-Status']).toBe('open-banking-users; fwd=miss; stored; ttl=30');
    expect(hit.statusCode).toBe(200);
    expect(hit.headers['Cache-Status']).toMatch(/^open-banking-users; hit; ttl=(2[7-9]|30)$/);
    expect(hit.body).toBe(miss.body);
    expect(await providerCalls()).toEqual({ total: 0 });
    expect(dynamoRequests.total()).toBe(1);
    expect(dynamoRequests.byOperation()).toEqual({ BatchGetItem: 1 });
  });

  it('skips the cache on Cache-Control: no-cache and refills it, so the next plain read sees the change', async () => {
    // Prepare
    const { userId, credentialIds } = await seedUser();
    await list(userId);
    await control.setCredential(credentialIds[0] as string, { status: 'TEMPORARY_ERROR' });
    const cached = await list(userId);

    // Act
    await startCounting();
    const bypass = await list(userId, { 'Cache-Control': 'no-cache' });
    const after = await list(userId);

    // Assess
    expect(statusesOf(cached)).toEqual(['UPDATED']);
    expect(bypass.headers['Cache-Status']).toMatch(/^open-banking-users; fwd=request; stored; ttl=\d+$/);
    expect(statusesOf(bypass)).toEqual(['TEMPORARY_ERROR']);
    expect(after.headers['Cache-Status']).toMatch(/; hit; /);
    expect(statusesOf(after)).toEqual(['TEMPORARY_ERROR']);
    expect(await providerCalls()).toEqual({ [route.list]: 1, total: 1 });
  });

  it('keeps a list with a credential in progress fresh for 2 s and a settled one for 30 s', async () => {
    // Prepare: an UPDATING credential that stays UPDATING, and a settled one
    const busy = await seedUser([{ status: 'UPDATED' }, { status: 'UPDATING' }]);
    const settled = await seedUser([{ status: 'UPDATED' }]);
    const startMs = Date.now();
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(startMs);

    // Act
    const busyMiss = await list(busy.userId);
    const settledMiss = await list(settled.userId);
    vi.setSystemTime(startMs + 1_000);
    const busyHit = await list(busy.userId);
    vi.setSystemTime(startMs + 2_100);
    await startCounting();
    const busyExpired = await list(busy.userId);
    const settledStillFresh = await list(settled.userId);
    const callsAfter2s = await providerCalls();
    vi.setSystemTime(startMs + 30_100);
    const settledExpired = await list(settled.userId);

    // Assess
    expect(busyMiss.headers['Cache-Status']).toBe('open-banking-users; fwd=miss; stored; ttl=2');
    expect(settledMiss.headers['Cache-Status']).toBe('open-banking-users; fwd=miss; stored; ttl=30');
    expect(busyHit.headers['Cache-Status']).toMatch(/; hit; ttl=1$/);
    expect(busyHit.headers.Age).toBe('1');
    expect(busyExpired.headers['Cache-Status']).toMatch(/fwd=miss/);
    expect(settledStillFresh.headers['Cache-Status']).toMatch(/; hit; ttl=(2[5-8])$/);
    expect(callsAfter2s).toEqual({ [route.list]: 1, total: 1 });
    expect(settledExpired.headers['Cache-Status']).toMatch(/fwd=miss/);
  });

  it('keeps a list showing a DELETED credential fresh for 2 s only (Tink lists it until the deletion settles)', async () => {
    // Prepare: a credential Tink still lists as DELETED, under a frozen clock
    const { userId } = await seedUser([{ status: 'UPDATED' }, { status: 'DELETED' }]);
    const startMs = Date.now();
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(startMs);

    // Act
    const miss = await list(userId);
    vi.setSystemTime(startMs + 1_000);
    const stillFresh = await list(userId);
    // Past 2 s whatever the freshness jitter took off
    vi.setSystemTime(startMs + 2_100);
    await startCounting();
    const expired = await list(userId);

    // Assess
    expect(statusesOf(miss).sort()).toEqual(['DELETED', 'UPDATED']);
    expect(miss.headers['Cache-Status']).toBe('open-banking-users; fwd=miss; stored; ttl=2');
    expect(stillFresh.headers['Cache-Status']).toMatch(/; hit; ttl=1$/);
    expect(expired.headers['Cache-Status']).toMatch(/fwd=miss/);
    expect(await providerCalls()).toEqual({ [route.list]: 1, total: 1 });
  });

  it('answers 404 for a user Tink does not know, and caches nothing', async () => {
    // Act
    const userId = 'ffffffffffffffffffffffffffffffff';
    await startCounting();
    const response = await list(userId);
    const again = await list(userId);

    // Assess
    expectProblem(response, 404);
    expect(response.json()).toMatchObject({ provider: 'tink', providerStatus: 404 });
    expectProblem(again, 404);
    // Each miss takes the refill lease and, with nothing to fill, hands it back
    expect(dynamoRequests.byOperation()).toEqual({ BatchGetItem: 2, UpdateItem: 2, DeleteItem: 2 });
  });
});

describe('Route: GET /tink/users/{userId}/credentials/{credentialId}', () => {
  it("answers 200 with Tink's credential, then hits the cache", async () => {
    // Prepare
    const { userId, credentialIds } = await seedUser([{ status: 'UPDATED', type: 'MOBILE_BANKID' }]);
    const credentialId = credentialIds[0] as string;
    await list(userId); // the user token

    // Act
    await startCounting();
    const miss = await get(userId, credentialId);
    const missCalls = await providerCalls();
    const missRequests = dynamoRequests.byOperation();
    await startCounting();
    const hit = await get(userId, credentialId);

    // Assess
    expect(miss.statusCode).toBe(200);
    expect(miss.json()).toMatchObject({ id: credentialId, status: 'UPDATED', type: 'MOBILE_BANKID', userId });
    expect(miss.headers['Cache-Status']).toBe('open-banking-users; fwd=miss; stored; ttl=30');
    expect(missCalls).toEqual({ [route.get]: 1, total: 1 });
    expect(missRequests).toEqual({ BatchGetItem: 1, UpdateItem: 1, PutItem: 1, GetItem: 1 });
    expect(hit.body).toBe(miss.body);
    expect(hit.headers['Cache-Status']).toMatch(/; hit; /);
    expect(await providerCalls()).toEqual({ total: 0 });
    expect(dynamoRequests.byOperation()).toEqual({ BatchGetItem: 1 });
  });

  it('keeps a credential in progress fresh for 2 s only', async () => {
    const { userId, credentialIds } = await seedUser([{ status: 'AUTHENTICATING' }]);

    const response = await get(userId, credentialIds[0] as string);

    expect(response.headers['Cache-Status']).toBe('open-banking-users; fwd=miss; stored; ttl=2');
  });

  it("answers 404 for another user's or an unknown credential", async () => {
    // Prepare
    const owner = await seedUser();
    const other = await seedUser();

    // Act
    const foreign = await get(other.userId, owner.credentialIds[0] as string);
    const unknown = await get(owner.userId, 'c0ffee0000000000000000000000dead');

    // Assess
    expectProblem(foreign, 404);
    expectProblem(unknown, 404);
  });
});

describe('Route: DELETE /tink/users/{userId}/credentials/{credentialId}', () => {
  it('answers 204, invalidates the user with one UpdateItem, and the next read goes to Tink', async () => {
    // Prepare
    const { userId, credentialIds } = await seedUser([{ status: 'UPDATED' }, { status: 'UPDATED' }]);
    const [gone, kept] = credentialIds as [string, string];
    await list(userId);
    await get(userId, gone);

    // Act
    await startCounting();
    const response = await call(deleteCredential, {
      method: 'DELETE',
      path: credentialPath(userId, gone),
      pathParameters: { userId, credentialId: gone },
    });
    const deleteCalls = await providerCalls();
    const deleteRequests = dynamoRequests.byOperation();
    await startCounting();
    const after = await list(userId);
    const single = await get(userId, gone);

    // Assess
    expect(response.statusCode).toBe(204);
    expect(response.body).toBe('');
    expect(deleteCalls).toEqual({ [route.delete]: 1, total: 1 });
    expect(deleteRequests).toEqual({ UpdateItem: 1 });
    expect(after.headers['Cache-Status']).toMatch(/fwd=miss/);
    // Tink deletes asynchronously: the credential is either listed as DELETED or already gone.
    const listed = after.json<{ credentials: Credential[] }>().credentials;
    expect(listed.find((credential) => credential.id === kept)?.status).toBe('UPDATED');
    expect(listed.find((credential) => credential.id === gone)?.status ?? 'DELETED').toBe('DELETED');
    expect(single.statusCode === 404 || single.json<Credential>().status === 'DELETED').toBe(true);
    expect((await providerCalls())[route.list]).toBe(1);
  });

  it('answers 204 and invalidates when the answer to the delete was lost and the retry finds it gone', async () => {
    // Prepare: Tink deletes the credential, but the connection drops before its answer arrives
    const { userId, credentialIds } = await seedUser([{ status: 'UPDATED' }, { status: 'UPDATED' }]);
    const [gone] = credentialIds as [string, string];
    await list(userId);
    await control.injectFault(route.delete, { kind: 'drop-after-handling' }, 1);

    // Act
    const response = await call(deleteCredential, {
      method: 'DELETE',
      path: credentialPath(userId, gone),
      pathParameters: { userId, credentialId: gone },
    });
    const after = await list(userId);

    // Assess: the retry found it gone — success, and no stale list afterwards
    expect(response.statusCode).toBe(204);
    expect(after.headers['Cache-Status']).toMatch(/fwd=miss/);
    const listed = after.json<{ credentials: Credential[] }>().credentials;
    expect(listed.find((credential) => credential.id === gone)?.status ?? 'DELETED').toBe('DELETED');
  });

  it('answers 404 for an unknown credential and invalidates the user (a cached list must not show it)', async () => {
    const { userId } = await seedUser();
    await list(userId);
    await startCounting();

    const response = await call(deleteCredential, {
      method: 'DELETE',
      path: credentialPath(userId, 'c0ffee0000000000000000000000dead'),
      pathParameters: { userId, credentialId: 'c0ffee0000000000000000000000dead' },
    });

    expectProblem(response, 404);
    expect(dynamoRequests.byOperation()).toEqual({ UpdateItem: 1 });
    expect((await list(userId)).headers['Cache-Status']).toMatch(/fwd=miss; stored/);
  });
});

describe('Route: POST /tink/users/{userId}/credentials/{credentialId}/refresh', () => {
  it('answers 202, passes the options on, invalidates the user, and the next read shows the refresh under way', async () => {
    // Prepare
    const { userId, credentialIds } = await seedUser([{ status: 'UPDATED', refreshDurationMs: 60_000 }]);
    const credentialId = credentialIds[0] as string;
    await list(userId);

    // Act
    await startCounting();
    const response = await call(refreshCredential, {
      method: 'POST',
      path: `${credentialPath(userId, credentialId)}/refresh`,
      pathParameters: { userId, credentialId },
      body: {
        items: ['CHECKING_ACCOUNTS', 'CHECKING_TRANSACTIONS'],
        authenticate: false,
        appUri: 'https://app.example.com/done',
        userAvailability: { userAvailableForInteraction: false, userPresent: false },
      },
    });
    const refreshCalls = await providerCalls();
    const refreshRequests = dynamoRequests.byOperation();
    const after = await list(userId);

    // Assess
    expect(response.statusCode).toBe(202);
    expect(refreshCalls).toEqual({ [route.refresh]: 1, total: 1 });
    expect(refreshRequests).toEqual({ UpdateItem: 1 });
    const dump = await control.credential(credentialId);
    expect(dump.simulator.lastRefresh).toMatchObject({
      items: ['CHECKING_ACCOUNTS', 'CHECKING_TRANSACTIONS'],
      authenticate: false,
      body: {
        appUri: 'https://app.example.com/done',
        userAvailability: { userAvailableForInteraction: false, userPresent: false },
      },
    });
    expect(after.headers['Cache-Status']).toBe('open-banking-users; fwd=miss; stored; ttl=2');
    expect(statusesOf(after)).toEqual(['UPDATING']);
  });

  it('accepts no body at all', async () => {
    const { userId, credentialIds } = await seedUser();
    const credentialId = credentialIds[0] as string;

    const response = await call(refreshCredential, {
      method: 'POST',
      path: `${credentialPath(userId, credentialId)}/refresh`,
      pathParameters: { userId, credentialId },
    });

    expect(response.statusCode).toBe(202);
    expect((await control.credential(credentialId)).simulator.lastRefresh).toMatchObject({
      items: [],
      authenticate: false,
      body: null,
    });
  });

  it("passes Tink's refusal on: a credential that needs the user is a 400 with Tink's message", async () => {
    const { userId, credentialIds } = await seedUser([{ status: 'AUTHENTICATION_ERROR' }]);
    const credentialId = credentialIds[0] as string;

    const response = await call(refreshCredential, {
      method: 'POST',
      path: `${credentialPath(userId, credentialId)}/refresh`,
      pathParameters: { userId, credentialId },
      body: {},
    });

    const problem = expectProblem(response, 400);
    expect(problem.detail).toContain('authenticate=true');
    expect(response.json()).toMatchObject({ provider: 'tink', providerStatus: 400 });
  });

  it('answers 409 while a refresh is already in progress', async () => {
    const { userId, credentialIds } = await seedUser([{ status: 'UPDATING' }]);
    const credentialId = credentialIds[0] as string;

    const response = await call(refreshCredential, {
      method: 'POST',
      path: `${credentialPath(userId, credentialId)}/refresh`,
      pathParameters: { userId, credentialId },
    });

    expectProblem(response, 409);
  });
});

describe('Tink user token', () => {
  it('costs one grant and one exchange for ten operations on one user', async () => {
    // Prepare
    const { userId, credentialIds } = await seedUser([
      { status: 'UPDATED' },
      { status: 'UPDATED' },
      { status: 'UPDATED' },
    ]);
    const [first, second, third] = credentialIds as [string, string, string];
    const noCache = { 'Cache-Control': 'no-cache' };
    const before = await control.tokens();
    await startCounting();

    // Act: ten operations, each needing the user's token
    const statuses = [
      (await list(userId)).statusCode,
      (await list(userId, noCache)).statusCode,
      (await get(userId, first)).statusCode,
      (await get(userId, second, noCache)).statusCode,
      (await get(userId, third)).statusCode,
      (
        await call(refreshCredential, {
          method: 'POST',
          pathParameters: { userId, credentialId: first },
        })
      ).statusCode,
      (await list(userId)).statusCode,
      (
        await call(deleteCredential, {
          method: 'DELETE',
          pathParameters: { userId, credentialId: third },
        })
      ).statusCode,
      (await list(userId, noCache)).statusCode,
      (await get(userId, second, noCache)).statusCode,
    ];

    // Assess
    expect(statuses).toEqual([200, 200, 200, 200, 200, 202, 200, 204, 200, 200]);
    const calls = await providerCalls();
    expect(calls[route.grant]).toBe(1);
    const after = await control.tokens();
    expect(after.issued.authorization_code - before.issued.authorization_code).toBe(1);
    expect(calls[route.clientToken]).toBe(
      after.issued.client_credentials - before.issued.client_credentials + 1,
    );
  });

  it('mints a new user token once when Tink refuses the cached one', async () => {
    // Prepare
    const { userId } = await seedUser();
    await list(userId);
    await control.expireTokens('user');
    await startCounting();

    // Act
    const response = await list(userId, { 'Cache-Control': 'no-cache' });

    // Assess
    expect(response.statusCode).toBe(200);
    const calls = await providerCalls();
    expect(calls[route.list]).toBe(2);
    expect(calls[route.grant]).toBe(1);
  });
});

describe('Tink credential routes: input validation', () => {
  const tooLong = 'a'.repeat(129);

  it.each([
    ['dot-dot', '..'],
    ['an encoded slash', '..%2F..%2Fuser%2Fdelete'],
    ['a plain slash', 'abc/def'],
    ['too long', tooLong],
    ['unicode', 'ǘser'],
    ['an encoded unicode', '%C3%BCser'],
    ['empty', ''],
  ])('refuses a user id that is %s with 400 and calls nothing', async (_label, userId) => {
    await startCounting();

    const responses = [
      await list(userId),
      await get(userId, 'c0ffee00000000000000000000000011'),
      await call(deleteCredential, {
        method: 'DELETE',
        pathParameters: { userId, credentialId: 'c0ffee00000000000000000000000011' },
      }),
    ];

    for (const response of responses) {
      const problem = expectProblem(response, 400);
      expect(problem.type).toMatch(/invalid-request$/);
    }
    expect(await providerCalls()).toEqual({ total: 0 });
    expect(dynamoRequests.total()).toBe(0);
  });

  it.each([
    ['dot-dot', '..'],
    ['an encoded slash', 'x%2F..%2Flist'],
    ['too long', tooLong],
    ['unicode', 'crédential'],
  ])('refuses a credential id that is %s with 400 and calls nothing', async (_label, credentialId) => {
    await startCounting();
    const userId = 'dec0de00000000000000000000000001';

    const responses = [
      await get(userId, credentialId),
      await call(deleteCredential, { method: 'DELETE', pathParameters: { userId, credentialId } }),
      await call(refreshCredential, { method: 'POST', pathParameters: { userId, credentialId } }),
    ];

    for (const response of responses) expectProblem(response, 400);
    expect(await providerCalls()).toEqual({ total: 0 });
    expect(dynamoRequests.total()).toBe(0);
  });

  it.each([
    ['an unknown key', { force: true }],
    ['items that are not Tink items', { items: ['checking accounts'] }],
    ['items that are not a list', { items: 'CHECKING_ACCOUNTS' }],
    ['authenticate as a string', { authenticate: 'yes' }],
    ['an appUri that is no URL', { appUri: 'not a url' }],
    ['an incomplete userAvailability', { userAvailability: { userPresent: true } }],
    [
      'an unknown key in userAvailability',
      { userAvailability: { userAvailableForInteraction: true, userPresent: true, x: 1 } },
    ],
    [
      'an originatingUserIp that is no IP',
      {
        userAvailability: {
          userAvailableForInteraction: true,
          userPresent: true,
          originatingUserIp: 'localhost',
        },
      },
    ],
    ['a JSON array', []],
    ['text that is not JSON', '{items:'],
  ])('refuses a refresh body with %s with 400 and calls nothing', async (_label, body) => {
    const userId = 'dec0de00000000000000000000000001';
    const credentialId = 'c0ffee00000000000000000000000011';
    await startCounting();

    const response = await call(refreshCredential, {
      method: 'POST',
      pathParameters: { userId, credentialId },
      body,
    });

    expectProblem(response, 400);
    expect(await providerCalls()).toEqual({ total: 0 });
  });

  it('refuses query parameters the routes do not define', async () => {
    await startCounting();

    const response = await call(listCredentials, {
      method: 'GET',
      pathParameters: { userId: 'dec0de00000000000000000000000001' },
      query: { limit: '10' },
    });

    const problem = expectProblem(response, 400);
    expect(problem.detail).toContain('query');
    expect(await providerCalls()).toEqual({ total: 0 });
    expect(dynamoRequests.total()).toBe(0);
  });
});
