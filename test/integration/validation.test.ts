// The refusals every route shares, each with its own words, made before any provider call: ids of
// the wrong provider shape, repeated query parameters, a missing body, the wrong media type, an
// oversized body, bounds on the ids callers choose. Also the headers every answer carries, and the
// enrolment of a user the provider does not know.
import { randomBytes } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { handler as enroll } from '../../functions/enrollment/enroll-user';
import { handler as listSyncs } from '../../functions/moneyhub/list-syncs';
import { handler as registerUser } from '../../functions/moneyhub/register-user';
import { handler as createUser } from '../../functions/tink/create-user';
import { handler as listCredentials } from '../../functions/tink/list-credentials';
import { handler as refreshCredential } from '../../functions/tink/refresh-credential';
import { maxBodyBytes } from '../../lib/http/handler';
import { enrollmentRegistry } from '../../lib/registry';
import type { HandlerResponse } from '../support/events';
import * as moneyhub from './moneyhub/helpers';
import * as tink from './tink/helpers';

const { expectProblem } = tink;

async function startCounting() {
  await Promise.all([tink.startCounting(), moneyhub.startCounting()]);
}

/** Provider calls of both simulators and DynamoDB requests since `startCounting()`. */
async function callsMade() {
  const [tinkCalls, moneyhubCalls] = await Promise.all([tink.providerCalls(), moneyhub.providerCalls()]);
  return { provider: tinkCalls.total + moneyhubCalls.total, dynamo: tink.dynamoRequests.total() };
}

function details(response: HandlerResponse) {
  return expectProblem(response, response.statusCode) as ReturnType<typeof expectProblem> & {
    issues: Array<{ location: string; field: string; message: string }>;
  };
}

describe('Request validation', () => {
  beforeEach(startCounting);

  it.each([
    ['tink', listCredentials, 'not-a-user', /userId must be 32 lower-case hex characters/],
    ['tink', listCredentials, 'DEC0DE00000000000000000000000001', /userId must be 32 lower-case hex/],
    ['moneyhub', listSyncs, 'not-a-user', /userId must be 24 lower-case hex characters/],
    ['moneyhub', listSyncs, 'dec0de00000000000000000000000001', /userId must be 24 lower-case hex/],
  ] as const)(
    'refuses a %s user id of the wrong shape (%#) locally',
    async (_provider, handler, userId, says) => {
      const response = await tink.call(handler, { pathParameters: { userId } });

      const problem = details(response);
      expect(problem.status).toBe(400);
      expect(problem.detail).toMatch(says);
      expect(await callsMade()).toEqual({ provider: 0, dynamo: 0 });
    },
  );

  it('says a repeated query parameter is given twice, not that its value is malformed', async () => {
    const userId = moneyhub.unknownUserId();

    const response = await tink.call(listSyncs, {
      pathParameters: { userId },
      query: { limit: '5,6' },
      rawQueryString: 'limit=5&limit=6',
    });

    const problem = details(response);
    expect(problem.status).toBe(400);
    expect(problem.issues).toEqual([
      { location: 'query', field: 'limit', message: 'limit is given twice; give it once' },
    ]);
    expect(await callsMade()).toEqual({ provider: 0, dynamo: 0 });
  });

  it('states the maximum of limit', async () => {
    const response = await tink.call(listSyncs, {
      pathParameters: { userId: moneyhub.unknownUserId() },
      query: { limit: '1001' },
    });

    expect(details(response).detail).toBe('query.limit: limit must be at most 1000');
  });

  it('says a JSON body is required when a route that needs one gets none', async () => {
    const response = await tink.call(createUser, { method: 'POST', path: '/tink/users' });

    const problem = details(response);
    expect(problem.status).toBe(400);
    expect(problem.issues).toEqual([{ location: 'body', field: '', message: 'A JSON body is required' }]);
    expect(await callsMade()).toEqual({ provider: 0, dynamo: 0 });
  });

  it('gives the wrong media type its own problem type', async () => {
    const response = await tink.call(createUser, {
      method: 'POST',
      path: '/tink/users',
      headers: { 'content-type': 'text/plain' },
      body: '{"market":"SE"}',
    });

    const problem = details(response);
    expect(problem.status).toBe(415);
    expect(problem.type).toMatch(/\/problems\/unsupported-media-type$/);
    expect(await callsMade()).toEqual({ provider: 0, dynamo: 0 });
  });

  it('refuses a body larger than the cap before parsing it', async () => {
    // Not even JSON: were it parsed, the answer would be a 400 "not valid JSON".
    const response = await tink.call(createUser, {
      method: 'POST',
      path: '/tink/users',
      body: `{"market":"SE","externalUserId":"${'x'.repeat(maxBodyBytes)}`,
    });

    const problem = details(response);
    expect(problem.status).toBe(413);
    expect(problem.type).toMatch(/\/problems\/payload-too-large$/);
    expect(problem.detail).toBe(`body: The body is larger than ${maxBodyBytes} bytes`);
    expect(await callsMade()).toEqual({ provider: 0, dynamo: 0 });
  });

  it.each([
    [
      createUser,
      { market: 'SE', externalUserId: 'x'.repeat(256) },
      'externalUserId is at most 255 characters',
    ],
    [registerUser, { clientUserId: 'x'.repeat(257) }, 'clientUserId is at most 256 characters'],
  ] as const)('bounds the ids callers choose (%#)', async (handler, body, says) => {
    const response = await tink.call(handler, { method: 'POST', body });

    expect(details(response).issues).toEqual([
      { location: 'body', field: Object.keys(body).at(-1), message: says },
    ]);
    expect(await callsMade()).toEqual({ provider: 0, dynamo: 0 });
  });
});

describe('Response headers', () => {
  it('sends no Content-Type with an empty 202 and the JSON API security headers with every answer', async () => {
    const { userId, credentialIds } = await tink.seedUser();
    const credentialId = credentialIds[0] as string;

    const accepted = await tink.call(refreshCredential, {
      method: 'POST',
      pathParameters: { userId, credentialId },
    });
    const refused = await tink.call(listCredentials, { pathParameters: { userId: 'not-a-user' } });

    expect(accepted.statusCode).toBe(202);
    expect(accepted.body).toBe('');
    expect(Object.keys(accepted.headers).map((name) => name.toLowerCase())).not.toContain('content-type');
    for (const response of [accepted, refused]) {
      expect(response.headers).toMatchObject({
        'X-Content-Type-Options': 'nosniff',
        'X-Frame-Options': 'DENY',
        'Referrer-Policy': 'no-referrer',
        'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
      });
      expect(response.headers['Permissions-Policy']).toBeUndefined();
    }
  });
});

describe('Route: PUT /{provider}/users/{userId}/enrollment for a user the provider does not know', () => {
  beforeEach(startCounting);

  it.each([
    ['tink', () => randomBytes(16).toString('hex')],
    ['moneyhub', () => randomBytes(12).toString('hex')],
  ] as const)(
    'answers 404 for an unknown %s user after one read, and enrols nobody',
    async (provider, newId) => {
      const userId = newId();

      const response = await tink.call(enroll, {
        method: 'PUT',
        path: `/${provider}/users/${userId}/enrollment`,
        pathParameters: { userId },
      });

      expect((expectProblem(response, 404) as { provider?: string }).provider).toBe(provider);
      expect(await enrollmentRegistry().isEnrolled(provider, userId)).toBe(false);
      const calls = provider === 'tink' ? await tink.providerCalls() : await moneyhub.providerCalls();
      const reads = provider === 'tink' ? calls[tink.route.grant] : calls[moneyhub.route.getUser];
      expect(reads).toBe(1);
    },
  );

  it('refuses a Moneyhub-shaped id on the Tink route before any call', async () => {
    const userId = randomBytes(12).toString('hex');

    const response = await tink.call(enroll, {
      method: 'PUT',
      path: `/tink/users/${userId}/enrollment`,
      pathParameters: { userId },
    });

    expect(details(response).detail).toMatch(/userId must be 32 lower-case hex characters/);
    expect(await callsMade()).toEqual({ provider: 0, dynamo: 0 });
  });
});
