import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { createHandler } from '../../lib/http/handler';
import { jsonResponse } from '../../lib/http/responses';
import { tinkId } from '../../lib/ids';
import { ProviderError, ProviderFailure, ResourceNotFoundError } from '../../lib/providers/errors';
import { invoke } from '../support/events';

let calls = 0;
const echo = createHandler({
  operation: 'test.echo',
  path: z.object({ userId: tinkId('userId') }),
  query: z.object({ limit: z.coerce.number().int().min(1).max(100).optional() }),
  body: z.object({ market: z.string().regex(/^[A-Z]{2}$/) }),
  run: async ({ path, query, body, noCache }) => {
    calls += 1;
    return jsonResponse(200, { path, query, body, noCache });
  },
});

const failing = (error: unknown) =>
  createHandler({
    operation: 'test.failing',
    run: async () => {
      throw error;
    },
  });

describe('Function: createHandler', () => {
  it('hands the parsed, typed input to the route', async () => {
    const response = await invoke(echo, {
      method: 'POST',
      pathParameters: { userId: 'abc123' },
      query: { limit: '10' },
      headers: { 'Cache-Control': 'max-age=0, no-cache' },
      body: { market: 'SE' },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      path: { userId: 'abc123' },
      query: { limit: 10 },
      body: { market: 'SE' },
      noCache: true,
    });
    expect(response.headers['X-Request-ID']).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.headers['Cache-Control']).toBe('no-store');
  });

  it('refuses invalid path, query and body with one 400 listing every issue, without running the route', async () => {
    const before = calls;
    const response = await invoke(echo, {
      method: 'POST',
      pathParameters: { userId: '..%2F..' },
      query: { limit: '0' },
      body: { market: 'sweden' },
    });
    expect(response.statusCode).toBe(400);
    expect(response.headers['Content-Type']).toBe('application/problem+json');
    const problem = response.json<{ issues: { location: string }[]; detail: string; requestId: string }>();
    expect(problem.issues.map((issue) => issue.location).sort()).toEqual(['body', 'path', 'query']);
    expect(problem.detail).toContain('userId');
    expect(problem.requestId).toBeTruthy();
    expect(calls).toBe(before);
  });

  it('answers 400 for a body that is not JSON, and 415 for another media type', async () => {
    const invalid = await invoke(echo, {
      method: 'POST',
      pathParameters: { userId: 'a' },
      body: '{"market":',
    });
    const wrongType = await invoke(echo, {
      method: 'POST',
      pathParameters: { userId: 'a' },
      headers: { 'content-type': 'text/plain' },
      body: 'market=SE',
    });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json().detail).toContain('not valid JSON');
    expect(wrongType.statusCode).toBe(415);
  });

  it('shows a provider failure as its problem, with Retry-After on 429', async () => {
    const response = await invoke(
      failing(
        new ProviderError({
          provider: 'moneyhub',
          operation: 'getUser',
          failure: ProviderFailure.rateLimited,
          detail: 'The provider is rate limiting this service; retry later',
          providerStatus: 429,
          providerRequestId: 'corr-1',
          retryAfterSeconds: 7,
        }),
      ),
    );
    expect(response.statusCode).toBe(429);
    expect(response.headers['Retry-After']).toBe('7');
    expect(response.json()).toMatchObject({
      provider: 'moneyhub',
      providerStatus: 429,
      providerRequestId: 'corr-1',
    });
  });

  it('answers 404 for a resource the provider shows the user does not have', async () => {
    const response = await invoke(failing(new ResourceNotFoundError('No connection c1 for user u1')));
    expect(response.statusCode).toBe(404);
    expect(response.json().detail).toBe('No connection c1 for user u1');
  });

  it('hides the internals of an unexpected error behind a 500', async () => {
    const response = await invoke(failing(new Error('secret internals at /var/task/index.js:1')));
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('internals');
    expect(response.json()).toMatchObject({ status: 500, title: 'Internal error' });
  });
});
