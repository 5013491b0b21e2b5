// The cache table failing under the handlers (docs/cache.md, "Fail open"): a fault-injecting DynamoDB
// endpoint on loopback (real HTTP in front of this lane's dynalite) stands between the handlers and
// the table. With the table unreachable, throttling, failing or hanging, reads fall through to the
// provider and mutations still succeed; a failed invalidation is retried, then reported as an error
// metric (the EMF output itself is read) and an error log; and nothing is lost — no entry older than
// a mutation is served once the table is back.
//
// The handlers read DYNAMODB_ENDPOINT at cold start, so this file points it at the proxy before it
// imports them; metrics are enabled (POWERTOOLS_METRICS_DISABLED unset) for the same reason.
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Deadline } from '../../lib/deadline';
import { enrollmentRegistry } from '../../lib/registry';
import { CursorStore } from '../../lib/sweep/cursor';
import { LeaseStore } from '../../lib/sweep/leases';
import { createDynamoDocumentClient, dynamoDocumentClient } from '../../lib/table/client';
import { MoneyhubSimulatorControl } from '../../local/simulators/moneyhub';
import { TinkSimulatorControl } from '../../local/simulators/tink';
import {
  type DynamoFault,
  type DynamoFaultProxy,
  startDynamoFaultProxy,
} from '../support/dynamo-fault-proxy';
import { type EventInput, type HandlerResponse, invoke, lambdaContext } from '../support/events';
import { type CapturedLogs, captureLogs } from '../support/logs';

const previousEnv = vi.hoisted(() => {
  const previous = {
    POWERTOOLS_METRICS_DISABLED: process.env.POWERTOOLS_METRICS_DISABLED,
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL,
    DYNAMODB_ENDPOINT: process.env.DYNAMODB_ENDPOINT,
    DEADLINE_SAFETY_MS: process.env.DEADLINE_SAFETY_MS,
    CACHE_WORK_RESERVE_MS: process.env.CACHE_WORK_RESERVE_MS,
  };
  delete process.env.POWERTOOLS_METRICS_DISABLED;
  process.env.POWERTOOLS_LOG_LEVEL = 'WARN';
  // Wider than the defaults (500 / 300 ms), so that on a busy machine the deadline tests below tell
  // a reserve from none by hundreds of ms, and a handler still has time to answer after it.
  process.env.DEADLINE_SAFETY_MS = '1500';
  process.env.CACHE_WORK_RESERVE_MS = '1000';
  return previous;
});

type Handler = (event: never, context: Context) => Promise<unknown>;

const tableName = process.env.CACHE_TABLE_NAME as string;
const table = createDynamoDocumentClient({
  endpoint: previousEnv.DYNAMODB_ENDPOINT as string,
  region: 'eu-west-1',
});
const tink = new TinkSimulatorControl(process.env.TINK_SIMULATOR_URL as string);
const moneyhub = new MoneyhubSimulatorControl(process.env.MONEYHUB_SIMULATOR_URL as string);
const unavailable = 'open-banking-users; fwd=miss; detail=cache-unavailable';
/**
 * ResponseCache's attempts at an invalidation, each with up to the SDK's own 2 (maxAttempts): the
 * SDK retries only while its retry quota lasts, which a long outage (and this file) drains.
 */
const invalidateAttempts = 3;
const sdkAttempts = 2;

let proxy: DynamoFaultProxy;
let handlers: Awaited<ReturnType<typeof loadHandlers>>;
let logs: CapturedLogs | undefined;

async function loadHandlers() {
  return {
    listCredentials: (await import('../../functions/tink/list-credentials')).handler as Handler,
    getCredential: (await import('../../functions/tink/get-credential')).handler as Handler,
    deleteCredential: (await import('../../functions/tink/delete-credential')).handler as Handler,
    refreshCredential: (await import('../../functions/tink/refresh-credential')).handler as Handler,
    deleteTinkUser: (await import('../../functions/tink/delete-user')).handler as Handler,
    getUser: (await import('../../functions/moneyhub/get-user')).handler as Handler,
    listConnections: (await import('../../functions/moneyhub/list-connections')).handler as Handler,
    getConnection: (await import('../../functions/moneyhub/get-connection')).handler as Handler,
    listSyncs: (await import('../../functions/moneyhub/list-syncs')).handler as Handler,
    deleteConnection: (await import('../../functions/moneyhub/delete-connection')).handler as Handler,
    deleteMoneyhubUser: (await import('../../functions/moneyhub/delete-user')).handler as Handler,
    enroll: (await import('../../functions/enrollment/enroll-user')).handler as Handler,
    unenroll: (await import('../../functions/enrollment/unenroll-user')).handler as Handler,
  };
}

/**
 * Everything this file's faults make the handlers log (WARN and ERROR records with stacks, metrics),
 * kept out of the test output; the tests assert on the lines they expect through their own captures.
 */
let fileLogs: CapturedLogs | undefined;

beforeAll(async () => {
  fileLogs = captureLogs();
  proxy = await startDynamoFaultProxy(previousEnv.DYNAMODB_ENDPOINT as string);
  process.env.DYNAMODB_ENDPOINT = proxy.url;
  handlers = await loadHandlers();
});

afterEach(async () => {
  logs?.restore();
  logs = undefined;
  proxy.clearFaults();
  await proxy.setReachable(true);
  await Promise.all([tink.clearFaults(), moneyhub.clearFaults()]);
});

afterAll(async () => {
  fileLogs?.restore();
  await proxy.close();
  for (const [name, value] of Object.entries(previousEnv)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

const call = (handler: Handler, input: EventInput, remainingMs = 10_000) =>
  invoke(handler, input, lambdaContext({ remainingMs }));

interface Users {
  tinkUserId: string;
  credentialIds: string[];
  moneyhubUserId: string;
  connectionIds: string[];
}

async function seedUsers(): Promise<Users> {
  const seeded = await tink.seed({ users: [{ market: 'SE', credentials: [{ status: 'UPDATED' }, {}] }] });
  const [user] = await moneyhub.seed({ users: [{ connections: [{}, {}], syncs: 3 }] });
  if (!seeded.users[0] || !user) throw new Error('The simulators seeded no user');
  return {
    tinkUserId: seeded.users[0].userId,
    credentialIds: seeded.users[0].credentialIds,
    moneyhubUserId: user.userId,
    connectionIds: user.connectionIds,
  };
}

interface ReadRoute {
  name: string;
  read: (users: Users, remainingMs?: number) => Promise<HandlerResponse>;
  /** What in the body shows the provider's data for the user. */
  shows: (users: Users, response: HandlerResponse) => void;
}

const readRoutes: ReadRoute[] = [
  {
    name: 'tink.listCredentials',
    read: (users, remainingMs) =>
      call(handlers.listCredentials, { pathParameters: { userId: users.tinkUserId } }, remainingMs),
    shows: (users, response) =>
      expect(
        response
          .json<{ credentials: { id: string }[] }>()
          .credentials.map((c) => c.id)
          .sort(),
      ).toEqual([...users.credentialIds].sort()),
  },
  {
    name: 'tink.getCredential',
    read: (users) =>
      call(handlers.getCredential, {
        pathParameters: { userId: users.tinkUserId, credentialId: users.credentialIds[0] as string },
      }),
    shows: (users, response) => expect(response.json()).toMatchObject({ id: users.credentialIds[0] }),
  },
  {
    name: 'moneyhub.getUser',
    read: (users) => call(handlers.getUser, { pathParameters: { userId: users.moneyhubUserId } }),
    shows: (users, response) => expect(response.json()).toMatchObject({ userId: users.moneyhubUserId }),
  },
  {
    name: 'moneyhub.listConnections',
    read: (users) => call(handlers.listConnections, { pathParameters: { userId: users.moneyhubUserId } }),
    shows: (users, response) =>
      expect(
        response
          .json<{ data: { id: string }[] }>()
          .data.map((c) => c.id)
          .sort(),
      ).toEqual([...users.connectionIds].sort()),
  },
  {
    name: 'moneyhub.getConnection',
    read: (users) =>
      call(handlers.getConnection, {
        pathParameters: { userId: users.moneyhubUserId, connectionId: users.connectionIds[1] as string },
      }),
    shows: (users, response) => expect(response.json()).toMatchObject({ id: users.connectionIds[1] }),
  },
  {
    name: 'moneyhub.listSyncs',
    read: (users) => call(handlers.listSyncs, { pathParameters: { userId: users.moneyhubUserId } }),
    shows: (_users, response) => expect(response.json<{ data: unknown[] }>().data).toHaveLength(3),
  },
];

interface EmittedMetric {
  name: string;
  dimensions: Record<string, string>;
  value: number;
}

/** The metrics in the captured EMF output (CloudWatch embedded metric format records). */
function emittedMetrics(captured: CapturedLogs): EmittedMetric[] {
  return captured.records().flatMap((record) => {
    const directives = (record._aws as { CloudWatchMetrics?: unknown } | undefined)?.CloudWatchMetrics as
      | { Dimensions: string[][]; Metrics: { Name: string }[] }[]
      | undefined;
    if (!directives) return [];
    return directives.flatMap((directive) =>
      directive.Metrics.map((metric) => {
        const raw = record[metric.Name];
        const values = Array.isArray(raw) ? raw : [raw];
        return {
          name: metric.Name,
          dimensions: Object.fromEntries(
            directive.Dimensions.flat().map((name) => [name, String(record[name])]),
          ),
          value: values.reduce((sum: number, value) => sum + Number(value), 0),
        };
      }),
    );
  });
}

function metricCount(captured: CapturedLogs, name: string, dimensions: Record<string, string> = {}) {
  return emittedMetrics(captured)
    .filter(
      (metric) =>
        metric.name === name &&
        Object.entries(dimensions).every(([key, value]) => metric.dimensions[key] === value),
    )
    .reduce((sum, metric) => sum + metric.value, 0);
}

const logged = (captured: CapturedLogs, level: string, message: string) =>
  captured.records().filter((record) => record.level === level && record.message === message);

/** The sort keys of a cache partition's items. */
const partitionSortKeys = async (pk: string) =>
  (
    await table.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': pk },
        ConsistentRead: true,
      }),
    )
  ).Items?.map((item) => String(item.sk)) ?? [];

const cacheItem = async (pk: string, sk: string) =>
  (await table.send(new GetCommand({ TableName: tableName, Key: { pk, sk }, ConsistentRead: true }))).Item;

interface TableFault {
  name: string;
  /** Puts the table in the state; undefined for a table that refuses connections. */
  fault?: DynamoFault;
  /** Read routes exercised: the throttling cases pay the SDK's throttling backoff, so fewer. */
  routes: ReadRoute[];
}

const onePerProvider = () => [readRoutes[0], readRoutes[3]] as ReadRoute[];
const tableFaults: TableFault[] = [
  { name: 'unreachable (connections refused)', routes: readRoutes },
  { name: 'resetting every connection', fault: { kind: 'drop' }, routes: readRoutes },
  { name: 'failing (500 InternalServerError)', fault: { kind: 'status', status: 500 }, routes: readRoutes },
  {
    name: 'throttling (ThrottlingException)',
    fault: { kind: 'throttling' },
    get routes() {
      return onePerProvider();
    },
  },
  {
    name: 'throttling (ProvisionedThroughputExceededException)',
    fault: { kind: 'provisioned-throughput' },
    get routes() {
      return onePerProvider();
    },
  },
];

async function breakTable(tableFault: TableFault) {
  if (tableFault.fault) proxy.inject({ fault: tableFault.fault });
  else await proxy.setReachable(false);
}

describe('With the table unreachable, throttling or failing: reads fall through to the provider', () => {
  it.each(tableFaults)(
    '$name: 200 from the provider, Cache-Status says so, nothing written',
    async (tableFault) => {
      // Prepare
      const users = await seedUsers();
      await breakTable(tableFault);
      proxy.resetCounts();
      logs = captureLogs();

      // Act
      const responses: HandlerResponse[] = [];
      for (const route of tableFault.routes) responses.push(await route.read(users));
      logs.restore();
      const requests = proxy.requests();
      const firstAttempts = proxy.firstAttempts();
      proxy.clearFaults();
      await proxy.setReachable(true);

      // Assess: the provider's data, marked as not from the cache
      tableFault.routes.forEach((route, index) => {
        const response = responses[index] as HandlerResponse;
        expect(response.statusCode, route.name).toBe(200);
        expect(response.headers['Cache-Status'], route.name).toBe(unavailable);
        expect(response.headers.Age).toBe('0');
        route.shows(users, response);
      });
      // One read per request reached the table (plus the SDK's own retry while its quota lasts), and
      // nothing else: no fill is attempted without a generation read
      const reads = tableFault.routes.length;
      expect(firstAttempts).toEqual(tableFault.fault ? { BatchGetItem: reads } : {});
      expect(Object.keys(requests)).toEqual(tableFault.fault ? ['BatchGetItem'] : []);
      expect(requests.BatchGetItem ?? 0).toBeLessThanOrEqual(reads * sdkAttempts);
      expect(metricCount(logs, 'CacheUnavailable', { operation: 'read' })).toBe(reads);
      expect(logged(logs, 'WARN', 'Cache storage failed; falling open to the provider')).toHaveLength(reads);
      // Nothing was stored while the table was down; with the table back, the next read is a miss
      expect(await partitionSortKeys(`tink#${users.tinkUserId}`)).toEqual([]);
      expect(await partitionSortKeys(`moneyhub#${users.moneyhubUserId}`)).toEqual([]);
      const next = await (tableFault.routes[0] as ReadRoute).read(users);
      expect(next.headers['Cache-Status']).toMatch(/^open-banking-users; fwd=miss; stored; ttl=\d+$/);
    },
  );

  it('serves a read from the provider, unstored, when only writes are throttled', async () => {
    // Prepare
    const users = await seedUsers();
    proxy.inject({ operations: ['PutItem'], fault: { kind: 'throttling' } });
    logs = captureLogs();

    // Act
    const response = await readRoutes[3]?.read(users);

    // Assess
    expect(response?.statusCode).toBe(200);
    expect(response?.headers['Cache-Status']).toBe('open-banking-users; fwd=miss');
    expect(metricCount(logs, 'CacheUnavailable', { operation: 'fill' })).toBe(1);
    expect(await cacheItem(`moneyhub#${users.moneyhubUserId}`, 'c#connections')).toBeUndefined();
  });
});

interface Mutation {
  name: string;
  status: number;
  /** `invalidate` for a change to the user's data, `purge` for a deleted user. */
  cacheOperation: 'invalidate' | 'purge';
  /** Fills the entry the mutation must invalidate. */
  fill: (users: Users) => Promise<HandlerResponse>;
  mutate: (users: Users, remainingMs?: number) => Promise<HandlerResponse>;
  /** Asserts that the provider acted. */
  acted: (users: Users) => Promise<void>;
}

const mutations: Mutation[] = [
  {
    name: 'tink.deleteCredential',
    status: 204,
    cacheOperation: 'invalidate',
    fill: (users) => readRoutes[0]?.read(users) as Promise<HandlerResponse>,
    mutate: (users, remainingMs) =>
      call(
        handlers.deleteCredential,
        {
          method: 'DELETE',
          pathParameters: { userId: users.tinkUserId, credentialId: users.credentialIds[0] as string },
        },
        remainingMs,
      ),
    acted: async (users) => {
      // Tink deletes asynchronously: the credential is being deleted, or already gone
      const state = await tink.credential(users.credentialIds[0] as string).then(
        (credential) => (credential.simulator.deleting ? 'deleting' : 'kept'),
        () => 'gone',
      );
      expect(state).not.toBe('kept');
    },
  },
  {
    name: 'tink.refreshCredential',
    status: 202,
    cacheOperation: 'invalidate',
    fill: (users) => readRoutes[0]?.read(users) as Promise<HandlerResponse>,
    mutate: (users, remainingMs) =>
      call(
        handlers.refreshCredential,
        {
          method: 'POST',
          pathParameters: { userId: users.tinkUserId, credentialId: users.credentialIds[0] as string },
        },
        remainingMs,
      ),
    acted: async (users) => {
      expect((await tink.credential(users.credentialIds[0] as string)).simulator.refreshRequests).toBe(1);
    },
  },
  {
    name: 'tink.deleteUser',
    status: 204,
    cacheOperation: 'purge',
    fill: (users) => readRoutes[0]?.read(users) as Promise<HandlerResponse>,
    mutate: (users, remainingMs) =>
      call(
        handlers.deleteTinkUser,
        { method: 'DELETE', pathParameters: { userId: users.tinkUserId } },
        remainingMs,
      ),
    acted: async (users) => {
      await expect(tink.user(users.tinkUserId)).rejects.toThrow(/404/);
    },
  },
  {
    name: 'moneyhub.deleteConnection',
    status: 204,
    cacheOperation: 'invalidate',
    fill: (users) => readRoutes[3]?.read(users) as Promise<HandlerResponse>,
    mutate: (users, remainingMs) =>
      call(
        handlers.deleteConnection,
        {
          method: 'DELETE',
          pathParameters: { userId: users.moneyhubUserId, connectionId: users.connectionIds[0] as string },
        },
        remainingMs,
      ),
    acted: async (users) => {
      expect((await moneyhub.user(users.moneyhubUserId)).connections).toHaveLength(1);
    },
  },
  {
    name: 'moneyhub.deleteUser',
    status: 204,
    cacheOperation: 'purge',
    fill: (users) => readRoutes[2]?.read(users) as Promise<HandlerResponse>,
    mutate: (users, remainingMs) =>
      call(
        handlers.deleteMoneyhubUser,
        { method: 'DELETE', pathParameters: { userId: users.moneyhubUserId } },
        remainingMs,
      ),
    acted: async (users) => {
      await expect(moneyhub.user(users.moneyhubUserId)).rejects.toThrow(/404/);
    },
  },
];

describe('With the table unreachable or throttling: mutations still succeed', () => {
  it.each(mutations)(
    '$name answers $status with the table unreachable; the invalidation is retried, then reported',
    async (mutation) => {
      // Prepare
      const users = await seedUsers();
      expect((await mutation.fill(users)).headers['Cache-Status']).toMatch(/fwd=miss; stored/);
      await proxy.setReachable(false);
      logs = captureLogs();

      // Act
      const response = await mutation.mutate(users);

      // Assess
      logs.restore();
      expect(response.statusCode).toBe(mutation.status);
      await mutation.acted(users);
      // A purge bumps the generation, then deletes the entries: both steps are retried and reported
      const failedSteps = mutation.cacheOperation === 'purge' ? 2 : 1;
      expect(metricCount(logs, 'CacheInvalidationFailed', { operation: mutation.cacheOperation })).toBe(
        failedSteps,
      );
      const errors = logged(logs, 'ERROR', `Cache ${mutation.cacheOperation} failed after retries`);
      expect(errors).toHaveLength(failedSteps);
      expect(errors[0]).toMatchObject({ attempts: invalidateAttempts });
      if (mutation.cacheOperation === 'purge') {
        expect(metricCount(logs, 'UnenrollmentFailed')).toBe(1);
      }
    },
  );

  it.each<{ name: string; fault: DynamoFault; mutation: Mutation }>([
    { name: 'ThrottlingException', fault: { kind: 'throttling' }, mutation: mutations[0] as Mutation },
    {
      name: 'ProvisionedThroughputExceededException',
      fault: { kind: 'provisioned-throughput' },
      mutation: mutations[3] as Mutation,
    },
  ])(
    "$mutation.name answers 2xx with UpdateItem throttled ($name): 3 attempts (× the SDK's), then the error metric",
    async ({ fault, mutation }) => {
      // Prepare
      const users = await seedUsers();
      await mutation.fill(users);
      proxy.inject({ operations: ['UpdateItem'], fault });
      proxy.resetCounts();
      logs = captureLogs();

      // Act
      const response = await mutation.mutate(users);

      // Assess
      logs.restore();
      expect(response.statusCode).toBe(mutation.status);
      await mutation.acted(users);
      expect(proxy.firstAttempts().UpdateItem).toBe(invalidateAttempts);
      expect(proxy.requests().UpdateItem).toBeGreaterThanOrEqual(invalidateAttempts);
      expect(proxy.requests().UpdateItem).toBeLessThanOrEqual(invalidateAttempts * sdkAttempts);
      expect(proxy.faulted().UpdateItem).toBe(proxy.requests().UpdateItem);
      expect(metricCount(logs, 'CacheInvalidationFailed', { operation: 'invalidate' })).toBe(1);
      expect(metricCount(logs, 'CacheInvalidation')).toBe(0);
      expect(logged(logs, 'ERROR', 'Cache invalidate failed after retries')).toHaveLength(1);
    },
  );
});

describe('A failed invalidation is retried, and nothing is lost when the table comes back', () => {
  it('lands on a later attempt when the throttling passes: the next read shows the change', async () => {
    // Prepare: the list cached, then UpdateItem throttled twice: the first attempt fails (with the
    // SDK's retry, if its quota allows one) and a later one lands
    const users = await seedUsers();
    await readRoutes[3]?.read(users);
    proxy.inject({ operations: ['UpdateItem'], fault: { kind: 'throttling' }, times: 2 });
    proxy.resetCounts();
    logs = captureLogs();

    // Act
    const response = await mutations[3]?.mutate(users);
    const invalidationRequests = proxy.requests().UpdateItem;
    const next = await readRoutes[3]?.read(users);

    // Assess
    logs.restore();
    expect(response?.statusCode).toBe(204);
    expect(invalidationRequests).toBe(3);
    expect(proxy.faulted().UpdateItem).toBe(2);
    expect(proxy.firstAttempts().UpdateItem).toBeGreaterThanOrEqual(2);
    expect(metricCount(logs, 'CacheInvalidation')).toBe(1);
    expect(metricCount(logs, 'CacheInvalidationFailed')).toBe(0);
    expect(next?.headers['Cache-Status']).toMatch(/fwd=miss; stored/);
    expect(next?.json<{ data: { id: string }[] }>().data.map((c) => c.id)).toEqual([users.connectionIds[1]]);
  });

  it('never serves a fill that read the generation before the mutation, even when it lands after it', async () => {
    // Prepare: a read that misses, loads the two connections and then meets a slow table on its fill
    const users = await seedUsers();
    const userPartition = `moneyhub#${users.moneyhubUserId}`;
    proxy.inject({ operations: ['PutItem'], fault: { kind: 'delay', ms: 600 }, times: 1 });
    proxy.resetCounts();
    const slowRead = readRoutes[3]?.read(users) as Promise<HandlerResponse>;
    await vi.waitFor(() => expect(proxy.requests().PutItem).toBe(1), { interval: 5, timeout: 10_000 });

    // Act: the connection is deleted (its invalidation throttled once, then landing) while that
    // fill is still on its way; the fill lands after the generation moved on
    proxy.inject({ operations: ['UpdateItem'], fault: { kind: 'throttling' }, times: 1 });
    const deleted = await mutations[3]?.mutate(users);
    const late = await slowRead;
    const meta = await cacheItem(userPartition, 'meta');
    const entry = await cacheItem(userPartition, 'c#connections');
    const next = await readRoutes[3]?.read(users);

    // Assess: the late fill is never served. When its check ran after the generation moved on it took
    // the entry back out; on a slow machine the check may run first, leaving an entry of the old
    // generation that no read will use (the purge tests assert that nothing at all remains).
    expect(deleted?.statusCode).toBe(204);
    expect(late.json<{ data: unknown[] }>().data).toHaveLength(2);
    expect(meta?.gen).toBe(1);
    if (entry) expect(entry.gen).toBeLessThan(1);
    expect(next?.headers['Cache-Status']).toMatch(/fwd=miss; stored/);
    expect(next?.json<{ data: { id: string }[] }>().data.map((c) => c.id)).toEqual([users.connectionIds[1]]);
  });

  it.each([
    { name: 'moneyhub.deleteUser', read: 2, mutation: 'moneyhub.deleteUser', provider: 'moneyhub' },
    { name: 'tink.deleteUser', read: 0, mutation: 'tink.deleteUser', provider: 'tink' },
  ])(
    "$name: a fill that lands after the purge leaves none of the user's data in the table",
    async (testCase) => {
      // Prepare: a read whose provider answer arrived before the deletion, its fill held by a slow table
      const users = await seedUsers();
      const userId = testCase.provider === 'tink' ? users.tinkUserId : users.moneyhubUserId;
      const userPartition = `${testCase.provider}#${userId}`;
      const mutation = mutations.find((candidate) => candidate.name === testCase.mutation);
      proxy.inject({ operations: ['PutItem'], fault: { kind: 'delay', ms: 600 }, times: 1 });
      proxy.resetCounts();
      const slowRead = readRoutes[testCase.read]?.read(users) as Promise<HandlerResponse>;
      await vi.waitFor(() => expect(proxy.requests().PutItem).toBe(1), { interval: 5, timeout: 10_000 });

      // Act: the user is deleted and purged while that fill is on its way; then the fill lands
      const deleted = await mutation?.mutate(users);
      const partitionRightAfterDelete = await partitionSortKeys(userPartition);
      const late = await slowRead;
      const items = (
        await table.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': userPartition },
            ConsistentRead: true,
          }),
        )
      ).Items;

      // Assess: only the generation marker remains, holding no provider data
      expect(deleted?.statusCode).toBe(204);
      expect(partitionRightAfterDelete).toEqual(['meta']);
      expect(late.statusCode).toBe(200);
      expect(items?.map((item) => item.sk)).toEqual(['meta']);
      expect(items?.some((item) => 'body' in item)).toBe(false);
    },
  );

  // An invalidation lost for good (the table still refusing writes after the retries) leaves the
  // entries filled before the change usable until their own freshness ends (at most the TTL), with
  // CacheInvalidationFailed as the alarm: no write can land while the table refuses them. Whatever
  // invalidation of the user lands next makes all of them unusable at once.
  it('heals a lost invalidation with the next one: generations only move forward', async () => {
    // Prepare: the list cached; the first delete's invalidation is lost to a throttled table
    const users = await seedUsers();
    const userPartition = `moneyhub#${users.moneyhubUserId}`;
    await readRoutes[3]?.read(users);
    proxy.inject({ operations: ['UpdateItem'], fault: { kind: 'throttling' } });
    const first = await mutations[3]?.mutate(users);
    proxy.clearFaults();

    // Act: the table is back; the next change's invalidation lands
    const second = await call(handlers.deleteConnection, {
      method: 'DELETE',
      pathParameters: { userId: users.moneyhubUserId, connectionId: users.connectionIds[1] as string },
    });
    const next = await readRoutes[3]?.read(users);

    // Assess: one bump covers every entry filled before either change
    expect(first?.statusCode).toBe(204);
    expect(second.statusCode).toBe(204);
    expect((await cacheItem(userPartition, 'meta'))?.gen).toBe(1);
    expect(next?.headers['Cache-Status']).toMatch(/fwd=miss; stored/);
    expect(next?.json<{ data: unknown[] }>().data).toEqual([]);
  });
});

describe('With a table that accepts connections and never answers', () => {
  it('reads and mutations still answer before the deadline; the SDK gives up on its own too', async () => {
    // Prepare
    const users = await seedUsers();
    proxy.inject({ fault: { kind: 'hang' } });
    const remainingMs = 2500;
    logs = captureLogs();
    const timed = async <T>(action: () => Promise<T>) => {
      const startedMs = Date.now();
      const result = await action();
      return { result, elapsedMs: Date.now() - startedMs };
    };

    // Act: a read, a change and a deletion at once, and the bare client with no deadline
    const [read, changed, deleted, bare] = await Promise.all([
      timed(() => readRoutes[0]?.read(users, remainingMs) as Promise<HandlerResponse>),
      timed(() => mutations[3]?.mutate(users, remainingMs) as Promise<HandlerResponse>),
      timed(() => mutations[4]?.mutate(users, remainingMs) as Promise<HandlerResponse>),
      timed(() =>
        createDynamoDocumentClient({ endpoint: proxy.url, region: 'eu-west-1' })
          .send(new GetCommand({ TableName: tableName, Key: { pk: 'x', sk: 'y' } }))
          .then(
            () => 'answered',
            (error: Error) => error.name,
          ),
      ),
    ]);

    // Assess
    logs.restore();
    expect(read.result.statusCode).toBe(200);
    expect(read.result.headers['Cache-Status']).toBe(unavailable);
    expect(changed.result.statusCode).toBe(204);
    expect(deleted.result.statusCode).toBe(204);
    for (const { elapsedMs } of [read, changed, deleted]) expect(elapsedMs).toBeLessThan(remainingMs);
    expect(metricCount(logs, 'CacheInvalidationFailed', { operation: 'invalidate' })).toBe(1);
    expect(metricCount(logs, 'CacheInvalidationFailed', { operation: 'purge' })).toBe(2);
    // requestTimeout (1500 ms) is enforced on each of the SDK's two attempts, not merely warned about
    expect(bare.result).toBe('TimeoutError');
    expect(bare.elapsedMs).toBeLessThan(4000);
  });
});

// A provider mutation may answer at the very end of the invocation's time, or after it (the caller
// hears 504 while the provider acted). The invalidation or purge after it has a reserve of its own
// (CACHE_WORK_RESERVE_MS out of the DEADLINE_SAFETY_MS margin: 1 000 of 1 500 ms in this file), and
// runs whatever the outcome, unless the provider refused the change.
const heldMutations = [
  {
    name: 'moneyhub.deleteUser',
    hold: (ms: number) => moneyhub.injectFault('DELETE /users/:userId', { kind: 'latency', ms }, 1),
    userPartition: (users: Users) => `moneyhub#${users.moneyhubUserId}`,
  },
  {
    name: 'tink.deleteUser',
    hold: (ms: number) => tink.injectFault('POST /api/v1/user/delete', { kind: 'latency', ms }, 1),
    userPartition: (users: Users) => `tink#${users.tinkUserId}`,
  },
  {
    name: 'moneyhub.deleteConnection',
    hold: (ms: number) =>
      moneyhub.injectFault('DELETE /users/:userId/connection/:connectionId', { kind: 'latency', ms }, 1),
    userPartition: (users: Users) => `moneyhub#${users.moneyhubUserId}`,
  },
];

describe('The cache work after a mutation has its own time, and runs when the outcome is unknown', () => {
  it.each(heldMutations)(
    '$name answered just before the deadline: the invalidation or purge still completes',
    async (held) => {
      // Prepare: tokens warm (one mutation done before), the entry cached; the provider answers
      // ~250 ms before the deadline and the table takes 600 ms for the generation bump
      const mutation = mutations.find((candidate) => candidate.name === held.name) as Mutation;
      const warmUp = await seedUsers();
      await mutation.mutate(warmUp);
      const users = await seedUsers();
      expect((await mutation.fill(users)).headers['Cache-Status']).toMatch(/fwd=miss; stored/);
      const remainingMs = 3_000; // the provider deadline is 1 500 ms away
      await held.hold(1_250);
      proxy.inject({ operations: ['UpdateItem'], fault: { kind: 'delay', ms: 600 }, times: 1 });

      // Act
      const response = await mutation.mutate(users, remainingMs);

      // Assess
      expect(response.statusCode).toBe(mutation.status);
      expect((await cacheItem(held.userPartition(users), 'meta'))?.gen).toBe(1);
      if (mutation.cacheOperation === 'purge')
        expect(await partitionSortKeys(held.userPartition(users))).toEqual(['meta']);
      const next = await mutation.fill(users);
      expect(next.headers['Cache-Status'] ?? '').not.toMatch(/hit/);
    },
  );

  it.each(heldMutations)(
    '$name answered after the deadline (504, outcome unknown): the cache is invalidated or purged anyway',
    async (held) => {
      // Prepare: the entry cached; the provider acts only after our deadline has passed
      const mutation = mutations.find((candidate) => candidate.name === held.name) as Mutation;
      const users = await seedUsers();
      expect((await mutation.fill(users)).headers['Cache-Status']).toMatch(/fwd=miss; stored/);
      await held.hold(1_500);

      // Act: 1 000 ms to the provider deadline
      const response = await mutation.mutate(users, 2_500);
      const partitionAfter = await partitionSortKeys(held.userPartition(users));
      const meta = await cacheItem(held.userPartition(users), 'meta');
      await vi.waitFor(() => mutation.acted(users), { timeout: 5_000, interval: 50 });
      const next = await mutation.fill(users);

      // Assess: the deleted user or connection is never served from the cache afterwards
      expect(response.statusCode).toBe(504);
      expect(meta?.gen).toBe(1);
      if (mutation.cacheOperation === 'purge') expect(partitionAfter).toEqual(['meta']);
      expect(next.headers['Cache-Status'] ?? '').not.toMatch(/hit/);
    },
  );
});

// Every table call made for an invocation ends at its deadline, not only the cache's: the registry
// (enrolment routes, the sweep's walk), the sweep's cursor and leases. A table that never answers
// is given up on then; the SDK's own requestTimeout (1 500 ms per attempt, then a retry) would end
// it later, with a TimeoutError rather than the AbortError of a deadline.
describe("The invocation's deadline ends every table call made for it, on a table that never answers", () => {
  const sentRequests = () => Object.values(proxy.requests()).reduce((sum, count) => sum + count, 0);
  /** Sooner than the SDK's own request timeout: only the deadline can end a call this early. */
  const deadlineInMs = 300;
  /** However busy the machine, a call its deadline ended has settled by then. */
  const settleMarginMs = 1_000;
  const cursors = () => new CursorStore(dynamoDocumentClient(), tableName);
  const leases = () => new LeaseStore(dynamoDocumentClient(), tableName);
  const storeCalls: { name: string; call: (deadline: Deadline) => Promise<unknown> }[] = [
    { name: 'registry.listShard', call: (deadline) => enrollmentRegistry().listShard(0, {}, deadline) },
    { name: 'registry.enroll', call: (deadline) => enrollmentRegistry().enroll('tink', 'hung', deadline) },
    { name: 'cursor load', call: (deadline) => cursors().load(deadline) },
    {
      name: 'cursor save',
      call: (deadline) => cursors().save({ shard: 1, passes: 0 }, Date.now(), deadline),
    },
    {
      name: 'lease acquire',
      call: (deadline) => leases().acquire('tink#hung#item', 'run', 60_000, deadline),
    },
    { name: 'lease release', call: (deadline) => leases().release('tink#hung#item', 'run', deadline) },
  ];

  it.each(storeCalls)('$name gives up at the deadline, sending its request once', async ({ call }) => {
    // Prepare
    proxy.inject({ fault: { kind: 'hang' } });
    proxy.resetCounts();
    const deadline = { deadlineAtMs: Date.now() + deadlineInMs };

    // Act
    const outcome = await call(deadline).then(
      () => 'answered',
      (error: Error) => error.name,
    );
    const settledAtMs = Date.now();

    // Assess
    expect(outcome).toBe('AbortError');
    expect(sentRequests()).toBe(1);
    expect(settledAtMs).toBeLessThan(deadline.deadlineAtMs + settleMarginMs);
  });

  it.each(storeCalls)('$name sends nothing once the deadline has passed', async ({ call }) => {
    // Prepare: a healthy table
    proxy.resetCounts();

    // Act
    const outcome = await call({ deadlineAtMs: Date.now() - 1 }).then(
      () => 'answered',
      (error: Error) => error.name,
    );

    // Assess
    expect(outcome).toBe('AbortError');
    expect(sentRequests()).toBe(0);
  });

  it.each([
    { route: 'PUT', registryOperations: ['GetItem', 'PutItem'], enrolledBefore: false },
    { route: 'DELETE', registryOperations: ['GetItem', 'DeleteItem'], enrolledBefore: true },
  ])(
    '$route enrollment answers 504 before its time runs out, and the enrolment is unchanged',
    async ({ route, registryOperations, enrolledBefore }) => {
      // Prepare: the user's credentials cached (the enrolment's read of the user is a cache hit),
      // then every registry operation hangs; 1 000 ms to the deadline, under the SDK's timeout
      const users = await seedUsers();
      const userId = users.tinkUserId;
      const input = { method: route, path: `/tink/users/${userId}/enrollment`, pathParameters: { userId } };
      expect((await readRoutes[0]?.read(users))?.headers['Cache-Status']).toMatch(/fwd=miss; stored/);
      if (enrolledBefore)
        expect((await call(handlers.enroll, { ...input, method: 'PUT' })).statusCode).toBe(200);
      proxy.inject({ operations: registryOperations, fault: { kind: 'hang' } });
      const remainingMs = 2_500;
      logs = captureLogs();

      // Act
      const startedMs = Date.now();
      const response = await call(route === 'PUT' ? handlers.enroll : handlers.unenroll, input, remainingMs);
      const elapsedMs = Date.now() - startedMs;
      logs.restore();
      proxy.clearFaults();

      // Assess: out of time, answered in time; the deadline, not the SDK's own timeout, ended it
      expect(response.statusCode).toBe(504);
      expect(response.headers['Content-Type']).toBe('application/problem+json');
      expect(response.json<{ type: string }>().type).toMatch(/\/timeout$/);
      expect(elapsedMs).toBeLessThan(remainingMs);
      const failed = logged(logs, 'ERROR', 'Request failed');
      expect(failed.map((record) => (record.error as { name?: string } | undefined)?.name)).toEqual([
        'AbortError',
      ]);
      expect(await enrollmentRegistry().isEnrolled('tink', userId)).toBe(enrolledBefore);
    },
  );
});
