// Provider failures injected at the Moneyhub simulator, each answered with its status (docs/architecture.md) as
// problem+json and nothing cached; stale entries served inside their window when the failure is
// the provider's (5xx, network, timeout, 429), never for a 4xx.
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Fault } from '../../../local/simulators/harness';
import { lambdaContext } from '../../support/events';
import {
  api,
  cachePartition,
  control,
  expectProblem,
  providerCalls,
  resetWorld,
  route,
  seedUser,
  startCounting,
  warmTokens,
} from './helpers';

beforeAll(async () => {
  await resetWorld();
  await warmTokens();
});

beforeEach(async () => {
  await resetWorld();
});

afterEach(async () => {
  vi.useRealTimers();
  await control.clearFaults();
});

const attempts = 3; // PROVIDER_MAX_ATTEMPTS

interface FaultCase {
  name: string;
  fault: Fault;
  status: number;
  calls: number;
  providerStatus?: number;
}

const faultCases: FaultCase[] = [
  { name: '500', fault: { kind: 'status', status: 500 }, status: 502, calls: 1, providerStatus: 500 },
  { name: '502', fault: { kind: 'status', status: 502 }, status: 502, calls: attempts, providerStatus: 502 },
  { name: '503', fault: { kind: 'status', status: 503 }, status: 502, calls: attempts, providerStatus: 503 },
  { name: 'a dropped connection', fault: { kind: 'drop' }, status: 502, calls: attempts },
  { name: 'malformed JSON', fault: { kind: 'malformed' }, status: 502, calls: 1, providerStatus: 200 },
  {
    name: 'schema-violating JSON',
    fault: { kind: 'schema-violation', body: { data: [{ name: 'no id' }] } },
    status: 502,
    calls: 1,
    providerStatus: 200,
  },
  {
    name: '403 on our credentials',
    fault: { kind: 'status', status: 403 },
    status: 502,
    calls: 1,
    providerStatus: 403,
  },
];

const readRoutes = [
  { name: 'GET /moneyhub/users/{userId}', key: route.getUser, read: (userId: string) => api.getUser(userId) },
  {
    name: 'GET /moneyhub/users/{userId}/connections',
    key: route.connections,
    read: (userId: string) => api.listConnections(userId),
  },
  {
    name: 'GET /moneyhub/users/{userId}/syncs',
    key: route.syncs,
    read: (userId: string) => api.listSyncs(userId, { limit: '5' }),
  },
];

for (const target of readRoutes) {
  describe(`Route: ${target.name}`, () => {
    it.each(faultCases)(
      'answers $status problem+json for $name at the provider, and caches nothing',
      async ({ fault, status, calls, providerStatus }) => {
        // Prepare
        const seeded = await seedUser();
        await control.injectFault(target.key, fault);
        await startCounting();

        // Act
        const response = await target.read(seeded.userId);
        const callsMade = await providerCalls();
        await control.clearFaults();
        const after = await target.read(seeded.userId);

        // Assess
        const problem = expectProblem(response, status);
        expect(problem.provider).toBe('moneyhub');
        if (providerStatus !== undefined) expect(problem.providerStatus).toBe(providerStatus);
        expect(callsMade[target.key]).toBe(calls);
        expect(after.statusCode).toBe(200);
        expect(after.headers['Cache-Status']).toMatch(/fwd=miss; stored/);
      },
    );
  });
}

describe('Route: GET /moneyhub/users/{userId} (rate limits, deadlines, credentials)', () => {
  it('answers 429 with Retry-After when Moneyhub asks for a wait longer than the retry cap', async () => {
    // Prepare
    const seeded = await seedUser();
    await control.injectFault(route.getUser, { kind: 'rate-limit', retryAfterSeconds: 30 });
    await startCounting();

    // Act
    const response = await api.getUser(seeded.userId);

    // Assess
    const problem = expectProblem(response, 429);
    expect(problem).toMatchObject({ provider: 'moneyhub', providerStatus: 429 });
    expect(response.headers['Retry-After']).toBe('30');
    expect(await providerCalls()).toEqual({ [route.getUser]: 1, total: 1 });
    expect(await cachePartition(seeded.userId)).toEqual([]);
  });

  it('waits out a short Retry-After and answers 200', async () => {
    // Prepare
    const seeded = await seedUser();
    await control.injectFault(route.getUser, { kind: 'rate-limit', retryAfterSeconds: 1 }, 1);
    const startedMs = Date.now();

    // Act
    const response = await api.getUser(seeded.userId);

    // Assess
    expect(response.statusCode).toBe(200);
    expect(Date.now() - startedMs).toBeGreaterThanOrEqual(1000);
  });

  it('retries a 503 and answers 200 when the next attempt succeeds', async () => {
    // Prepare
    const seeded = await seedUser();
    await control.injectFault(route.getUser, { kind: 'status', status: 503 }, 1);
    await startCounting();

    // Act
    const response = await api.getUser(seeded.userId);

    // Assess
    expect(response.statusCode).toBe(200);
    expect(await providerCalls()).toEqual({ [route.getUser]: 2, total: 2 });
  });

  it('answers 504 before the Lambda runs out when Moneyhub hangs, and caches nothing', async () => {
    // Prepare
    const seeded = await seedUser();
    await control.injectFault(route.getUser, { kind: 'hang' });
    const startedMs = Date.now();

    // Act
    const response = await api.getUser(seeded.userId, { context: lambdaContext({ remainingMs: 1500 }) });

    // Assess
    const elapsedMs = Date.now() - startedMs;
    expect(expectProblem(response, 504).provider).toBe('moneyhub');
    expect(elapsedMs).toBeLessThan(1500);
    expect(await cachePartition(seeded.userId)).toEqual([]);
  });

  it('answers 504, not 500, when the Lambda itself is about to time out', async () => {
    // Prepare: a generous budget when the handler derives its provider deadline, 300 ms left when
    // middy looks right after, so the function's own timeout fires first
    const seeded = await seedUser();
    await control.injectFault(route.getUser, { kind: 'hang' });
    const context = lambdaContext();
    let asked = 0;
    context.getRemainingTimeInMillis = () => (asked++ === 0 ? 10_000 : 300);

    // Act
    const response = await api.getUser(seeded.userId, { context });

    // Assess
    expect(expectProblem(response, 504).title).toBe('The request ran out of time');
  });

  it('answers 502 for a 401 on our token that a fresh token does not cure, without echoing the provider', async () => {
    // Prepare
    const seeded = await seedUser();
    await control.injectFault(route.getUser, {
      kind: 'status',
      status: 401,
      body: { code: 'Unauthorized', message: 'token abc is revoked for client x' },
    });
    await startCounting();

    // Act
    const response = await api.getUser(seeded.userId);

    // Assess: the token was dropped and one fresh token tried before giving up
    const problem = expectProblem(response, 502);
    expect(problem).toMatchObject({ provider: 'moneyhub', providerStatus: 401 });
    expect(response.body).not.toContain('revoked');
    expect(await providerCalls()).toEqual({ [route.token]: 1, [route.getUser]: 2, total: 3 });
    expect(await cachePartition(seeded.userId)).toEqual([]);
  });

  it('recovers from an expired token with one fresh token', async () => {
    // Prepare
    const seeded = await seedUser();
    await control.expireTokens();
    await startCounting();

    // Act
    const response = await api.getUser(seeded.userId);

    // Assess
    expect(response.statusCode).toBe(200);
    expect(await providerCalls()).toEqual({ [route.token]: 1, [route.getUser]: 2, total: 3 });
  });

  it('answers 502 when the token endpoint refuses our client, without echoing its reasons', async () => {
    // Prepare
    const seeded = await seedUser();
    await control.expireTokens();
    await control.injectFault(route.token, {
      kind: 'status',
      status: 401,
      body: { error: 'invalid_client', error_description: 'client secret mismatch for client x' },
    });

    // Act
    const response = await api.getUser(seeded.userId);

    // Assess
    expect(expectProblem(response, 502)).toMatchObject({ provider: 'moneyhub', providerStatus: 401 });
    expect(response.body).not.toMatch(/invalid_client|mismatch/);
  });
});

describe('Mutations under provider failure', () => {
  it('answers 502 for a failed connection delete and invalidates the cached list (outcome unknown)', async () => {
    // Prepare
    const seeded = await seedUser();
    await api.listConnections(seeded.userId);
    await control.injectFault(route.deleteConnectionSingular, { kind: 'status', status: 500 });

    // Act
    const response = await api.deleteConnection(seeded.userId, seeded.connectionIds[0] as string);
    const list = await api.listConnections(seeded.userId);

    // Assess
    expect(expectProblem(response, 502).providerStatus).toBe(500);
    expect(list.headers['Cache-Status']).toMatch(/fwd=miss; stored/);
    expect((await control.user(seeded.userId)).connections).toHaveLength(2);
  });

  it('answers 429 with Retry-After for a rate-limited user delete and purges nothing', async () => {
    // Prepare
    const seeded = await seedUser();
    await api.getUser(seeded.userId);
    await control.injectFault(route.deleteUser, { kind: 'rate-limit', retryAfterSeconds: 60 });

    // Act
    const response = await api.deleteUser(seeded.userId);

    // Assess
    expectProblem(response, 429);
    expect(response.headers['Retry-After']).toBe('60');
    expect(await cachePartition(seeded.userId)).toEqual(['c#user']);
  });

  it('answers 502 for a failed register and enrols nobody', async () => {
    // Prepare
    await control.injectFault(route.register, { kind: 'status', status: 500 });
    await startCounting();

    // Act
    const response = await api.registerUser({ clientUserId: 'never' });

    // Assess
    expectProblem(response, 502);
    expect(await providerCalls()).toEqual({ [route.register]: 1, total: 1 });
  });
});

describe('Stale-if-error', () => {
  const startMs = Date.now();
  const freshGoneMs = startMs + 301_000; // user entries are fresh for at most 300 s
  const staleGoneMs = startMs + 301_000 + 600_000; // then usable for the 600 s stale window

  async function cachedUser() {
    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
    vi.setSystemTime(startMs);
    const seeded = await seedUser();
    const filled = await api.getUser(seeded.userId);
    expect(filled.statusCode).toBe(200);
    return { seeded, filled };
  }

  it.each<[string, Fault]>([
    ['503', { kind: 'status', status: 503 }],
    ['500', { kind: 'status', status: 500 }],
    ['a 429', { kind: 'rate-limit', retryAfterSeconds: 30 }],
    ['a dropped connection', { kind: 'drop' }],
    ['schema-violating JSON', { kind: 'schema-violation' }],
  ])(
    'serves the stale entry with fwd=stale when Moneyhub answers %s inside the window',
    async (_case, fault) => {
      // Prepare
      const { seeded, filled } = await cachedUser();
      vi.setSystemTime(freshGoneMs);
      await control.injectFault(route.getUser, fault);

      // Act
      const response = await api.getUser(seeded.userId);

      // Assess
      expect(response.statusCode).toBe(200);
      expect(response.headers['Cache-Status']).toContain('fwd=stale');
      expect(Number(response.headers.Age)).toBeGreaterThanOrEqual(301);
      expect(response.body).toBe(filled.body);
    },
  );

  it('serves the stale entry when Moneyhub hangs past the deadline', async () => {
    // Prepare
    const { seeded } = await cachedUser();
    vi.setSystemTime(freshGoneMs);
    await control.injectFault(route.getUser, { kind: 'hang' });

    // Act
    const response = await api.getUser(seeded.userId, { context: lambdaContext({ remainingMs: 1500 }) });

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.headers['Cache-Status']).toContain('fwd=stale');
  });

  it('answers with the error once the stale window has passed', async () => {
    // Prepare
    const { seeded } = await cachedUser();
    vi.setSystemTime(staleGoneMs);
    await control.injectFault(route.getUser, { kind: 'status', status: 503 });

    // Act
    const response = await api.getUser(seeded.userId);

    // Assess
    expectProblem(response, 502);
  });

  it('never serves a stale entry for a 404 (the user is gone)', async () => {
    // Prepare
    const { seeded } = await cachedUser();
    vi.setSystemTime(freshGoneMs);
    await control.injectFault(route.getUser, { kind: 'status', status: 404 });

    // Act
    const response = await api.getUser(seeded.userId);

    // Assess
    expectProblem(response, 404);
  });

  it('never serves a stale entry when the caller asked for no-cache', async () => {
    // Prepare
    const { seeded } = await cachedUser();
    await control.injectFault(route.getUser, { kind: 'status', status: 503 });

    // Act
    const response = await api.getUser(seeded.userId, { noCache: true });

    // Assess
    expectProblem(response, 502);
  });

  it('serves a stale connection from the stale list', async () => {
    // Prepare
    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
    vi.setSystemTime(startMs);
    const seeded = await seedUser();
    await api.listConnections(seeded.userId);
    vi.setSystemTime(startMs + 61_000);
    await control.injectFault(route.connections, { kind: 'status', status: 502 });

    // Act
    const response = await api.getConnection(seeded.userId, seeded.connectionIds[1] as string);

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.headers['Cache-Status']).toContain('fwd=stale');
    expect(response.json<{ id: string }>().id).toBe(seeded.connectionIds[1]);
  });
});
