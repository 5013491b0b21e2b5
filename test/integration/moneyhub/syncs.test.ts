// The syncs route against the Moneyhub simulator over HTTP and dynalite: paging passed through,
// one cache entry per page, what a hit and a miss cost, and queries refused before any call.
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  api,
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

interface SyncPage {
  data: { id: string; [field: string]: unknown }[];
  links?: { self?: string; next?: string; prev?: string };
  meta?: { limit?: number; offset?: number; total?: number };
}

beforeAll(async () => {
  await resetWorld();
  await warmTokens();
});

beforeEach(async () => {
  await resetWorld();
});

describe('Route: GET /moneyhub/users/{userId}/syncs', () => {
  it("answers 200 with Moneyhub's envelope for the page asked for; a hit costs no provider call and one DynamoDB request", async () => {
    // Prepare
    const seeded = await seedUser({ connections: [{}], syncs: 7 });
    await startCounting();

    // Act
    const miss = await api.listSyncs(seeded.userId, { limit: '3', offset: '2' });
    const missCalls = await providerCalls();
    const missDynamo = dynamoRequests.byOperation();
    await startCounting();
    const hit = await api.listSyncs(seeded.userId, { limit: '3', offset: '2' });

    // Assess
    expect(miss.statusCode).toBe(200);
    const page = miss.json<SyncPage>();
    expect(page.data.map((sync) => sync.id)).toEqual(seeded.syncIds.slice(2, 5));
    expect(page.data[0]).toMatchObject({
      id: expect.any(String),
      connectionId: seeded.connectionIds[0],
      action: expect.any(String),
      method: expect.any(String),
      fetchStatus: 'success',
      createdAt: expect.any(String),
      fetchedAt: expect.any(String),
      accounts: expect.any(Array),
    });
    expect(page.meta).toEqual({ limit: 3, offset: 2, total: 7 });
    expect(page.links).toEqual({
      self: `http://127.0.0.1/moneyhub/users/${seeded.userId}/syncs?limit=3&offset=2`,
      next: `http://127.0.0.1/moneyhub/users/${seeded.userId}/syncs?limit=3&offset=5`,
      prev: `http://127.0.0.1/moneyhub/users/${seeded.userId}/syncs?limit=3&offset=0`,
    });
    expect(miss.headers['Cache-Status']).toBe('open-banking-users; fwd=miss; stored; ttl=30');
    expect(missCalls).toEqual({ [route.syncs]: 1, total: 1 });
    expect(missDynamo).toEqual({ BatchGetItem: 1, UpdateItem: 1, PutItem: 1, GetItem: 1 });
    expect(hit.body).toBe(miss.body);
    expect(hit.headers['Cache-Status']).toMatch(/^open-banking-users; hit; ttl=\d+$/);
    expect(await providerCalls()).toEqual({ total: 0 });
    expect(dynamoRequests.byOperation()).toEqual({ BatchGetItem: 1 });
  });

  it('links self, next and prev to this API, so following next to the end never calls Moneyhub directly', async () => {
    // Prepare
    const seeded = await seedUser({ connections: [{}], syncs: 7 });
    const simulatorHost = new URL(process.env.MONEYHUB_SIMULATOR_URL as string).host;
    await startCounting();

    // Act: follow `next` from the first page, through this API's handler, until there is none
    const seen: string[] = [];
    const followed: string[] = [];
    let query: Record<string, string> = { limit: '3' };
    for (let pageNumber = 0; pageNumber < 10; pageNumber++) {
      const response = await api.listSyncs(seeded.userId, query);
      expect(response.statusCode).toBe(200);
      const page = response.json<SyncPage>();
      seen.push(...page.data.map((sync) => sync.id));
      for (const link of Object.values(page.links ?? {})) expect(link).not.toContain(simulatorHost);
      if (!page.links?.next) break;
      followed.push(page.links.next);
      const next = new URL(page.links.next);
      expect(`${next.origin}${next.pathname}`).toBe(`http://127.0.0.1/moneyhub/users/${seeded.userId}/syncs`);
      query = Object.fromEntries(next.searchParams);
    }

    // Assess: every sync once, in order; each page one provider call, made by this API
    expect(seen).toEqual(seeded.syncIds);
    expect(followed).toHaveLength(2);
    expect(await providerCalls()).toEqual({ [route.syncs]: 3, total: 3 });
  });

  it("leaves an absent limit and offset to Moneyhub's default page", async () => {
    // Prepare
    const seeded = await seedUser({ connections: [{}], syncs: 12 });

    // Act
    const response = await api.listSyncs(seeded.userId);

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.json<SyncPage>().meta).toEqual({ limit: 10, offset: 0, total: 12 });
  });

  it('keeps one cache entry per page', async () => {
    // Prepare
    const seeded = await seedUser({ connections: [{}], syncs: 6 });
    await api.listSyncs(seeded.userId, { limit: '2', offset: '0' });
    await startCounting();

    // Act
    const samePage = await api.listSyncs(seeded.userId, { limit: '2', offset: '0' });
    const nextPage = await api.listSyncs(seeded.userId, { limit: '2', offset: '2' });
    const otherSize = await api.listSyncs(seeded.userId, { limit: '3', offset: '0' });

    // Assess
    expect(samePage.headers['Cache-Status']).toMatch(/; hit;/);
    expect(nextPage.headers['Cache-Status']).toMatch(/fwd=miss/);
    expect(otherSize.headers['Cache-Status']).toMatch(/fwd=miss/);
    expect(nextPage.json<SyncPage>().data.map((sync) => sync.id)).toEqual(seeded.syncIds.slice(2, 4));
    expect(otherSize.json<SyncPage>().data.map((sync) => sync.id)).toEqual(seeded.syncIds.slice(0, 3));
    expect(await providerCalls()).toEqual({ [route.syncs]: 2, total: 2 });
  });

  it('is invalidated by a connection delete, with the deleted connection’s syncs gone', async () => {
    // Prepare
    const seeded = await seedUser({ connections: [{}, {}], syncs: 4 });
    await api.listSyncs(seeded.userId);
    const gone = seeded.connectionIds[0] as string;

    // Act
    await api.deleteConnection(seeded.userId, gone);
    const after = await api.listSyncs(seeded.userId);

    // Assess
    expect(after.headers['Cache-Status']).toMatch(/fwd=miss/);
    const connectionIds = after.json<SyncPage>().data.map((sync) => sync.connectionId);
    expect(connectionIds).toHaveLength(2);
    expect(connectionIds).not.toContain(gone);
  });

  it('answers 404 for a user Moneyhub does not know', async () => {
    const response = await api.listSyncs(unknownUserId());

    expectProblem(response, 404);
  });

  it.each([
    ['limit 0', { limit: '0' }],
    ['limit 1001', { limit: '1001' }],
    ['a negative offset', { offset: '-1' }],
    ['a fractional limit', { limit: '2.5' }],
    ['an exponent', { limit: '1e2' }],
    ['an empty limit', { limit: '' }],
    ['a limit that is not a number', { limit: 'ten' }],
    ['an unknown parameter', { page: '2' }],
  ])('refuses %s with 400 and calls nobody', async (_case, query) => {
    // Prepare
    const seeded = await seedUser();
    await startCounting();

    // Act
    const response = await api.listSyncs(seeded.userId, query);

    // Assess
    const problem = expectProblem(response, 400);
    expect(problem.issues?.[0]?.location).toBe('query');
    expect(await providerCalls()).toEqual({ total: 0 });
    expect(dynamoRequests.total()).toBe(0);
  });

  it('accepts the bounds limit=1, limit=1000 and offset=0', async () => {
    const seeded = await seedUser({ connections: [{}], syncs: 3 });

    const smallest = await api.listSyncs(seeded.userId, { limit: '1', offset: '0' });
    const largest = await api.listSyncs(seeded.userId, { limit: '1000' });

    expect(smallest.json<SyncPage>().data).toHaveLength(1);
    expect(largest.json<SyncPage>().data).toHaveLength(3);
  });
});
