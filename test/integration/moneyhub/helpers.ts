// Shared by the Moneyhub route suites: the simulator's control API, seeding a fresh user per test,
// the provider calls made since a point, the DynamoDB requests the process made, and invoking the
// handlers the way API Gateway would.
import { randomBytes } from 'node:crypto';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { expect } from 'vitest';
import { handler as deleteConnection } from '../../../functions/moneyhub/delete-connection';
import { handler as deleteUser } from '../../../functions/moneyhub/delete-user';
import { handler as getConnection } from '../../../functions/moneyhub/get-connection';
import { handler as getUser } from '../../../functions/moneyhub/get-user';
import { handler as listConnections } from '../../../functions/moneyhub/list-connections';
import { handler as listSyncs } from '../../../functions/moneyhub/list-syncs';
import { handler as registerUser } from '../../../functions/moneyhub/register-user';
import { forgetLearnedMoneyhubFallbacks } from '../../../lib/providers/moneyhub';
import { dynamoDocumentClient } from '../../../lib/table/client';
import { MoneyhubSimulatorControl, type SeedRequest } from '../../../local/simulators/moneyhub';
import { countDynamoRequests } from '../../support/dynamo-requests';
import { type HandlerResponse, invoke, lambdaContext } from '../../support/events';

export const control = new MoneyhubSimulatorControl(process.env.MONEYHUB_SIMULATOR_URL as string);
export const dynamoRequests = countDynamoRequests(dynamoDocumentClient());

/** Route keys as the simulator counts them and matches fault rules. */
export const route = {
  token: 'POST /oidc/token',
  register: 'POST /users',
  getUser: 'GET /users/:userId',
  deleteUser: 'DELETE /users/:userId',
  connections: 'GET /users/:userId/connections',
  deleteConnectionSingular: 'DELETE /users/:userId/connection/:connectionId',
  deleteConnectionPlural: 'DELETE /users/:userId/connections/:connectionId',
  syncs: 'GET /users/:userId/syncs',
} as const;

type SeedUser = NonNullable<SeedRequest['users']>[number];

/** A fresh user at the simulator (two connections and five syncs by default). */
export async function seedUser(user: SeedUser = { connections: [{}, {}], syncs: 5 }) {
  const [seeded] = await control.seed({ users: [user] });
  if (!seeded) throw new Error('The simulator seeded no user');
  return seeded;
}

/** A user id nobody has: 24 hex characters like Moneyhub's. */
export const unknownUserId = () => randomBytes(12).toString('hex');

/** Provider calls per route since the last `resetCalls()`. */
export async function providerCalls(): Promise<Record<string, number> & { total: number }> {
  const { calls, total } = await control.calls();
  return Object.assign({ ...calls }, { total }) as Record<string, number> & { total: number };
}

/** Clears the provider-call and DynamoDB-request counts, so the Act step is measured alone. */
export async function startCounting() {
  await control.resetCalls();
  dynamoRequests.reset();
}

/**
 * Every test starts from the simulator's initial settings (reset keeps the registered client and
 * its client tokens) and from the configured scope sets and delete path, so no fallback learned by
 * an earlier test changes what a later one counts.
 */
export async function resetWorld() {
  await control.reset();
  forgetLearnedMoneyhubFallbacks();
}

/** Makes sure the client holds the tokens the routes need, so later counts show route calls only. */
export async function warmTokens() {
  const { userId, connectionIds } = await seedUser({ connections: [{}, {}], syncs: 1 });
  await api.getUser(userId);
  await api.listConnections(userId);
  await api.listSyncs(userId);
  await api.deleteConnection(userId, connectionIds[0] as string);
  await api.deleteUser(userId);
  await api.registerUser({});
}

type Handler = (event: never, context: Context) => Promise<unknown>;

const headersOf = (noCache: boolean | undefined) =>
  noCache ? { 'Cache-Control': 'no-cache' } : ({} as Record<string, string>);

interface CallOptions {
  noCache?: boolean;
  context?: Context;
  query?: Record<string, string>;
}

function send(
  handler: Handler,
  method: string,
  path: string,
  pathParameters: Record<string, string>,
  options: CallOptions & { body?: unknown } = {},
): Promise<HandlerResponse> {
  return invoke(
    handler,
    {
      method,
      path,
      pathParameters,
      headers: headersOf(options.noCache),
      ...(options.query ? { query: options.query } : {}),
      ...(options.body === undefined ? {} : { body: options.body }),
    },
    options.context ?? lambdaContext(),
  );
}

export const paths = {
  users: '/moneyhub/users',
  user: (userId: string) => `/moneyhub/users/${userId}`,
  connections: (userId: string) => `/moneyhub/users/${userId}/connections`,
  connection: (userId: string, connectionId: string) =>
    `/moneyhub/users/${userId}/connections/${encodeURIComponent(connectionId)}`,
  syncs: (userId: string) => `/moneyhub/users/${userId}/syncs`,
};

/** The seven routes, invoked with API Gateway events. */
export const api = {
  registerUser: (body: unknown, options: CallOptions = {}) =>
    send(registerUser, 'POST', paths.users, {}, { ...options, body }),
  getUser: (userId: string, options: CallOptions = {}) =>
    send(getUser, 'GET', paths.user(userId), { userId }, options),
  deleteUser: (userId: string, options: CallOptions = {}) =>
    send(deleteUser, 'DELETE', paths.user(userId), { userId }, options),
  listConnections: (userId: string, options: CallOptions = {}) =>
    send(listConnections, 'GET', paths.connections(userId), { userId }, options),
  getConnection: (userId: string, connectionId: string, options: CallOptions = {}) =>
    send(getConnection, 'GET', paths.connection(userId, connectionId), { userId, connectionId }, options),
  deleteConnection: (userId: string, connectionId: string, options: CallOptions = {}) =>
    send(
      deleteConnection,
      'DELETE',
      paths.connection(userId, connectionId),
      { userId, connectionId },
      options,
    ),
  listSyncs: (userId: string, query: Record<string, string> = {}, options: CallOptions = {}) =>
    send(listSyncs, 'GET', paths.syncs(userId), { userId }, { ...options, query }),
};

/** A problem+json answer with the given status, carrying our request id. */
export function expectProblem(response: HandlerResponse, status: number) {
  expect(response.statusCode).toBe(status);
  expect(response.headers['Content-Type']).toBe('application/problem+json');
  const problem = response.json<{
    status: number;
    requestId: string;
    type: string;
    title: string;
    detail: string;
    provider?: string;
    providerStatus?: number;
    providerRequestId?: string;
    issues?: { location: string; field: string; message: string }[];
  }>();
  expect(problem.status).toBe(status);
  expect(problem.requestId).toBe(response.headers['X-Request-ID']);
  return problem;
}

/** The items of the user's cache partition (`moneyhub#<userId>`), by sort key. */
export async function cachePartition(userId: string): Promise<string[]> {
  const result = await dynamoDocumentClient().send(
    new QueryCommand({
      TableName: process.env.CACHE_TABLE_NAME,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': `moneyhub#${userId}` },
      ConsistentRead: true,
    }),
  );
  return (result.Items ?? []).map((item) => String(item.sk)).sort();
}
