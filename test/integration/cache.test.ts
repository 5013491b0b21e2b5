// The cache against a real DynamoDB API over loopback: dynalite in the default lane, DynamoDB Local
// in the conformance lane (`npm run test:conformance`). A controllable clock pins the expiry maths.

import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runStampede, startSlowProvider } from '../../bench/stampede';
import { DynamoDbCacheStore } from '../../lib/cache/dynamodb-store';
import { CacheStatus, ResponseCache } from '../../lib/cache/response-cache';
import { logger } from '../../lib/observability';
import { createDynamoDocumentClient, dynamoDocumentClient } from '../../lib/table/client';
import { SimulatorControl } from '../../local/simulators/harness';
import { countDynamoRequests } from '../support/dynamo-requests';
import { type CapturedLogs, captureLogs } from '../support/logs';

const tableName = process.env.CACHE_TABLE_NAME as string;
const client = dynamoDocumentClient();
const requests = countDynamoRequests(client);
const startMs = Date.UTC(2026, 10, 25, 12, 0, 0);

interface SetupOptions {
  jitterRatio?: number;
  staleWindowSeconds?: number;
  leaseWaitMs?: number;
  /** Another instance's cache on the same partition and clock (its own single-flight map). */
  samePartitionAs?: { partition: string; clock: { nowMs: number } };
}

function setup(options: SetupOptions = {}) {
  const clock = options.samePartitionAs?.clock ?? { nowMs: startMs };
  const store = new DynamoDbCacheStore(client, tableName);
  const cache = new ResponseCache({
    store,
    staleWindowSeconds: options.staleWindowSeconds ?? 600,
    jitterRatio: options.jitterRatio ?? 0,
    leaseMs: 3_000,
    leaseWaitMs: options.leaseWaitMs,
    now: () => clock.nowMs,
  });
  const partition = options.samePartitionAs?.partition ?? `test#${randomUUID()}`;
  let loads = 0;
  const loader =
    <T>(value: T) =>
    async () => {
      loads += 1;
      return value;
    };
  return { clock, store, cache, partition, loads: () => loads, loader };
}

class ProviderDown extends Error {}
const failing = async (): Promise<never> => {
  throw new ProviderDown('provider is down');
};
const staleOnProviderDown = (error: unknown) => error instanceof ProviderDown;

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

describe(`Class: ResponseCache (${process.env.CACHE_BACKEND})`, () => {
  beforeEach(() => requests.reset());

  describe('Method: read', () => {
    it('serves a fresh entry with exactly one DynamoDB request and no provider call', async () => {
      // Prepare
      const { cache, partition, loads, loader } = setup();
      await cache.read({
        partition,
        resource: 'credentials',
        freshSeconds: 30,
        load: loader({ items: [1, 2] }),
      });
      requests.reset();

      // Act
      const result = await cache.read({
        partition,
        resource: 'credentials',
        freshSeconds: 30,
        load: loader({ items: [] }),
      });

      // Assess
      expect(result.status).toBe(CacheStatus.hit);
      expect(result.value).toEqual({ items: [1, 2] });
      expect(loads()).toBe(1);
      expect(requests.total()).toBe(1);
      expect(requests.byOperation()).toEqual({ BatchGetItem: 1 });
    });

    it('fills on a miss with one read, one lease, one conditional put and one generation check', async () => {
      const { cache, partition, loader } = setup();

      const result = await cache.read({
        partition,
        resource: 'user',
        freshSeconds: 300,
        load: loader({ id: 'u1' }),
      });

      expect(result).toMatchObject({
        status: CacheStatus.miss,
        stored: true,
        ageSeconds: 0,
        ttlSeconds: 300,
      });
      expect(requests.byOperation()).toEqual({ BatchGetItem: 1, UpdateItem: 1, PutItem: 1, GetItem: 1 });
    });

    it('is fresh until freshUntil and reloads from that instant on', async () => {
      const { cache, clock, partition, loads, loader } = setup();
      const read = () => cache.read({ partition, resource: 'r', freshSeconds: 30, load: loader('v') });
      await read();

      clock.nowMs = startMs + 29_999;
      const lastFresh = await read();
      clock.nowMs = startMs + 30_000;
      const firstStale = await read();

      expect(lastFresh).toMatchObject({ status: CacheStatus.hit, ageSeconds: 29, ttlSeconds: 1 });
      expect(firstStale.status).toBe(CacheStatus.miss);
      expect(loads()).toBe(2);
    });

    it('never serves an expired item that DynamoDB has not deleted yet', async () => {
      // Prepare: an entry whose TTL passed long ago but that is still in the table (TTL deletion is lazy)
      const { cache, partition, loads, loader } = setup();
      await client.send(
        new PutCommand({
          TableName: tableName,
          Item: {
            pk: partition,
            sk: 'c#r',
            gen: 0,
            body: JSON.stringify('ancient'),
            storedAtMs: startMs - 3_600_000,
            freshUntilMs: startMs - 3_570_000,
            expiresAt: Math.floor((startMs - 3_000_000) / 1000),
          },
        }),
      );

      // Act
      const reloaded = await cache.read({
        partition,
        resource: 'r',
        freshSeconds: 30,
        load: loader('current'),
      });
      await cache.invalidate(partition);
      await client.send(
        new PutCommand({
          TableName: tableName,
          Item: {
            pk: partition,
            sk: 'c#gone',
            gen: 1,
            body: JSON.stringify('ancient'),
            storedAtMs: startMs - 3_600_000,
            freshUntilMs: startMs - 3_570_000,
            expiresAt: Math.floor((startMs - 3_000_000) / 1000),
          },
        }),
      );
      const notStale = cache.read({
        partition,
        resource: 'gone',
        freshSeconds: 30,
        load: failing,
        serveStaleOn: staleOnProviderDown,
      });

      // Assess
      expect(reloaded).toMatchObject({ status: CacheStatus.miss, value: 'current' });
      expect(loads()).toBe(1);
      await expect(notStale).rejects.toBeInstanceOf(ProviderDown);
    });

    it('shortens freshness by at most the jitter ratio', async () => {
      const { cache, clock, partition, loader } = setup({ jitterRatio: 0.2 });
      const freshUntil: number[] = [];
      for (let index = 0; index < 20; index++) {
        const resource = `r${index}`;
        await cache.read({ partition, resource, freshSeconds: 100, load: loader(index) });
        const item = await client.send(
          new GetCommand({ TableName: tableName, Key: { pk: partition, sk: `c#${resource}` } }),
        );
        freshUntil.push(Number(item.Item?.freshUntilMs) - clock.nowMs);
      }
      expect(Math.min(...freshUntil)).toBeGreaterThanOrEqual(80_000);
      expect(Math.max(...freshUntil)).toBeLessThanOrEqual(100_000);
      expect(new Set(freshUntil).size).toBeGreaterThan(1);
    });

    it('takes the TTL from the value when asked (shorter while work is in progress)', async () => {
      const { cache, clock, partition, loads, loader } = setup();
      const freshSeconds = (value: { busy: boolean }) => (value.busy ? 2 : 30);
      await cache.read({ partition, resource: 'r', freshSeconds, load: loader({ busy: true }) });

      clock.nowMs = startMs + 2_000;
      const afterShortTtl = await cache.read({
        partition,
        resource: 'r',
        freshSeconds,
        load: loader({ busy: false }),
      });

      expect(afterShortTtl.status).toBe(CacheStatus.miss);
      expect(loads()).toBe(2);
    });

    it('stores expiresAt in epoch seconds, a stale window after freshness ends', async () => {
      const { cache, partition, loader } = setup({ staleWindowSeconds: 600 });
      await cache.read({ partition, resource: 'r', freshSeconds: 30, load: loader('v') });

      const item = await client.send(
        new GetCommand({ TableName: tableName, Key: { pk: partition, sk: 'c#r' } }),
      );

      expect(item.Item).toMatchObject({ gen: 0, storedAtMs: startMs, freshUntilMs: startMs + 30_000 });
      expect(item.Item?.expiresAt).toBe(startMs / 1000 + 30 + 600);
    });

    it('serves a stale entry when the provider fails inside the stale window, and not after it', async () => {
      const { cache, clock, partition, loader } = setup({ staleWindowSeconds: 60 });
      await cache.read({ partition, resource: 'r', freshSeconds: 30, load: loader('kept') });

      clock.nowMs = startMs + 89_000;
      const stale = await cache.read({
        partition,
        resource: 'r',
        freshSeconds: 30,
        load: failing,
        serveStaleOn: staleOnProviderDown,
      });
      clock.nowMs = startMs + 90_000;
      const expired = cache.read({
        partition,
        resource: 'r',
        freshSeconds: 30,
        load: failing,
        serveStaleOn: staleOnProviderDown,
      });

      expect(stale).toMatchObject({
        status: CacheStatus.stale,
        value: 'kept',
        ageSeconds: 89,
        ttlSeconds: -59,
      });
      await expect(expired).rejects.toBeInstanceOf(ProviderDown);
    });

    it('does not serve stale data for errors the caller did not allow, and never caches an error', async () => {
      const { cache, clock, partition, loads, loader } = setup();
      await cache.read({ partition, resource: 'r', freshSeconds: 30, load: loader('kept') });
      clock.nowMs = startMs + 31_000;

      const notAllowed = cache.read({
        partition,
        resource: 'r',
        freshSeconds: 30,
        load: failing,
        serveStaleOn: () => false,
      });
      await expect(notAllowed).rejects.toBeInstanceOf(ProviderDown);
      const next = await cache.read({ partition, resource: 'r', freshSeconds: 30, load: loader('new') });

      expect(next).toMatchObject({ status: CacheStatus.miss, value: 'new' });
      expect(loads()).toBe(2);
    });

    it('skips a fresh entry and refills it when the caller bypasses the cache', async () => {
      const { cache, partition, loader } = setup();
      await cache.read({ partition, resource: 'r', freshSeconds: 30, load: loader('old') });

      const bypassed = await cache.read({
        partition,
        resource: 'r',
        freshSeconds: 30,
        load: loader('new'),
        bypass: true,
      });
      const after = await cache.read({ partition, resource: 'r', freshSeconds: 30, load: loader('unused') });

      expect(bypassed).toMatchObject({ status: CacheStatus.bypass, value: 'new', stored: true });
      expect(after).toMatchObject({ status: CacheStatus.hit, value: 'new' });
    });

    it('keeps users apart: the same resource in two partitions holds two values', async () => {
      const first = setup();
      const second = setup();
      await first.cache.read({
        partition: first.partition,
        resource: 'r',
        freshSeconds: 30,
        load: first.loader('first'),
      });
      const other = await second.cache.read({
        partition: second.partition,
        resource: 'r',
        freshSeconds: 30,
        load: second.loader('second'),
      });
      expect(other).toMatchObject({ status: CacheStatus.miss, value: 'second' });
    });
  });

  describe('Method: invalidate', () => {
    it('makes every entry of the user unusable with one UpdateItem', async () => {
      const { cache, partition, loads, loader } = setup();
      for (const resource of ['a', 'b', 'c'])
        await cache.read({ partition, resource, freshSeconds: 30, load: loader(resource) });
      requests.reset();

      await cache.invalidate(partition);
      const invalidationRequests = requests.byOperation();
      const after = await cache.read({ partition, resource: 'b', freshSeconds: 30, load: loader('b2') });

      expect(invalidationRequests).toEqual({ UpdateItem: 1 });
      expect(after).toMatchObject({ status: CacheStatus.miss, value: 'b2' });
      expect(loads()).toBe(4);
    });

    it('never serves a fill whose read started before the invalidation (stale-refill race)', async () => {
      // Prepare: a read that misses and is still waiting for the provider
      const { cache, partition, loader } = setup();
      const slowProvider = deferred<string>();
      const slowRead = cache.read({
        partition,
        resource: 'r',
        freshSeconds: 30,
        load: () => slowProvider.promise,
      });
      await sleep(50);

      // Act: a mutation invalidates, then the slow read lands with pre-mutation data
      await cache.invalidate(partition);
      slowProvider.resolve('before-mutation');
      const landed = await slowRead;
      const next = await cache.read({
        partition,
        resource: 'r',
        freshSeconds: 30,
        load: loader('after-mutation'),
      });

      // Assess
      expect(landed.value).toBe('before-mutation');
      expect(next).toMatchObject({ status: CacheStatus.miss, value: 'after-mutation' });
    });
  });

  describe('Method: fill (store)', () => {
    it('never overwrites an entry of a newer generation', async () => {
      const { store, partition } = setup();
      await client.send(
        new PutCommand({ TableName: tableName, Item: { pk: partition, sk: 'meta', gen: 5 } }),
      );
      const entry = (generation: number, body: string) => ({
        generation,
        body,
        storedAtMs: startMs,
        freshUntilMs: startMs + 30_000,
        expiresAtEpochSeconds: startMs / 1000 + 630,
      });

      const newer = await store.fill(partition, 'r', entry(5, '"newer"'));
      const older = await store.fill(partition, 'r', entry(3, '"older"'));
      const item = await client.send(
        new GetCommand({ TableName: tableName, Key: { pk: partition, sk: 'c#r' } }),
      );

      expect([newer, older]).toEqual(['stored', 'superseded']);
      expect(item.Item).toMatchObject({ gen: 5, body: '"newer"' });
    });
  });

  describe('Method: purge', () => {
    it('removes every item of the user, past one Query page and many batches, and keeps the generation', async () => {
      // Prepare: 60 entries, each ~5 KB so the Query needs more than one page on DynamoDB's 1 MB limit
      const { cache, partition, loader } = setup();
      const padding = 'x'.repeat(5_000);
      for (let index = 0; index < 60; index++) {
        await cache.read({
          partition,
          resource: `r${index}`,
          freshSeconds: 30,
          load: loader({ index, padding }),
        });
      }
      const otherUser = setup();
      await otherUser.cache.read({
        partition: otherUser.partition,
        resource: 'r',
        freshSeconds: 30,
        load: otherUser.loader('kept'),
      });

      // Act
      const purged = await cache.purge(partition);
      const remaining = await client.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': partition },
          ConsistentRead: true,
        }),
      );
      const other = await otherUser.cache.read({
        partition: otherUser.partition,
        resource: 'r',
        freshSeconds: 30,
        load: failing,
      });

      // Assess
      expect(purged).toEqual({ complete: true, deleted: 60 });
      expect(remaining.Items).toHaveLength(1);
      expect(remaining.Items?.[0]).toMatchObject({ sk: 'meta', gen: 1 });
      expect(remaining.Items?.[0]?.expiresAt).toBeGreaterThan(startMs / 1000);
      expect(Object.keys(remaining.Items?.[0] ?? {}).sort()).toEqual(['expiresAt', 'gen', 'pk', 'sk']);
      expect(other).toMatchObject({ status: CacheStatus.hit, value: 'kept' });
    });
    it.each([
      { name: 'a read', bypass: false },
      { name: "a refill that skips the cache (the sweep's no-cache lists)", bypass: true },
    ])('leaves no data behind when $name fills after the purge', async ({ bypass }) => {
      // Prepare: the user's data cached, then a read that missed and holds its provider answer
      const { cache, partition, loader } = setup();
      await cache.read({ partition, resource: 'other', freshSeconds: 30, load: loader({ email: 'a@b.c' }) });
      const heldAnswer = deferred<{ email: string }>();
      let loadStarted = false;
      const lateRead = cache.read({
        partition,
        resource: 'user',
        freshSeconds: 30,
        bypass,
        load: () => {
          loadStarted = true;
          return heldAnswer.promise;
        },
      });
      await vi.waitFor(() => expect(loadStarted).toBe(true), { interval: 5 });

      // Act: the user is purged; then the provider answer (taken before the deletion) arrives
      const purged = await cache.purge(partition);
      heldAnswer.resolve({ email: 'a@b.c' });
      const landed = await lateRead;
      const remaining = await client.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': partition },
          ConsistentRead: true,
        }),
      );

      // Assess: only the generation marker, no item holding a body
      expect(purged.complete).toBe(true);
      expect(landed).toMatchObject({ value: { email: 'a@b.c' }, stored: false });
      expect(remaining.Items?.map((item) => item.sk)).toEqual(['meta']);
      expect(remaining.Items?.some((item) => 'body' in item)).toBe(false);
    });
  });

  describe('Method: read, when misses of one key meet (stampede)', () => {
    it('makes one provider call for concurrent misses in one process', async () => {
      // Prepare
      const { cache, partition } = setup();
      const answer = deferred<string>();
      let loads = 0;
      const load = () => {
        loads += 1;
        return answer.promise;
      };

      // Act
      const reads = Array.from({ length: 10 }, () =>
        cache.read({ partition, resource: 'r', freshSeconds: 30, load }),
      );
      await vi.waitFor(() => expect(loads).toBe(1), { interval: 5, timeout: 10_000 });
      answer.resolve('once');
      const results = await Promise.all(reads);

      // Assess
      expect(loads).toBe(1);
      expect(results.map((result) => result.value)).toEqual(Array(10).fill('once'));
      expect(requests.byOperation()).toEqual({ BatchGetItem: 10, UpdateItem: 1, PutItem: 1, GetItem: 1 });
    });

    it("waits for the lease holder's fill instead of calling the provider (a miss with a held lease)", async () => {
      // Prepare: instance A missed and holds the lease while its provider call is under way
      const holder = setup();
      const other = setup({ samePartitionAs: holder });
      const holderAnswer = deferred<string>();
      let holderLoads = 0;
      const holderRead = holder.cache.read({
        partition: holder.partition,
        resource: 'r',
        freshSeconds: 30,
        load: () => {
          holderLoads += 1;
          return holderAnswer.promise;
        },
      });
      await vi.waitFor(() => expect(holderLoads).toBe(1), { interval: 5, timeout: 10_000 });

      // Act: instance B misses the same key; then A's answer arrives and is filled
      const waiting = other.cache.read({
        partition: holder.partition,
        resource: 'r',
        freshSeconds: 30,
        load: other.loader('B'),
      });
      await sleep(50);
      holderAnswer.resolve('A');
      const [fromHolder, fromWaiter] = await Promise.all([holderRead, waiting]);

      // Assess
      expect(fromHolder).toMatchObject({ status: CacheStatus.miss, value: 'A', stored: true });
      expect(fromWaiter).toMatchObject({ status: CacheStatus.hit, value: 'A' });
      expect(other.loads()).toBe(0);
    });

    it('serves the same-generation entry past its freshness while another instance refreshes it', async () => {
      // Prepare: an entry past its freshness (inside its stale window), instance A refreshing it
      const holder = setup();
      const other = setup({ samePartitionAs: holder });
      await holder.cache.read({
        partition: holder.partition,
        resource: 'r',
        freshSeconds: 30,
        load: holder.loader('old'),
      });
      holder.clock.nowMs = startMs + 31_000;
      const refreshing = deferred<string>();
      let refreshes = 0;
      const refresh = holder.cache.read({
        partition: holder.partition,
        resource: 'r',
        freshSeconds: 30,
        load: () => {
          refreshes += 1;
          return refreshing.promise;
        },
      });
      await vi.waitFor(() => expect(refreshes).toBe(1), { interval: 5, timeout: 10_000 });

      // Act
      const meanwhile = await other.cache.read({
        partition: holder.partition,
        resource: 'r',
        freshSeconds: 30,
        load: other.loader('B'),
      });
      refreshing.resolve('new');
      await refresh;

      // Assess
      expect(meanwhile).toMatchObject({ status: CacheStatus.revalidating, value: 'old', ageSeconds: 31 });
      expect(other.loads()).toBe(0);
    });

    it('goes to the provider after a bounded wait, or at once when the lease has run out (the holder died)', async () => {
      // Prepare: a lease taken by an instance that died before filling
      const { cache, clock, store, partition, loads, loader } = setup({ leaseWaitMs: 100 });
      expect(
        await store.acquireLease(partition, 'r', { nowMs: startMs, leaseUntilMs: startMs + 3_000 }),
      ).toBe(true);

      // Act: one reader while the lease still runs, one after it ran out
      const whileHeld = await cache.read({
        partition,
        resource: 'r',
        freshSeconds: 30,
        load: loader('loaded'),
      });
      await cache.invalidate(partition); // so the next reader misses again
      await store.acquireLease(partition, 'r', { nowMs: startMs, leaseUntilMs: startMs + 3_000 });
      clock.nowMs = startMs + 3_000;
      requests.reset();
      const afterExpiry = await cache.read({
        partition,
        resource: 'r',
        freshSeconds: 30,
        load: loader('later'),
      });

      // Assess: never an error because of the lease; the later reader took the lease and filled
      expect(whileHeld).toMatchObject({ status: CacheStatus.miss, value: 'loaded', stored: true });
      expect(afterExpiry).toMatchObject({ status: CacheStatus.miss, value: 'later', stored: true });
      expect(loads()).toBe(2);
      expect(requests.byOperation()).toEqual({ BatchGetItem: 1, UpdateItem: 1, PutItem: 1, GetItem: 1 });
    });

    it('makes at most two provider calls for 20 concurrent cold reads spread over 4 processes', async () => {
      // Prepare: a provider that answers after 200 ms, so the reads overlap across processes
      const provider = await startSlowProvider('stampede-provider');
      try {
        const partition = `test#${randomUUID()}`;

        // Act
        const statuses = await runStampede({
          dynamoEndpoint: process.env.DYNAMODB_ENDPOINT as string,
          tableName,
          providerUrl: `${provider.url}/thing`,
          partition,
          processes: 4,
          readsPerProcess: 5,
        });
        const { calls } = await new SimulatorControl(provider.url).calls();

        // Assess
        expect(statuses.flat()).toHaveLength(20);
        expect(calls['GET /thing']).toBeLessThanOrEqual(2);
        expect(statuses.flat().every((status) => status === 'miss' || status === 'hit')).toBe(true);
      } finally {
        await provider.close();
      }
    }, 150_000); // four processes starting on a busy machine can take a while; no time is asserted
  });

  describe('When DynamoDB is unreachable', () => {
    let logs: CapturedLogs;
    beforeEach(() => {
      logs = captureLogs();
      logger.setLogLevel('WARN');
    });
    afterEach(() => {
      logs.restore();
      logger.setLogLevel('SILENT' as 'WARN');
    });

    it('reads fall through to the provider and the failure is logged, not thrown', async () => {
      // Prepare: a client pointed at a loopback port nothing listens on
      const unreachable = createDynamoDocumentClient({ endpoint: 'http://127.0.0.1:9', region: 'eu-west-1' });
      const cache = new ResponseCache({
        store: new DynamoDbCacheStore(unreachable, tableName),
        staleWindowSeconds: 600,
        jitterRatio: 0,
      });

      // Act
      const result = await cache.read({
        partition: 'test#down',
        resource: 'r',
        freshSeconds: 30,
        load: async () => 'from provider',
      });
      const invalidated = await cache.invalidate('test#down');

      // Assess
      expect(result).toMatchObject({
        status: CacheStatus.unavailable,
        value: 'from provider',
        stored: false,
      });
      expect(invalidated).toBe(false);
      const messages = logs.records().map((record) => record.message);
      expect(messages).toContain('Cache storage failed; falling open to the provider');
      expect(messages).toContain('Cache invalidate failed after retries');
    });
  });
});
