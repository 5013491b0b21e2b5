// The `$default` route: an unknown path is a 404 and a known path under another method a 405 with
// `Allow`, both problem+json like every other error of this API, whatever body came along.
import { describe, expect, it } from 'vitest';
import { handler as fallback } from '../../functions/fallback/not-found';
import { apiRoutes, methodsFor } from '../../functions/fallback/route-table';
import { invoke } from '../support/events';
import { expectProblem } from './tink/helpers';

const send = (
  method: string,
  path: string,
  extra: { body?: string; headers?: Record<string, string> } = {},
) => invoke(fallback, { method, path, routeKey: '$default', ...extra });

describe('Route: $default', () => {
  it.each([
    ['GET', '/'],
    ['GET', '/nope'],
    ['POST', '/tink'],
    ['GET', '/tink/users/6e68cc6287704273984567b3300c5822/credentials/c/extra'],
    ['GET', '/moneyhub/users/328278302947678c0fc37f54/accounts'],
  ])('answers %s %s with a 404 problem', async (method, path) => {
    const response = await send(method, path);

    const problem = expectProblem(response, 404);
    expect(problem.type).toMatch(/\/problems\/route-not-found$/);
    expect(problem.detail).toBe('This API has no route for this path');
    expect(response.headers.Allow).toBeUndefined();
  });

  it.each([
    ['PATCH', '/tink/users', 'POST'],
    ['GET', '/tink/users/6e68cc6287704273984567b3300c5822', 'DELETE'],
    ['POST', '/moneyhub/users/328278302947678c0fc37f54', 'DELETE, GET'],
    ['POST', '/moneyhub/users/328278302947678c0fc37f54/enrollment', 'DELETE, PUT'],
    ['DELETE', '/health', 'GET'],
  ])('answers %s %s with a 405 allowing %s', async (method, path, allow) => {
    const response = await send(method, path);

    const problem = expectProblem(response, 405);
    expect(problem.type).toMatch(/\/problems\/method-not-allowed$/);
    expect(problem.detail).toBe(`This path accepts only ${allow}`);
    expect(response.headers.Allow).toBe(allow);
  });

  it('answers from the path alone: a body of any type or size is not read', async () => {
    const response = await send('PUT', '/tink/users', {
      body: 'x'.repeat(200_000),
      headers: { 'content-type': 'text/plain' },
    });

    expect(expectProblem(response, 405).detail).toBe('This path accepts only POST');
  });

  it('knows every route of the table under its own method', () => {
    for (const route of apiRoutes) {
      const [method, template] = route.split(' ') as [string, string];
      const path = template.replaceAll(/\{[^}]+\}/g, 'x');
      expect(methodsFor(path), route).toContain(method);
    }
  });
});
