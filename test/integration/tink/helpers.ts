// Shared by the Tink route suites: the simulator's control API, seeding a fresh user per test, the
// provider calls made since a point, and the DynamoDB requests the process made.
import type { Context } from 'aws-lambda';
import { expect } from 'vitest';
import { handler as createAuthorization } from '../../../functions/tink/create-authorization';
import { handler as listCredentialsHandler } from '../../../functions/tink/list-credentials';
import { dynamoDocumentClient } from '../../../lib/table/client';
import { type SeedCredential, TinkSimulatorControl } from '../../../local/simulators/tink';
import { countDynamoRequests } from '../../support/dynamo-requests';
import { type EventInput, type HandlerResponse, invoke, lambdaContext } from '../../support/events';

export const control = new TinkSimulatorControl(process.env.TINK_SIMULATOR_URL as string);
export const dynamoRequests = countDynamoRequests(dynamoDocumentClient());

export const route = {
  clientToken: 'POST /api/v1/oauth/token',
  grant: 'POST /api/v1/oauth/authorization-grant',
  delegatedGrant: 'POST /api/v1/oauth/authorization-grant/delegate',
  createUser: 'POST /api/v1/user/create',
  deleteUser: 'POST /api/v1/user/delete',
  list: 'GET /api/v1/credentials/list',
  get: 'GET /api/v1/credentials/:id',
  delete: 'DELETE /api/v1/credentials/:id',
  refresh: 'POST /api/v1/credentials/:id/refresh',
} as const;

/** A fresh user at the simulator with the given credentials (one UPDATED one by default). */
export async function seedUser(credentials: SeedCredential[] = [{ status: 'UPDATED' }]) {
  const seeded = await control.seed({ users: [{ market: 'SE', locale: 'sv_SE', credentials }] });
  const user = seeded.users[0];
  if (!user) throw new Error('The simulator seeded no user');
  return { userId: user.userId, credentialIds: user.credentialIds };
}

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

export const credentialsPath = (userId: string) => `/tink/users/${userId}/credentials`;
export const credentialPath = (userId: string, credentialId: string) =>
  `/tink/users/${userId}/credentials/${credentialId}`;

type Handler = (event: never, context: Context) => Promise<unknown>;

/** Invokes a handler the way API Gateway would for the route. */
export function call(handler: Handler, input: EventInput, context?: Context): Promise<HandlerResponse> {
  return invoke(handler, input, context ?? lambdaContext());
}

/** A problem+json answer with the given status, carrying our request id and no internals. */
export function expectProblem(response: HandlerResponse, status: number) {
  expect(response.statusCode).toBe(status);
  expect(response.headers['Content-Type']).toBe('application/problem+json');
  const problem = response.json<{ status: number; requestId: string; type: string; detail: string }>();
  expect(problem.status).toBe(status);
  expect(problem.requestId).toBe(response.headers['X-Request-ID']);
  return problem;
}

/** POST /tink/users/{userId}/authorization-grants. */
export const grant = (userId: string, body: unknown) =>
  call(createAuthorization, {
    method: 'POST',
    path: `/tink/users/${userId}/authorization-grants`,
    pathParameters: { userId },
    body,
  });

/** GET /tink/users/{userId}/credentials, with the caller's extra headers (e.g. Cache-Control). */
export const listCredentials = (userId: string, headers: Record<string, string> = {}) =>
  call(listCredentialsHandler, {
    method: 'GET',
    path: credentialsPath(userId),
    pathParameters: { userId },
    headers,
  });
