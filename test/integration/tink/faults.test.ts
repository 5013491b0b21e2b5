// Tink failing in every way the simulator can fail: each fault maps to its status (docs/architecture.md) as
// problem+json, nothing is cached, retries happen only where they are safe, and a stale entry stands
// in for a failing Tink inside its stale window (and not after it).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler as deleteCredential } from '../../../functions/tink/delete-credential';
import { handler as getCredential } from '../../../functions/tink/get-credential';
import { handler as listCredentials } from '../../../functions/tink/list-credentials';
import { handler as refreshCredential } from '../../../functions/tink/refresh-credential';
import type { Fault } from '../../../local/simulators/harness';
import { lambdaContext } from '../../support/events';
import {
  call,
  control,
  credentialPath,
  credentialsPath,
  dynamoRequests,
  expectProblem,
  providerCalls,
  route,
  seedUser,
  startCounting,
} from './helpers';

const list = (userId: string, remainingMs?: number) =>
  call(
    listCredentials,
    { method: 'GET', path: credentialsPath(userId), pathParameters: { userId } },
    lambdaContext({ remainingMs }),
  );

/** A fresh user whose token is already minted (through a read that does not cache the list). */
async function userWithToken() {
  const user = await seedUser([{ status: 'UPDATED' }]);
  const credentialId = user.credentialIds[0] as string;
  const warm = await call(getCredential, {
    method: 'GET',
    pathParameters: { userId: user.userId, credentialId },
  });
  expect(warm.statusCode).toBe(200);
  return { userId: user.userId, credentialId };
}

beforeEach(async () => {
  await control.reset();
});

afterEach(async () => {
  vi.useRealTimers();
  await control.clearFaults();
});

describe('Route: GET /tink/users/{userId}/credentials — Tink faults', () => {
  it.each<{ label: string; fault: Fault; status: number; listCalls: number; retryAfter?: string }>([
    {
      label: '429 with a Retry-After beyond the cap: answered at once, Retry-After passed on',
      fault: { kind: 'rate-limit', retryAfterSeconds: 30 },
      status: 429,
      listCalls: 1,
      retryAfter: '30',
    },
    {
      label: '429 without Retry-After: retried with backoff, then 429',
      fault: { kind: 'rate-limit' },
      status: 429,
      listCalls: 3,
      retryAfter: '1',
    },
    { label: '500: not retried, 502', fault: { kind: 'status', status: 500 }, status: 502, listCalls: 1 },
    { label: '502: retried, then 502', fault: { kind: 'status', status: 502 }, status: 502, listCalls: 3 },
    { label: '503: retried, then 502', fault: { kind: 'status', status: 503 }, status: 502, listCalls: 3 },
    { label: '504: retried, then 502', fault: { kind: 'status', status: 504 }, status: 502, listCalls: 3 },
    { label: 'a dropped connection: retried, then 502', fault: { kind: 'drop' }, status: 502, listCalls: 3 },
    { label: 'malformed JSON: 502', fault: { kind: 'malformed' }, status: 502, listCalls: 1 },
    {
      label: 'JSON that violates the schema: 502',
      fault: { kind: 'schema-violation' },
      status: 502,
      listCalls: 1,
    },
    {
      label: 'a credential without an id: 502',
      fault: { kind: 'schema-violation', body: { credentials: [{ status: 'UPDATED' }] } },
      status: 502,
      listCalls: 1,
    },
    {
      label: '401 on our token: one new token, then 502',
      fault: { kind: 'status', status: 401 },
      status: 502,
      listCalls: 2,
    },
    { label: '403 on our token: 502', fault: { kind: 'status', status: 403 }, status: 502, listCalls: 1 },
  ])('$label, and caches nothing', async ({ fault, status, listCalls, retryAfter }) => {
    // Prepare
    const { userId } = await userWithToken();
    await control.injectFault(route.list, fault);
    await startCounting();

    // Act
    const response = await list(userId);
    const calls = await providerCalls();
    const requests = dynamoRequests.byOperation();
    await control.clearFaults();
    const next = await list(userId);

    // Assess
    const problem = expectProblem(response, status);
    expect(response.json()).toMatchObject({ provider: 'tink' });
    expect(response.headers['Retry-After']).toBe(retryAfter);
    expect(response.headers['Cache-Status']).toBeUndefined();
    expect(calls[route.list]).toBe(listCalls);
    expect(requests).toEqual({ BatchGetItem: 1, UpdateItem: 1, DeleteItem: 1 }); // the lease taken and handed back
    expect(next.headers['Cache-Status']).toBe('open-banking-users; fwd=miss; stored; ttl=30');
    if (status === 502 && fault.kind === 'status' && (fault.status === 401 || fault.status === 403)) {
      expect(problem.detail).toMatch(/refused this service's credentials/);
      expect(problem.detail).not.toMatch(/token|scope|Injected/i);
    }
  });

  it('answers 504 when Tink hangs past the deadline derived from the Lambda, after one attempt', async () => {
    // Prepare
    const { userId } = await userWithToken();
    await control.injectFault(route.list, { kind: 'hang' });
    await startCounting();
    const startedMs = Date.now();

    // Act
    const response = await list(userId, 1500);

    // Assess
    const elapsedMs = Date.now() - startedMs;
    expectProblem(response, 504);
    expect(elapsedMs).toBeLessThan(1500);
    expect((await providerCalls())[route.list]).toBe(1);
    expect(dynamoRequests.byOperation()).toEqual({ BatchGetItem: 1, UpdateItem: 1, DeleteItem: 1 });
  });

  it('waits out a short Retry-After and answers 200', async () => {
    const { userId } = await userWithToken();
    await control.injectFault(route.list, { kind: 'rate-limit', retryAfterSeconds: 1 }, 1);
    await startCounting();
    const startedMs = Date.now();

    const response = await list(userId);

    expect(response.statusCode).toBe(200);
    expect(Date.now() - startedMs).toBeGreaterThanOrEqual(1000);
    expect((await providerCalls())[route.list]).toBe(2);
  });

  it('recovers from one dropped connection with a retry', async () => {
    const { userId } = await userWithToken();
    await control.injectFault(route.list, { kind: 'drop' }, 1);
    await startCounting();

    const response = await list(userId);

    expect(response.statusCode).toBe(200);
    expect((await providerCalls())[route.list]).toBe(2);
  });

  const exchangeRefusal = {
    error: 'invalid_client',
    error_description: 'Client authentication failed for local-tink-client',
  };
  const grantRefusal = {
    errorMessage: 'The access token lacks the scope authorization:grant',
    errorCode: 'authorization.forbidden',
  };
  it.each<{ label: string; routeKey: string; status: number; body: unknown }>([
    { label: 'the code exchange', routeKey: route.clientToken, status: 401, body: exchangeRefusal },
    { label: 'the code exchange', routeKey: route.clientToken, status: 403, body: exchangeRefusal },
    { label: 'the authorization grant', routeKey: route.grant, status: 401, body: grantRefusal },
    { label: 'the authorization grant', routeKey: route.grant, status: 403, body: grantRefusal },
  ])(
    'answers 502 without echoing Tink when Tink refuses our credentials with $status at $label',
    async ({ routeKey, status, body }) => {
      // Prepare: a user with no token yet, so one must be minted
      const { userId } = await seedUser();
      await control.injectFault(routeKey, { kind: 'status', status, body });

      // Act
      const response = await list(userId);

      // Assess
      const problem = expectProblem(response, 502);
      expect(response.json()).toMatchObject({ provider: 'tink', providerStatus: status });
      expect(response.body).not.toMatch(
        /invalid_client|authentication failed|lacks the scope|local-tink-client/i,
      );
      expect(problem.type).toMatch(/provider-credentials-rejected$/);
    },
  );
});

describe('Tink mutations — Tink faults', () => {
  it('answers 502 for a delete Tink keeps failing, and invalidates the user anyway (outcome unknown)', async () => {
    // Prepare
    const { userId, credentialId } = await userWithToken();
    await list(userId);
    await control.injectFault(route.delete, { kind: 'status', status: 503 });
    await startCounting();

    // Act
    const response = await call(deleteCredential, {
      method: 'DELETE',
      path: credentialPath(userId, credentialId),
      pathParameters: { userId, credentialId },
    });

    // Assess
    expectProblem(response, 502);
    expect((await providerCalls())[route.delete]).toBe(3);
    expect(dynamoRequests.byOperation()).toEqual({ UpdateItem: 1 });
    await control.clearFaults();
    expect((await list(userId)).headers['Cache-Status']).toMatch(/fwd=miss; stored/);
  });

  it('answers 429 with Retry-After for a rate-limited refresh, sent once, and invalidates nothing', async () => {
    // Prepare
    const { userId, credentialId } = await userWithToken();
    await control.injectFault(route.refresh, { kind: 'rate-limit', retryAfterSeconds: 60 });
    await startCounting();

    // Act
    const response = await call(refreshCredential, {
      method: 'POST',
      pathParameters: { userId, credentialId },
      body: { items: ['CHECKING_ACCOUNTS'] },
    });

    // Assess
    expectProblem(response, 429);
    expect(response.headers['Retry-After']).toBe('60');
    expect((await providerCalls())[route.refresh]).toBe(1);
    expect(dynamoRequests.total()).toBe(0);
  });

  it('acts once when a refresh is retried after the connection dropped', async () => {
    const { userId, credentialId } = await userWithToken();
    await control.clearRefreshes();
    await control.injectFault(route.refresh, { kind: 'drop-after-handling' }, 1);
    await startCounting();

    const response = await call(refreshCredential, {
      method: 'POST',
      pathParameters: { userId, credentialId },
    });

    expect(response.statusCode).toBe(202);
    expect((await providerCalls())[route.refresh]).toBe(2);
    expect(await control.refreshes()).toEqual({ [credentialId]: 1 });
  });
});

describe('Stale-if-error', () => {
  /**
   * A user whose list was cached at `startMs` of a test clock. Only Date is faked; with `advancing`
   * it moves on in real time from each instant set (timeouts need the deadline to pass for real).
   */
  async function filledAt(startMs: number, advancing = false) {
    const { userId } = await userWithToken();
    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: advancing });
    vi.setSystemTime(startMs);
    const filled = await list(userId);
    expect(filled.headers['Cache-Status']).toMatch(/fwd=miss; stored/);
    return { userId, filled };
  }

  it('serves the expired entry marked fwd=stale when Tink fails inside the stale window', async () => {
    // Prepare
    const startMs = Date.now();
    const { userId, filled } = await filledAt(startMs);
    vi.setSystemTime(startMs + 31_000);
    await control.injectFault(route.list, { kind: 'status', status: 503 });
    await startCounting();

    // Act
    const stale = await list(userId);

    // Assess
    expect(stale.statusCode).toBe(200);
    expect(stale.headers['Cache-Status']).toMatch(
      /^open-banking-users; fwd=stale; ttl=-\d+; detail=stale-if-error$/,
    );
    expect(stale.headers.Age).toBe('31');
    expect(stale.body).toBe(filled.body);
    expect((await providerCalls())[route.list]).toBe(3);
    // The refill lease taken on the entry and handed back (the entry itself untouched)
    expect(dynamoRequests.byOperation()).toEqual({ BatchGetItem: 1, UpdateItem: 2 });
  });

  it('also stands in for a timeout and a malformed answer', async () => {
    const startMs = Date.now();
    const { userId } = await filledAt(startMs, true);
    vi.setSystemTime(startMs + 60_000);

    await control.injectFault(route.list, { kind: 'malformed' }, 1);
    const malformed = await list(userId);
    await control.injectFault(route.list, { kind: 'hang' });
    const timedOut = await list(userId, 1500);

    expect(malformed.headers['Cache-Status']).toMatch(/fwd=stale/);
    expect(timedOut.headers['Cache-Status']).toMatch(/fwd=stale/);
  });

  it('answers the error once the stale window has passed', async () => {
    // Prepare
    const startMs = Date.now();
    const { userId } = await filledAt(startMs);
    vi.setSystemTime(startMs + (30 + 600 + 2) * 1000);
    await control.injectFault(route.list, { kind: 'status', status: 503 });

    // Act
    const response = await list(userId);

    // Assess
    expectProblem(response, 502);
  });

  it('never stands in for a 404, nor for a no-cache request', async () => {
    // Prepare
    const startMs = Date.now();
    const { userId } = await filledAt(startMs);
    vi.setSystemTime(startMs + 31_000);

    // Act
    await control.injectFault(route.list, { kind: 'status', status: 404 }, 1);
    const notFound = await list(userId);
    await control.injectFault(route.list, { kind: 'status', status: 500 }, 1);
    const bypass = await call(listCredentials, {
      method: 'GET',
      pathParameters: { userId },
      headers: { 'Cache-Control': 'no-cache' },
    });

    // Assess
    expectProblem(notFound, 404);
    expectProblem(bypass, 502);
  });
});
