// The three user routes against the Moneyhub simulator over HTTP and dynalite: shapes and statuses,
// what a hit and a miss cost (provider calls and DynamoDB requests), enrolment on register, the purge
// and un-enrolment on delete, and input refused before any call.
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { enrollmentRegistry } from '../../../lib/registry';
import {
  api,
  cachePartition,
  control,
  dynamoRequests,
  expectProblem,
  providerCalls,
  resetWorld,
  route,
  seedUser,
  startCounting,
  unknownUserId,
  warmTokens,
} from './helpers';

beforeAll(async () => {
  await resetWorld();
  await warmTokens();
});

beforeEach(async () => {
  await resetWorld();
});

describe('Route: POST /moneyhub/users', () => {
  it("answers 201 with Moneyhub's User, registered with an Idempotency-Key, and enrols the user", async () => {
    // Prepare
    await startCounting();

    // Act
    const response = await api.registerUser({ clientUserId: 'customer-42' });

    // Assess
    expect(response.statusCode).toBe(201);
    expect(response.headers['Content-Type']).toMatch(/^application\/json/);
    const user = response.json<{ userId: string; [field: string]: unknown }>();
    expect(user).toMatchObject({
      userId: expect.stringMatching(/^[0-9a-f]{24}$/),
      clientUserId: 'customer-42',
      clientId: process.env.MONEYHUB_CLIENT_ID,
      managedBy: 'client',
      userType: 'test',
      connectionIds: [],
      createdAt: expect.any(String),
    });
    expect(await providerCalls()).toEqual({ [route.register]: 1, total: 1 });
    expect(dynamoRequests.byOperation()).toEqual({ PutItem: 1 });
    expect(await enrollmentRegistry().isEnrolled('moneyhub', user.userId)).toBe(true);
    expect((await control.user(user.userId)).user.clientUserId).toBe('customer-42');
  });

  it('registers a user without a body or clientUserId', async () => {
    // Act
    const response = await api.registerUser(undefined);

    // Assess
    expect(response.statusCode).toBe(201);
    const user = response.json<{ userId: string; clientUserId?: string }>();
    expect(user.clientUserId).toBeUndefined();
    expect(await enrollmentRegistry().isEnrolled('moneyhub', user.userId)).toBe(true);
  });

  it('registers exactly one user when the answer to the first attempt is lost and the POST is retried', async () => {
    // Prepare
    await control.injectFault(route.register, { kind: 'drop-after-handling' }, 1);
    await startCounting();

    // Act
    const response = await api.registerUser({ clientUserId: 'retried-once' });

    // Assess: the retry carried the same Idempotency-Key, so the simulator replayed the first result
    expect(response.statusCode).toBe(201);
    expect(await providerCalls()).toEqual({ [route.register]: 2, total: 2 });
    const { userId } = response.json<{ userId: string }>();
    expect((await control.user(userId)).user.clientUserId).toBe('retried-once');
  });

  it.each([
    ['an unknown key', { clientUserId: 'a', extra: true }],
    ['a clientUserId over 256 characters', { clientUserId: 'x'.repeat(257) }],
    ['an empty clientUserId', { clientUserId: '' }],
    ['a clientUserId that is not a string', { clientUserId: 42 }],
    ['a control character', { clientUserId: 'a\u0000b' }],
    ['a body that is not an object', [1, 2]],
    ['a body that is not JSON', '{"clientUserId":'],
  ])('refuses %s with 400 and calls nobody', async (_case, body) => {
    // Prepare
    await startCounting();

    // Act
    const response = await api.registerUser(body);

    // Assess
    expectProblem(response, 400);
    expect(await providerCalls()).toEqual({ total: 0 });
    expect(dynamoRequests.total()).toBe(0);
  });

  it('accepts a clientUserId of exactly 256 characters', async () => {
    const response = await api.registerUser({ clientUserId: 'y'.repeat(256) });

    expect(response.statusCode).toBe(201);
  });
});

describe('Route: GET /moneyhub/users/{userId}', () => {
  it('answers 200 with the bare User (unknown fields kept), then a hit costs no provider call and one DynamoDB request', async () => {
    // Prepare
    const seeded = await seedUser({ connections: [{}], clientUserId: 'c-1', tier: 'gold' });
    await startCounting();

    // Act
    const miss = await api.getUser(seeded.userId);
    const missCalls = await providerCalls();
    const missDynamo = dynamoRequests.byOperation();
    await startCounting();
    const hit = await api.getUser(seeded.userId);

    // Assess
    expect(miss.statusCode).toBe(200);
    expect(miss.json()).toMatchObject({
      userId: seeded.userId,
      clientUserId: 'c-1',
      tier: 'gold',
      connectionIds: seeded.connectionIds,
    });
    expect(miss.headers['Cache-Status']).toBe('open-banking-users; fwd=miss; stored; ttl=300');
    expect(miss.headers.Age).toBe('0');
    expect(missCalls).toEqual({ [route.getUser]: 1, total: 1 });
    expect(missDynamo).toEqual({ BatchGetItem: 1, UpdateItem: 1, PutItem: 1, GetItem: 1 });
    expect(hit.statusCode).toBe(200);
    expect(hit.body).toBe(miss.body);
    expect(hit.headers['Cache-Status']).toMatch(/^open-banking-users; hit; ttl=\d+$/);
    expect(await providerCalls()).toEqual({ total: 0 });
    expect(dynamoRequests.byOperation()).toEqual({ BatchGetItem: 1 });
  });

  it('skips the cache on Cache-Control: no-cache and refills it', async () => {
    // Prepare
    const seeded = await seedUser({ connections: [] });
    await api.getUser(seeded.userId);
    await startCounting();

    // Act
    const bypass = await api.getUser(seeded.userId, { noCache: true });
    const after = await api.getUser(seeded.userId);

    // Assess
    expect(bypass.headers['Cache-Status']).toMatch(/^open-banking-users; fwd=request; stored; ttl=\d+$/);
    expect(after.headers['Cache-Status']).toMatch(/; hit;/);
    expect(await providerCalls()).toEqual({ [route.getUser]: 1, total: 1 });
  });

  it('answers 404 problem+json for a user Moneyhub does not know, and caches nothing', async () => {
    // Prepare
    const userId = unknownUserId();
    await startCounting();

    // Act
    const first = await api.getUser(userId);
    const second = await api.getUser(userId);

    // Assess
    const problem = expectProblem(first, 404);
    expect(problem).toMatchObject({ provider: 'moneyhub', providerStatus: 404 });
    expect(problem.providerRequestId).toMatch(/^[0-9a-f-]{36}$/);
    expectProblem(second, 404);
    expect(await providerCalls()).toEqual({ [route.getUser]: 2, total: 2 });
  });

  it.each([
    ['a slash', 'abc/def'],
    ['an encoded slash', 'abc%2Fdef'],
    ['dot-dot', '..'],
    ['an encoded dot-dot', '%2E%2E'],
    ['a colon', 'abc:def'],
    ['too long an id', 'a'.repeat(129)],
  ])('refuses a user id with %s with 400 and calls nobody', async (_case, userId) => {
    // Prepare
    await startCounting();

    // Act
    const response = await api.getUser(userId);

    // Assess
    const problem = expectProblem(response, 400);
    expect(problem.issues?.[0]).toMatchObject({ location: 'path', field: 'userId' });
    expect(await providerCalls()).toEqual({ total: 0 });
    expect(dynamoRequests.total()).toBe(0);
  });
});

describe('Route: DELETE /moneyhub/users/{userId}', () => {
  it('answers 204, deletes the user at Moneyhub, purges its cache down to the generation marker and un-enrols it', async () => {
    // Prepare
    const seeded = await seedUser();
    await enrollmentRegistry().enroll('moneyhub', seeded.userId);
    await api.getUser(seeded.userId);
    await api.listConnections(seeded.userId);
    await api.listSyncs(seeded.userId, { limit: '2' });
    const before = await cachePartition(seeded.userId);
    await startCounting();

    // Act
    const response = await api.deleteUser(seeded.userId);
    const calls = await providerCalls();
    const dynamo = dynamoRequests.byOperation();

    // Assess
    expect(response.statusCode).toBe(204);
    expect(response.body).toBe('');
    expect(calls).toEqual({ [route.deleteUser]: 1, total: 1 });
    expect(dynamo).toEqual({ UpdateItem: 1, Query: 1, BatchWriteItem: 1, DeleteItem: 1 });
    expect(before).toEqual(['c#connections', 'c#syncs?limit=2&offset=0', 'c#user']);
    expect(await cachePartition(seeded.userId)).toEqual(['meta']);
    expect(await enrollmentRegistry().isEnrolled('moneyhub', seeded.userId)).toBe(false);
    await expect(control.user(seeded.userId)).rejects.toThrow(/404/);
    expectProblem(await api.getUser(seeded.userId), 404);
  });

  it('answers 204 when the answer to the delete was lost and the retry finds the user gone', async () => {
    // Prepare
    const seeded = await seedUser();
    await api.getUser(seeded.userId);
    await control.injectFault(route.deleteUser, { kind: 'drop-after-handling' }, 1);
    await startCounting();

    // Act
    const response = await api.deleteUser(seeded.userId);

    // Assess
    expect(response.statusCode).toBe(204);
    expect(await providerCalls()).toEqual({ [route.deleteUser]: 2, total: 2 });
    expect(await cachePartition(seeded.userId)).toEqual(['meta']);
    await expect(control.user(seeded.userId)).rejects.toThrow(/404/);
  });

  it('answers 404 for a user Moneyhub does not know, and still forgets what we held about it', async () => {
    // Prepare
    const userId = unknownUserId();
    await enrollmentRegistry().enroll('moneyhub', userId);

    // Act
    const response = await api.deleteUser(userId);

    // Assess
    expectProblem(response, 404);
    expect(await enrollmentRegistry().isEnrolled('moneyhub', userId)).toBe(false);
  });

  it('refuses an invalid user id with 400 and calls nobody', async () => {
    await startCounting();

    const response = await api.deleteUser('..%2F..%2Fusers');

    expectProblem(response, 400);
    expect(await providerCalls()).toEqual({ total: 0 });
    expect(dynamoRequests.total()).toBe(0);
  });
});
