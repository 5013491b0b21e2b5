// The fault matrix: every operation (8 Tink + 7 Moneyhub handlers, invoked with API Gateway events)
// against every provider fault, injected at the simulator on the route the operation calls — and,
// in rows of their own, at the token endpoints. Each cell checks the documented status and the
// problem+json body (provider, providerStatus when the provider answered, Retry-After on 429), that
// the handler answered before its deadline, that nothing was cached (the next read after the fault
// is a miss showing current data) and that nothing was lost: a mutation the provider refused leaves
// the cached entry served as it was, one whose outcome is unknown (5xx, dropped, unanswered) leaves
// the user's cache invalidated, and either leaves the provider unchanged; a read whose provider fails serves its stale
// entry inside the window (or, for a refusal of our credentials, answers the error) and leaves the
// entry untouched. The matrix (operation × fault → status) is printed at the end.
//
// The two simulators are independent, so the Tink and the Moneyhub cells run side by side: each
// provider's cells one at a time, in order (a lane per provider), so faults, tokens and counts of
// one cell never reach another.
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, type ExpectStatic, it } from 'vitest';
import { handler as createAuthorization } from '../../functions/tink/create-authorization';
import { handler as createUser } from '../../functions/tink/create-user';
import { handler as deleteCredential } from '../../functions/tink/delete-credential';
import { handler as deleteTinkUser } from '../../functions/tink/delete-user';
import { handler as getCredential } from '../../functions/tink/get-credential';
import { handler as getUserAccessToken } from '../../functions/tink/get-user-access-token';
import { handler as listCredentials } from '../../functions/tink/list-credentials';
import { handler as refreshCredential } from '../../functions/tink/refresh-credential';
import { forgetLearnedMoneyhubFallbacks, moneyhubClient } from '../../lib/providers/moneyhub';
import { tinkClient } from '../../lib/providers/tink';
import { dynamoDocumentClient } from '../../lib/table/client';
import type { Fault } from '../../local/simulators/harness';
import { type HandlerResponse, invoke, lambdaContext } from '../support/events';
import {
  api as moneyhubApi,
  control as moneyhubControl,
  route as moneyhubRoute,
  seedUser as seedMoneyhubUser,
} from './moneyhub/helpers';
import { seedUser as seedTinkUser, control as tinkControl, route as tinkRoute } from './tink/helpers';

type Provider = 'tink' | 'moneyhub';
type Handler = (event: never, context: Context) => Promise<unknown>;

interface FaultColumn {
  key: string;
  fault: Fault;
  /** The status docs/architecture.md gives the fault. */
  status: number;
  /** What the problem says the provider answered (absent when it never answered). */
  providerStatus?: number;
  /** Whether a stale entry stands in (provider 5xx, 429, network, timeout, invalid response). */
  staleEligible: boolean;
  /** The Lambda's remaining time at the start of the invocation. */
  remainingMs: number;
}

const retryAfterSeconds = 30; // above PROVIDER_RETRY_AFTER_CAP_SECONDS: answered at once, passed on
const hangBudgetMs = 800; // DEADLINE_SAFETY_MS (500) is kept back: the provider calls get 300 ms
const budgetMs = 5000;

const faults: FaultColumn[] = [
  {
    key: '429 + Retry-After',
    fault: { kind: 'rate-limit', retryAfterSeconds },
    status: 429,
    providerStatus: 429,
    staleEligible: true,
    remainingMs: budgetMs,
  },
  {
    key: '500',
    fault: { kind: 'status', status: 500 },
    status: 502,
    providerStatus: 500,
    staleEligible: true,
    remainingMs: budgetMs,
  },
  {
    key: '502',
    fault: { kind: 'status', status: 502 },
    status: 502,
    providerStatus: 502,
    staleEligible: true,
    remainingMs: budgetMs,
  },
  {
    key: '503',
    fault: { kind: 'status', status: 503 },
    status: 502,
    providerStatus: 503,
    staleEligible: true,
    remainingMs: budgetMs,
  },
  { key: 'hang', fault: { kind: 'hang' }, status: 504, staleEligible: true, remainingMs: hangBudgetMs },
  { key: 'drop', fault: { kind: 'drop' }, status: 502, staleEligible: true, remainingMs: budgetMs },
  {
    key: 'malformed JSON',
    fault: { kind: 'malformed' },
    status: 502,
    providerStatus: 200,
    staleEligible: true,
    remainingMs: budgetMs,
  },
  {
    key: 'schema-violating JSON',
    fault: { kind: 'schema-violation' },
    status: 502,
    providerStatus: 200,
    staleEligible: true,
    remainingMs: budgetMs,
  },
  {
    key: '401 (our credentials)',
    fault: { kind: 'status', status: 401 },
    status: 502,
    providerStatus: 401,
    staleEligible: false,
    remainingMs: budgetMs,
  },
  {
    key: '403 (our credentials)',
    fault: { kind: 'status', status: 403 },
    status: 502,
    providerStatus: 403,
    staleEligible: false,
    remainingMs: budgetMs,
  },
];

interface Subject {
  userId: string;
  ids: string[];
  /** Anything a row needs to remember between its steps (a code, a count…). */
  memo: Record<string, unknown>;
}

interface RowBase {
  name: string;
  provider: Provider;
  /** The simulator route the fault is injected on. */
  faultRoute: string;
  prepare: () => Promise<Subject>;
  /** Runs right before each faulted call (e.g. drops tokens so the token endpoint is called). */
  beforeFault?: (subject: Subject) => void;
  invoke: (subject: Subject, context?: Context) => Promise<HandlerResponse>;
}

interface ReadRow extends RowBase {
  kind: 'read';
  /** The cache item the read fills. */
  cacheKey: (subject: Subject) => { pk: string; sk: string };
  /** Asserts that a fresh answer shows the provider's current data. */
  current: (subject: Subject, response: HandlerResponse, expect: ExpectStatic) => Promise<void>;
}

interface MutationRow extends RowBase {
  kind: 'mutation';
  successStatus: number;
  /** A read whose cached entry a failed mutation must leave in place. */
  observe: (subject: Subject) => Promise<HandlerResponse>;
  /** Asserts that the provider did not act. */
  unchanged: (subject: Subject, expect: ExpectStatic) => Promise<void>;
}

interface CreateRow extends RowBase {
  kind: 'create';
  successStatus: number;
  /** Asserts that nothing was created, before the operation is tried again without the fault. */
  afterFault?: (subject: Subject, expect: ExpectStatic) => Promise<void>;
}

type Row = ReadRow | MutationRow | CreateRow;

const tinkCall = (handler: Handler, input: Parameters<typeof invoke>[1], context?: Context) =>
  invoke(handler, input, context ?? lambdaContext());
const tinkScope = (userId: string) => `tink#${userId}`;
const moneyhubScope = (userId: string) => `moneyhub#${userId}`;
const subjectOf = (userId: string, ids: string[] = [], memo: Record<string, unknown> = {}): Subject => ({
  userId,
  ids,
  memo,
});

async function tinkSubject(): Promise<Subject> {
  const { userId, credentialIds } = await seedTinkUser([{ status: 'UPDATED' }, { status: 'UPDATED' }]);
  return subjectOf(userId, credentialIds);
}

const tinkRead = {
  list: (subject: Subject, context?: Context) =>
    tinkCall(listCredentials, { method: 'GET', pathParameters: { userId: subject.userId } }, context),
  get: (subject: Subject, context?: Context) =>
    tinkCall(
      getCredential,
      { method: 'GET', pathParameters: { userId: subject.userId, credentialId: subject.ids[0] as string } },
      context,
    ),
};

async function grantCode(userId: string): Promise<string> {
  const granted = await tinkCall(createAuthorization, {
    method: 'POST',
    pathParameters: { userId },
    body: { scope: ['credentials:read'] },
  });
  if (granted.statusCode !== 201) throw new Error(`Could not grant a code: ${granted.body}`);
  return granted.json<{ code: string }>().code;
}

async function listedCredentialIds(subject: Subject, response: HandlerResponse, expect: ExpectStatic) {
  const dump = await tinkControl.user(subject.userId);
  const listed = response.json<{ credentials: { id: string }[] }>().credentials.map((c) => c.id);
  expect(listed.sort()).toEqual(dump.credentials.map((c) => c.id).sort());
}

const tinkRows: Row[] = [
  {
    name: 'tink.createUser',
    provider: 'tink',
    kind: 'create',
    faultRoute: tinkRoute.createUser,
    successStatus: 201,
    prepare: async () => subjectOf('', [], { users: (await tinkControl.users()).count }),
    invoke: (_subject, context) =>
      tinkCall(createUser, { method: 'POST', path: '/tink/users', body: { market: 'SE' } }, context),
    afterFault: async (subject, expect) => {
      expect((await tinkControl.users()).count).toBe(subject.memo.users);
    },
  },
  {
    name: 'tink.createAuthorization',
    provider: 'tink',
    kind: 'create',
    faultRoute: tinkRoute.grant,
    successStatus: 201,
    prepare: async () => {
      const subject = await tinkSubject();
      await grantCode(subject.userId); // the client token is minted outside the fault
      return subject;
    },
    invoke: (subject, context) =>
      tinkCall(
        createAuthorization,
        { method: 'POST', pathParameters: { userId: subject.userId }, body: { scope: ['credentials:read'] } },
        context,
      ),
  },
  {
    name: 'tink.getUserAccessToken',
    provider: 'tink',
    kind: 'create',
    faultRoute: tinkRoute.clientToken,
    successStatus: 200,
    prepare: async () => {
      const subject = await tinkSubject();
      subject.memo.code = await grantCode(subject.userId);
      return subject;
    },
    // The retry once Tink is back proves the failed exchange did not spend the caller's single-use code.
    invoke: (subject, context) =>
      tinkCall(getUserAccessToken, { method: 'POST', body: { code: subject.memo.code } }, context),
  },
  {
    name: 'tink.listCredentials',
    provider: 'tink',
    kind: 'read',
    faultRoute: tinkRoute.list,
    prepare: async () => {
      const subject = await tinkSubject();
      await tinkRead.get(subject); // mints the user token; caches another resource
      return subject;
    },
    invoke: (subject, context) => tinkRead.list(subject, context),
    cacheKey: (subject) => ({ pk: tinkScope(subject.userId), sk: 'c#credentials' }),
    current: listedCredentialIds,
  },
  {
    name: 'tink.getCredential',
    provider: 'tink',
    kind: 'read',
    faultRoute: tinkRoute.get,
    prepare: async () => {
      const subject = await tinkSubject();
      await tinkRead.list(subject);
      return subject;
    },
    invoke: (subject, context) => tinkRead.get(subject, context),
    cacheKey: (subject) => ({ pk: tinkScope(subject.userId), sk: `c#credentials/${subject.ids[0]}` }),
    current: async (subject, response, expect) => {
      const dump = await tinkControl.credential(subject.ids[0] as string);
      expect(response.json()).toMatchObject({ id: dump.id, status: dump.status });
    },
  },
  {
    name: 'tink.deleteCredential',
    provider: 'tink',
    kind: 'mutation',
    faultRoute: tinkRoute.delete,
    successStatus: 204,
    prepare: tinkSubject,
    invoke: (subject, context) =>
      tinkCall(
        deleteCredential,
        {
          method: 'DELETE',
          pathParameters: { userId: subject.userId, credentialId: subject.ids[0] as string },
        },
        context,
      ),
    observe: (subject) => tinkRead.list(subject),
    unchanged: async (subject, expect) => {
      const credential = await tinkControl.credential(subject.ids[0] as string);
      expect(credential.simulator.deleting).toBe(false);
    },
  },
  {
    name: 'tink.refreshCredential',
    provider: 'tink',
    kind: 'mutation',
    faultRoute: tinkRoute.refresh,
    successStatus: 202,
    prepare: tinkSubject,
    invoke: (subject, context) =>
      tinkCall(
        refreshCredential,
        {
          method: 'POST',
          pathParameters: { userId: subject.userId, credentialId: subject.ids[0] as string },
        },
        context,
      ),
    observe: (subject) => tinkRead.list(subject),
    unchanged: async (subject, expect) => {
      expect((await tinkControl.credential(subject.ids[0] as string)).simulator.refreshRequests).toBe(0);
    },
  },
  {
    name: 'tink.deleteUser',
    provider: 'tink',
    kind: 'mutation',
    faultRoute: tinkRoute.deleteUser,
    successStatus: 204,
    prepare: tinkSubject,
    invoke: (subject, context) =>
      tinkCall(deleteTinkUser, { method: 'DELETE', pathParameters: { userId: subject.userId } }, context),
    observe: (subject) => tinkRead.list(subject),
    unchanged: async (subject, expect) => {
      expect((await tinkControl.user(subject.userId)).userId).toBe(subject.userId);
    },
  },
  {
    name: 'tink token endpoint: client token (← createUser)',
    provider: 'tink',
    kind: 'create',
    faultRoute: tinkRoute.clientToken,
    successStatus: 201,
    prepare: async () => subjectOf('', [], { users: (await tinkControl.users()).count }),
    beforeFault: () => tinkClient().forgetAllTokens(),
    invoke: (_subject, context) =>
      tinkCall(createUser, { method: 'POST', path: '/tink/users', body: { market: 'SE' } }, context),
    afterFault: async (subject, expect) => {
      expect((await tinkControl.users()).count).toBe(subject.memo.users);
    },
  },
  {
    name: 'tink token endpoint: user token exchange (← listCredentials)',
    provider: 'tink',
    kind: 'read',
    faultRoute: tinkRoute.clientToken,
    prepare: async () => {
      const subject = await tinkSubject();
      await grantCode(subject.userId); // the grant's client token exists: the exchange meets the fault
      return subject;
    },
    beforeFault: (subject) => tinkClient().forgetUser(subject.userId),
    invoke: (subject, context) => tinkRead.list(subject, context),
    cacheKey: (subject) => ({ pk: tinkScope(subject.userId), sk: 'c#credentials' }),
    current: listedCredentialIds,
  },
];

async function moneyhubSubject(): Promise<Subject> {
  const seeded = await seedMoneyhubUser({ connections: [{}, {}], syncs: 5 });
  return subjectOf(seeded.userId, seeded.connectionIds);
}

const moneyhubRows: Row[] = [
  {
    name: 'moneyhub.registerUser',
    provider: 'moneyhub',
    kind: 'create',
    faultRoute: moneyhubRoute.register,
    successStatus: 201,
    prepare: async () => subjectOf(''),
    invoke: (_subject, context) => moneyhubApi.registerUser({ clientUserId: 'fault-matrix' }, { context }),
  },
  {
    name: 'moneyhub.getUser',
    provider: 'moneyhub',
    kind: 'read',
    faultRoute: moneyhubRoute.getUser,
    prepare: moneyhubSubject,
    invoke: (subject, context) => moneyhubApi.getUser(subject.userId, { context }),
    cacheKey: (subject) => ({ pk: moneyhubScope(subject.userId), sk: 'c#user' }),
    current: async (subject, response, expect) => {
      expect(response.json()).toMatchObject({ userId: subject.userId });
    },
  },
  {
    name: 'moneyhub.deleteUser',
    provider: 'moneyhub',
    kind: 'mutation',
    faultRoute: moneyhubRoute.deleteUser,
    successStatus: 204,
    prepare: moneyhubSubject,
    invoke: (subject, context) => moneyhubApi.deleteUser(subject.userId, { context }),
    observe: (subject) => moneyhubApi.getUser(subject.userId),
    unchanged: async (subject, expect) => {
      expect((await moneyhubControl.user(subject.userId)).user.userId).toBe(subject.userId);
    },
  },
  {
    name: 'moneyhub.listConnections',
    provider: 'moneyhub',
    kind: 'read',
    faultRoute: moneyhubRoute.connections,
    prepare: moneyhubSubject,
    invoke: (subject, context) => moneyhubApi.listConnections(subject.userId, { context }),
    cacheKey: (subject) => ({ pk: moneyhubScope(subject.userId), sk: 'c#connections' }),
    current: async (subject, response, expect) => {
      const dump = await moneyhubControl.user(subject.userId);
      const listed = response.json<{ data: { id: string }[] }>().data.map((connection) => connection.id);
      expect(listed.sort()).toEqual(dump.connections.map((connection) => connection.id).sort());
    },
  },
  {
    name: 'moneyhub.getConnection',
    provider: 'moneyhub',
    kind: 'read',
    faultRoute: moneyhubRoute.connections,
    prepare: moneyhubSubject,
    invoke: (subject, context) =>
      moneyhubApi.getConnection(subject.userId, subject.ids[1] as string, { context }),
    cacheKey: (subject) => ({ pk: moneyhubScope(subject.userId), sk: 'c#connections' }),
    current: async (subject, response, expect) => {
      const dump = await moneyhubControl.user(subject.userId);
      const connection = dump.connections.find((candidate) => candidate.id === subject.ids[1]);
      expect(response.json()).toMatchObject({ id: connection?.id, status: connection?.status });
    },
  },
  {
    name: 'moneyhub.deleteConnection',
    provider: 'moneyhub',
    kind: 'mutation',
    faultRoute: moneyhubRoute.deleteConnectionSingular,
    successStatus: 204,
    prepare: moneyhubSubject,
    invoke: (subject, context) =>
      moneyhubApi.deleteConnection(subject.userId, subject.ids[0] as string, { context }),
    observe: (subject) => moneyhubApi.listConnections(subject.userId),
    unchanged: async (subject, expect) => {
      expect((await moneyhubControl.user(subject.userId)).connections).toHaveLength(2);
    },
  },
  {
    name: 'moneyhub.listSyncs',
    provider: 'moneyhub',
    kind: 'read',
    faultRoute: moneyhubRoute.syncs,
    prepare: moneyhubSubject,
    invoke: (subject, context) => moneyhubApi.listSyncs(subject.userId, {}, { context }),
    cacheKey: (subject) => ({ pk: moneyhubScope(subject.userId), sk: 'c#syncs?limit=default&offset=0' }),
    current: async (subject, response, expect) => {
      const dump = await moneyhubControl.user(subject.userId);
      const listed = response.json<{ data: { id: string }[] }>().data.map((sync) => sync.id);
      expect(listed).toEqual(dump.syncs.map((sync) => sync.id).slice(0, listed.length));
      expect(listed.length).toBeGreaterThan(0);
    },
  },
  {
    name: 'moneyhub token endpoint: client token (← getUser)',
    provider: 'moneyhub',
    kind: 'read',
    faultRoute: moneyhubRoute.token,
    prepare: moneyhubSubject,
    beforeFault: () => moneyhubClient().forgetAllTokens(),
    invoke: (subject, context) => moneyhubApi.getUser(subject.userId, { context }),
    cacheKey: (subject) => ({ pk: moneyhubScope(subject.userId), sk: 'c#user' }),
    current: async (subject, response, expect) => {
      expect(response.json()).toMatchObject({ userId: subject.userId });
    },
  },
];

const controls = { tink: tinkControl, moneyhub: moneyhubControl };
const table = dynamoDocumentClient();
const tableName = process.env.CACHE_TABLE_NAME as string;

/** One lane per provider: a provider's cells run one after another, in the order they were queued. */
const lanes: Record<Provider, Promise<unknown>> = { tink: Promise.resolve(), moneyhub: Promise.resolve() };
function inLane<T>(provider: Provider, task: () => Promise<T>): Promise<T> {
  const run = lanes[provider].then(task);
  lanes[provider] = run.catch(() => undefined);
  return run;
}

const cacheItem = async (key: { pk: string; sk: string }) =>
  (await table.send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }))).Item;

/** Moves the entry's freshness into the past (its stale window stays ahead): the next read must reload. */
const ageEntry = (key: { pk: string; sk: string }) =>
  table.send(
    new UpdateCommand({
      TableName: tableName,
      Key: key,
      UpdateExpression: 'SET freshUntilMs = :past',
      ExpressionAttributeValues: { ':past': Date.now() - 1000 },
    }),
  );

interface Faulted {
  response: HandlerResponse;
  elapsedMs: number;
}

async function underFault(row: Row, column: FaultColumn, subject: Subject): Promise<Faulted> {
  const control = controls[row.provider];
  row.beforeFault?.(subject);
  await control.injectFault(row.faultRoute, column.fault);
  const startedMs = Date.now();
  try {
    const response = await row.invoke(subject, lambdaContext({ remainingMs: column.remainingMs }));
    return { response, elapsedMs: Date.now() - startedMs };
  } finally {
    await control.clearFaults();
  }
}

/** The documented answer to the fault: status, problem+json members, Retry-After, no Cache-Status. */
function expectProblem(expect: ExpectStatic, row: Row, column: FaultColumn, faulted: Faulted) {
  const { response, elapsedMs } = faulted;
  expect(elapsedMs, 'answered before the deadline').toBeLessThan(column.remainingMs);
  expect(response.statusCode).toBe(column.status);
  expect(response.headers['Content-Type']).toBe('application/problem+json');
  expect(response.headers['Cache-Status']).toBeUndefined();
  const problem = response.json<Record<string, unknown>>();
  expect(Object.keys(problem)).toEqual(
    expect.arrayContaining(['type', 'title', 'status', 'detail', 'requestId', 'provider']),
  );
  expect(problem.type).toMatch(/^https:\/\/open-banking-users\.dev\/problems\/provider-/);
  expect(problem).toMatchObject({ status: column.status, provider: row.provider });
  expect(problem.requestId).toBe(response.headers['X-Request-ID']);
  expect(problem.providerStatus).toBe(column.providerStatus);
  expect(response.headers['Retry-After']).toBe(column.status === 429 ? String(retryAfterSeconds) : undefined);
  // The provider's own words about our credentials (or anything else it said) are never echoed.
  expect(response.body).not.toMatch(/Injected|truncated|unexpected/);
}

/** What the matrix prints for a cell. */
const results = new Map<string, string>();
const cellKey = (row: Row, column: FaultColumn) => `${row.name}|${column.key}`;

async function readCell(expect: ExpectStatic, row: ReadRow, column: FaultColumn) {
  // Prepare: nothing cached for the resource yet
  const subject = await row.prepare();
  const key = row.cacheKey(subject);

  // Act + Assess: the fault on a cold cache
  const cold = await underFault(row, column, subject);
  results.set(cellKey(row, column), String(cold.response.statusCode));
  expectProblem(expect, row, column, cold);
  expect(await cacheItem(key), 'an error is never cached').toBeUndefined();

  // Nothing cached: once the provider is back, the next read is a miss with current data
  const next = await row.invoke(subject);
  expect(next.statusCode).toBe(200);
  expect(next.headers['Cache-Status']).toMatch(/^open-banking-users; fwd=miss; stored; ttl=\d+$/);
  await row.current(subject, next, expect);

  // Nothing lost: an entry past its freshness stands in while the provider fails (within its window)
  await ageEntry(key);
  const before = await cacheItem(key);
  const stale = await underFault(row, column, subject);
  expect(await cacheItem(key), 'the entry is left as it was').toEqual(before);
  let staleCell: string;
  if (column.staleEligible) {
    expect(stale.elapsedMs).toBeLessThan(column.remainingMs);
    expect(stale.response.statusCode).toBe(200);
    expect(stale.response.headers['Cache-Status']).toMatch(
      /^open-banking-users; fwd=stale; ttl=-\d+; detail=stale-if-error$/,
    );
    expect(stale.response.body).toBe(next.body);
    staleCell = 'stale 200';
  } else {
    expectProblem(expect, row, column, stale);
    staleCell = `stale ${stale.response.statusCode}`;
  }
  results.set(cellKey(row, column), `${cold.response.statusCode} (${staleCell})`);
}

/** Faults after which a mutation's outcome is unknown to us: the provider may have acted. */
const outcomeUnknown = (fault: FaultColumn['fault']) =>
  fault.kind === 'hang' ||
  fault.kind === 'drop' ||
  fault.kind === 'malformed' ||
  (fault.kind === 'status' && fault.status >= 500);

async function mutationCell(expect: ExpectStatic, row: MutationRow, column: FaultColumn) {
  // Prepare: the user's data cached and fresh
  const subject = await row.prepare();
  const cached = await row.observe(subject);
  expect(cached.headers['Cache-Status']).toMatch(/fwd=miss; stored/);

  // Act
  const faulted = await underFault(row, column, subject);

  // Assess
  results.set(cellKey(row, column), String(faulted.response.statusCode));
  const after = await row.observe(subject);
  if (column.fault.kind === 'schema-violation') {
    // The contract's success has no body, so there is no schema to violate: any well-formed JSON
    // is accepted with the provider's 2xx, and the cache is invalidated as after any success.
    expect(faulted.elapsedMs).toBeLessThan(column.remainingMs);
    expect(faulted.response.statusCode).toBe(row.successStatus);
    expect(after.headers['Cache-Status']).toMatch(/fwd=miss; stored/);
    return;
  }
  expectProblem(expect, row, column, faulted);
  if (outcomeUnknown(column.fault)) {
    // The provider may have acted (5xx, dropped, unanswered, unreadable): the user's cache is
    // invalidated (purged, for a deleted user) anyway, so the next read shows the provider's state
    expect(after.headers['Cache-Status']).toMatch(/fwd=miss; stored/);
    expect(after.body).toBe(cached.body);
  } else {
    // Refused before acting: nothing changed, nothing invalidated, the entry is still served
    expect(after.headers['Cache-Status']).toMatch(/; hit; ttl=\d+$/);
    expect(after.body).toBe(cached.body);
  }
  await row.unchanged(subject, expect);
}

async function createCell(expect: ExpectStatic, row: CreateRow, column: FaultColumn) {
  const subject = await row.prepare();

  const faulted = await underFault(row, column, subject);

  results.set(cellKey(row, column), String(faulted.response.statusCode));
  expectProblem(expect, row, column, faulted);
  await row.afterFault?.(subject, expect);
  const retried = await row.invoke(subject);
  expect(retried.statusCode, 'the operation works once the provider is back').toBe(row.successStatus);
}

function runCell(expect: ExpectStatic, row: Row, column: FaultColumn) {
  switch (row.kind) {
    case 'read':
      return readCell(expect, row, column);
    case 'mutation':
      return mutationCell(expect, row, column);
    default:
      return createCell(expect, row, column);
  }
}

/** Tink and Moneyhub cells alternate, so both lanes always have work queued. */
function interleave<T>(first: T[], second: T[]): T[] {
  const mixed: T[] = [];
  for (let index = 0; index < Math.max(first.length, second.length); index++) {
    if (index < first.length) mixed.push(first[index] as T);
    if (index < second.length) mixed.push(second[index] as T);
  }
  return mixed;
}

const cells = (rows: Row[]) => faults.flatMap((column) => rows.map((row) => ({ row, column })));
const matrix = interleave(cells(tinkRows), cells(moneyhubRows));

beforeAll(async () => {
  await Promise.all([tinkControl.reset(), moneyhubControl.reset()]);
  forgetLearnedMoneyhubFallbacks();
});

afterAll(async () => {
  await Promise.all([tinkControl.clearFaults(), moneyhubControl.clearFaults()]);
  const rows = [...tinkRows, ...moneyhubRows];
  const header = ['operation', ...faults.map((column) => column.key)];
  const lines = rows.map((row) => [
    row.name,
    ...faults.map((column) => results.get(cellKey(row, column)) ?? '—'),
  ]);
  const widths = header.map((title, index) =>
    Math.max(title.length, ...lines.map((line) => (line[index] ?? '').length)),
  );
  const format = (cells: string[]) =>
    `| ${cells.map((cell, index) => cell.padEnd(widths[index] ?? 0)).join(' | ')} |`;
  console.log(
    [
      'Fault matrix (operation × provider fault → status; reads: cold cache (with a stale entry))',
      format(header),
      format(widths.map((width) => '-'.repeat(width))),
      ...lines.map(format),
    ].join('\n'),
  );
});

describe('Fault matrix: every operation × every provider fault', () => {
  it.concurrent.for(matrix)(
    '$row.name × $column.key',
    { timeout: 60_000 },
    async ({ row, column }, { expect }) => {
      await inLane(row.provider, () => runCell(expect, row, column));
    },
  );
});
