// The three connection routes against the Moneyhub simulator over HTTP and dynalite: shapes, what a
// hit and a miss cost, a connection served from the cached list, invalidation after a delete, the
// delete-path and scope-family fallbacks (and that each is remembered), and ids refused before any call.
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { moneyhubClient } from '../../../lib/providers/moneyhub';
import {
  api,
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

interface Connection {
  id: string;
  [field: string]: unknown;
}

const idsOf = (response: { json: <T>() => T }) =>
  response.json<{ data: Connection[] }>().data.map((connection) => connection.id);

beforeAll(async () => {
  await resetWorld();
  await warmTokens();
});

beforeEach(async () => {
  await resetWorld();
});

describe('Route: GET /moneyhub/users/{userId}/connections', () => {
  it("answers 200 with Moneyhub's {data, meta} envelope, unknown fields kept; a hit costs no provider call and one DynamoDB request", async () => {
    // Prepare
    const seeded = await seedUser({
      connections: [{ name: 'Modelo', status: 'ok', bankRef: 'kept' }, { status: 'error' }],
    });
    await startCounting();

    // Act
    const miss = await api.listConnections(seeded.userId);
    const missCalls = await providerCalls();
    const missDynamo = dynamoRequests.byOperation();
    await startCounting();
    const hit = await api.listConnections(seeded.userId);

    // Assess
    expect(miss.statusCode).toBe(200);
    const body = miss.json<{ data: Connection[]; meta: object }>();
    expect(body.meta).toEqual({});
    expect(body.data.map((connection) => connection.id)).toEqual(seeded.connectionIds);
    expect(body.data[0]).toMatchObject({
      id: expect.stringMatching(/^[0-9a-f]{32}:[0-9a-f-]{36}$/),
      name: 'Modelo',
      type: 'test',
      status: 'ok',
      accountIds: expect.any(Array),
      connectedOn: expect.any(String),
      bankRef: 'kept',
    });
    expect(miss.headers['Cache-Status']).toBe('open-banking-users; fwd=miss; stored; ttl=60');
    expect(missCalls).toEqual({ [route.connections]: 1, total: 1 });
    expect(missDynamo).toEqual({ BatchGetItem: 1, UpdateItem: 1, PutItem: 1, GetItem: 1 });
    expect(hit.body).toBe(miss.body);
    expect(hit.headers['Cache-Status']).toMatch(/^open-banking-users; hit; ttl=\d+$/);
    expect(await providerCalls()).toEqual({ total: 0 });
    expect(dynamoRequests.byOperation()).toEqual({ BatchGetItem: 1 });
  });

  it('answers 404 for a user Moneyhub does not know', async () => {
    const response = await api.listConnections(unknownUserId());

    expect(expectProblem(response, 404)).toMatchObject({ provider: 'moneyhub', providerStatus: 404 });
  });

  it('refuses query parameters it does not define with 400 and calls nobody', async () => {
    // Prepare
    const seeded = await seedUser();
    await startCounting();

    // Act
    const response = await api.listConnections(seeded.userId, { query: { status: 'ok' } });

    // Assess
    expect(expectProblem(response, 400).issues?.[0]).toMatchObject({ location: 'query' });
    expect(await providerCalls()).toEqual({ total: 0 });
  });
});

describe('Route: GET /moneyhub/users/{userId}/connections/{connectionId}', () => {
  it('answers 200 with the UserConnection from the cached list: no provider call and one DynamoDB request', async () => {
    // Prepare
    const seeded = await seedUser({ connections: [{ name: 'First' }, { name: 'Second', extra: 1 }] });
    const list = await api.listConnections(seeded.userId);
    const [, second] = list.json<{ data: Connection[] }>().data;
    await startCounting();

    // Act
    const response = await api.getConnection(seeded.userId, seeded.connectionIds[1] as string);

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual(second);
    expect(response.json()).toMatchObject({ name: 'Second', extra: 1 });
    expect(response.headers['Cache-Status']).toMatch(/^open-banking-users; hit; ttl=\d+$/);
    expect(await providerCalls()).toEqual({ total: 0 });
    expect(dynamoRequests.byOperation()).toEqual({ BatchGetItem: 1 });
  });

  it('fills the same cache entry as the list on a miss, so the list is a hit afterwards', async () => {
    // Prepare
    const seeded = await seedUser();
    await startCounting();

    // Act
    const connection = await api.getConnection(seeded.userId, seeded.connectionIds[0] as string);
    const missCalls = await providerCalls();
    const missDynamo = dynamoRequests.byOperation();
    await startCounting();
    const list = await api.listConnections(seeded.userId);

    // Assess
    expect(connection.statusCode).toBe(200);
    expect(connection.json<Connection>().id).toBe(seeded.connectionIds[0]);
    expect(missCalls).toEqual({ [route.connections]: 1, total: 1 });
    expect(missDynamo).toEqual({ BatchGetItem: 1, UpdateItem: 1, PutItem: 1, GetItem: 1 });
    expect(list.headers['Cache-Status']).toMatch(/; hit;/);
    expect(await providerCalls()).toEqual({ total: 0 });
  });

  it("answers 404 problem+json for a connection the user's list does not hold, without a provider route of its own", async () => {
    // Prepare
    const seeded = await seedUser();
    await api.listConnections(seeded.userId);
    await startCounting();

    // Act
    const response = await api.getConnection(
      seeded.userId,
      '0123456789abcdef0123456789abcdef:00000000-0000-4000-8000-000000000000',
    );

    // Assess
    const problem = expectProblem(response, 404);
    expect(problem.title).toBe('Not found');
    expect(await providerCalls()).toEqual({ total: 0 });
  });

  it.each([
    ['a slash', 'abc/def:ghi'],
    ['an encoded slash', 'abc%2Fdef:ghi'],
    ['a doubly encoded slash', 'abc%252Fdef:ghi'],
    ['dot-dot', '..'],
    ['dot-dot with a colon', '..:x'],
    ['no colon', '0123456789abcdef0123456789abcdef'],
    ['two colons', 'a:b:c'],
    ['a question mark', 'abc:def?x=1'],
    ['too long an id', `${'a'.repeat(100)}:${'b'.repeat(100)}`],
  ])('refuses a connection id with %s with 400 and calls nobody', async (_case, connectionId) => {
    // Prepare
    const seeded = await seedUser();
    await startCounting();

    // Act
    const get = await api.getConnection(seeded.userId, connectionId);
    const remove = await api.deleteConnection(seeded.userId, connectionId);

    // Assess
    for (const response of [get, remove]) {
      const problem = expectProblem(response, 400);
      expect(problem.issues?.[0]).toMatchObject({ location: 'path', field: 'connectionId' });
    }
    expect(await providerCalls()).toEqual({ total: 0 });
    expect(dynamoRequests.total()).toBe(0);
  });

  it('accepts a connection id whose colon arrives percent-encoded', async () => {
    // Prepare
    const seeded = await seedUser();
    const connectionId = seeded.connectionIds[0] as string;

    // Act
    const response = await api.getConnection(seeded.userId, connectionId.replace(':', '%3A'));

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.json<Connection>().id).toBe(connectionId);
  });
});

describe('Route: DELETE /moneyhub/users/{userId}/connections/{connectionId}', () => {
  it('answers 204 and invalidates the user, so the next list goes to the provider and no longer shows the connection', async () => {
    // Prepare
    const seeded = await seedUser({ connections: [{}, {}, {}] });
    const [gone, ...kept] = seeded.connectionIds as [string, ...string[]];
    await api.listConnections(seeded.userId);
    await api.getUser(seeded.userId);
    await startCounting();

    // Act
    const response = await api.deleteConnection(seeded.userId, gone);
    const deleteCalls = await providerCalls();
    const deleteDynamo = dynamoRequests.byOperation();
    await startCounting();
    const list = await api.listConnections(seeded.userId);
    const get = await api.getConnection(seeded.userId, gone);
    const user = await api.getUser(seeded.userId);

    // Assess
    expect(response.statusCode).toBe(204);
    expect(response.body).toBe('');
    expect(deleteCalls).toEqual({ [route.deleteConnectionSingular]: 1, total: 1 });
    expect(deleteDynamo).toEqual({ UpdateItem: 1 });
    expect(list.headers['Cache-Status']).toBe('open-banking-users; fwd=miss; stored; ttl=60');
    expect(idsOf(list)).toEqual(kept);
    expectProblem(get, 404);
    expect(user.headers['Cache-Status']).toMatch(/fwd=miss/);
    expect(user.json<{ connectionIds: string[] }>().connectionIds).toEqual(kept);
    expect(await providerCalls()).toEqual({ [route.connections]: 1, [route.getUser]: 1, total: 2 });
    expect((await control.user(seeded.userId)).connections.map((connection) => connection.id)).toEqual(kept);
  });

  it("sends the connection id with its ':' and the rest percent-encoded", async () => {
    // Prepare: an id the simulator stores verbatim, with characters a path must encode
    const seeded = await seedUser({ connections: [{ id: 'bank_1:conn-1' }] });

    // Act
    const response = await api.deleteConnection(seeded.userId, 'bank_1:conn-1');

    // Assess
    expect(response.statusCode).toBe(204);
    expect((await control.user(seeded.userId)).connections).toEqual([]);
  });

  it('answers 404 for a connection the user does not have, after trying both paths', async () => {
    // Prepare
    const seeded = await seedUser();
    await startCounting();

    // Act
    const response = await api.deleteConnection(
      seeded.userId,
      '0123456789abcdef0123456789abcdef:00000000-0000-4000-8000-000000000000',
    );

    // Assess
    expect(expectProblem(response, 404)).toMatchObject({ provider: 'moneyhub', providerStatus: 404 });
    expect(await providerCalls()).toEqual({
      [route.deleteConnectionSingular]: 1,
      [route.deleteConnectionPlural]: 1,
      total: 2,
    });
    expect((await control.user(seeded.userId)).connections).toHaveLength(2);
  });

  it('answers 204 and invalidates when the answer to a delete was lost and the retry finds it gone', async () => {
    // Prepare
    const seeded = await seedUser();
    const gone = seeded.connectionIds[0] as string;
    await api.listConnections(seeded.userId);
    await control.injectFault(route.deleteConnectionSingular, { kind: 'drop-after-handling' }, 1);

    // Act
    const response = await api.deleteConnection(seeded.userId, gone);
    const list = await api.listConnections(seeded.userId);

    // Assess
    expect(response.statusCode).toBe(204);
    expect(list.headers['Cache-Status']).toMatch(/fwd=miss/);
    expect(idsOf(list)).toEqual([seeded.connectionIds[1]]);
  });

  it('tries the other path when the configured one answers 503 and then "no such route" 404, and really deletes', async () => {
    // Prepare: only the plural path exists; the singular one fails once before saying 404
    await control.settings({ deleteConnectionPath: 'plural', unsupportedPathStatus: 404 });
    const seeded = await seedUser();
    const [gone, kept] = seeded.connectionIds as [string, string];
    await api.listConnections(seeded.userId);
    await control.injectFault(route.deleteConnectionSingular, { kind: 'status', status: 503 }, 1);
    await startCounting();

    // Act
    const response = await api.deleteConnection(seeded.userId, gone);
    const deleteCalls = await providerCalls();
    const list = await api.listConnections(seeded.userId);

    // Assess: a 204 only because the plural path deleted it
    expect(response.statusCode).toBe(204);
    expect(deleteCalls).toEqual({
      [route.deleteConnectionSingular]: 2,
      [route.deleteConnectionPlural]: 1,
      total: 3,
    });
    expect((await control.user(seeded.userId)).connections.map((connection) => connection.id)).toEqual([
      kept,
    ]);
    expect(list.headers['Cache-Status']).toMatch(/fwd=miss/);
    expect(idsOf(list)).toEqual([kept]);
  });

  it('answers an honest 502, never 204, when neither path deletes the connection after a lost answer', async () => {
    // Prepare: the plural path exists but keeps failing; the singular one fails once, then 404s
    await control.settings({ deleteConnectionPath: 'plural', unsupportedPathStatus: 404 });
    const seeded = await seedUser();
    const target = seeded.connectionIds[0] as string;
    await control.injectFault(route.deleteConnectionSingular, { kind: 'status', status: 503 }, 1);
    await control.injectFault(route.deleteConnectionPlural, { kind: 'status', status: 503 });

    // Act
    const response = await api.deleteConnection(seeded.userId, target);

    // Assess
    expectProblem(response, 502);
    expect((await control.user(seeded.userId)).connections.map((connection) => connection.id)).toContain(
      target,
    );
  });

  it('answers 204 for a lost answer on the supported path only once the list confirms the connection is gone', async () => {
    // Prepare: only the singular path exists; its first answer is lost after it deleted
    await control.settings({ deleteConnectionPath: 'singular', unsupportedPathStatus: 404 });
    const seeded = await seedUser();
    const gone = seeded.connectionIds[0] as string;
    await control.injectFault(route.deleteConnectionSingular, { kind: 'drop-after-handling' }, 1);
    await startCounting();

    // Act
    const response = await api.deleteConnection(seeded.userId, gone);

    // Assess
    expect(response.statusCode).toBe(204);
    expect(await providerCalls()).toEqual({
      [route.deleteConnectionSingular]: 2,
      [route.deleteConnectionPlural]: 1,
      [route.connections]: 1,
      total: 4,
    });
    expect((await control.user(seeded.userId)).connections).toHaveLength(1);
  });

  it.each([404, 405] as const)(
    'falls back to the plural path when the singular one answers %i, and remembers it',
    async (unsupportedPathStatus) => {
      // Prepare
      await control.settings({ deleteConnectionPath: 'plural', unsupportedPathStatus });
      const first = await seedUser();
      const second = await seedUser();
      await startCounting();

      // Act
      const learned = await api.deleteConnection(first.userId, first.connectionIds[0] as string);
      const learnedCalls = await providerCalls();
      await startCounting();
      const remembered = await api.deleteConnection(second.userId, second.connectionIds[0] as string);

      // Assess
      expect(learned.statusCode).toBe(204);
      expect(learnedCalls).toEqual({
        [route.deleteConnectionSingular]: 1,
        [route.deleteConnectionPlural]: 1,
        total: 2,
      });
      expect(remembered.statusCode).toBe(204);
      expect(await providerCalls()).toEqual({ [route.deleteConnectionPlural]: 1, total: 1 });
      expect((await control.user(first.userId)).connections).toHaveLength(1);
      expect((await control.user(second.userId)).connections).toHaveLength(1);
    },
  );

  it('goes back to the singular path when the remembered plural one disappears', async () => {
    // Prepare
    await control.settings({ deleteConnectionPath: 'plural', unsupportedPathStatus: 405 });
    const first = await seedUser();
    await api.deleteConnection(first.userId, first.connectionIds[0] as string);
    await control.settings({ deleteConnectionPath: 'singular', unsupportedPathStatus: 405 });
    const second = await seedUser();
    await startCounting();

    // Act
    const response = await api.deleteConnection(second.userId, second.connectionIds[0] as string);

    // Assess
    expect(response.statusCode).toBe(204);
    expect(await providerCalls()).toEqual({
      [route.deleteConnectionPlural]: 1,
      [route.deleteConnectionSingular]: 1,
      total: 2,
    });
  });
});

describe('Scope families (connection:* first, user:* as the fallback)', () => {
  it('falls back to user:read when the token server refuses connection:read, and remembers it', async () => {
    // Prepare: the `user` family hides connection:* from the token server; start with no tokens
    await control.settings({ scopeFamily: 'user' });
    moneyhubClient().forgetAllTokens();
    const first = await seedUser();
    const second = await seedUser();
    await startCounting();

    // Act
    const learned = await api.listConnections(first.userId);
    const learnedCalls = await providerCalls();
    await startCounting();
    const remembered = await api.listConnections(second.userId);
    const syncs = await api.listSyncs(second.userId);

    // Assess
    expect(learned.statusCode).toBe(200);
    expect(idsOf(learned)).toEqual(first.connectionIds);
    // connection:read refused (invalid_scope), then user:read minted and used
    expect(learnedCalls).toEqual({ [route.token]: 2, [route.connections]: 1, total: 3 });
    expect(remembered.statusCode).toBe(200);
    expect(syncs.statusCode).toBe(200);
    expect(await providerCalls()).toEqual({ [route.connections]: 1, [route.syncs]: 1, total: 2 });
    const newest = (await control.tokens()).sort((a, b) => a.issuedAt.localeCompare(b.issuedAt)).at(-1);
    expect(newest?.scope).toBe('user:read');
  });

  it('falls back to user:delete for a connection delete, and remembers it', async () => {
    // Prepare
    await control.settings({ scopeFamily: 'user' });
    moneyhubClient().forgetAllTokens();
    const first = await seedUser();
    const second = await seedUser();
    await startCounting();

    // Act
    const learned = await api.deleteConnection(first.userId, first.connectionIds[0] as string);
    const learnedCalls = await providerCalls();
    await startCounting();
    const remembered = await api.deleteConnection(second.userId, second.connectionIds[0] as string);

    // Assess
    expect(learned.statusCode).toBe(204);
    expect(learnedCalls).toEqual({ [route.token]: 2, [route.deleteConnectionSingular]: 1, total: 3 });
    expect(remembered.statusCode).toBe(204);
    expect(await providerCalls()).toEqual({ [route.deleteConnectionSingular]: 1, total: 1 });
  });

  it('asks for the configured family only, when Moneyhub accepts either (its default)', async () => {
    // Prepare
    moneyhubClient().forgetAllTokens();
    const seeded = await seedUser();
    await startCounting();

    // Act
    const connections = await api.listConnections(seeded.userId);
    const syncs = await api.listSyncs(seeded.userId);

    // Assess
    expect([connections.statusCode, syncs.statusCode]).toEqual([200, 200]);
    expect(await providerCalls()).toEqual({
      [route.token]: 1,
      [route.connections]: 1,
      [route.syncs]: 1,
      total: 3,
    });
    expect((await control.tokens()).at(-1)?.scope).toBe('connection:read');
  });

  it('does not switch family over a route that refuses the token (403): one call, 502', async () => {
    // Prepare: a connection:read token is held, then the route demands user:read only
    const warm = await seedUser();
    await api.listConnections(warm.userId);
    await control.settings({ scopeFamily: 'user' });
    const seeded = await seedUser();
    await startCounting();

    // Act
    const refused = await api.listConnections(seeded.userId);

    // Assess
    expectProblem(refused, 502);
    expect(await providerCalls()).toEqual({ [route.connections]: 1, total: 1 });
  });
});
