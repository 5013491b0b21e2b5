// Idempotency-Key on the routes that create or trigger something, against the simulators over HTTP
// and the cache table on dynalite: a replay answers what the first request answered without calling
// the provider; another body under the same key is a 422; a key whose request is still running is a
// 409; a key expires after 24 h; failures are not stored; the token and grant routes ignore keys.

import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler as enroll } from '../../functions/enrollment/enroll-user';
import { handler as registerUser } from '../../functions/moneyhub/register-user';
import { handler as createAuthorization } from '../../functions/tink/create-authorization';
import { handler as createUser } from '../../functions/tink/create-user';
import { handler as refreshCredential } from '../../functions/tink/refresh-credential';
import { idempotencyWindowSeconds } from '../../lib/http/idempotency';
import { dynamoDocumentClient } from '../../lib/table/client';
import type { HandlerResponse } from '../support/events';
import * as moneyhub from './moneyhub/helpers';
import * as tink from './tink/helpers';

const { call, expectProblem } = tink;

const createTinkUser = (key: string | undefined, body: unknown = { market: 'SE' }) =>
  call(createUser, {
    method: 'POST',
    path: '/tink/users',
    headers: key === undefined ? {} : { 'idempotency-key': key },
    body,
  });

/** Provider calls of both simulators since `startCounting()`. */
async function providerCallCount() {
  const [tinkCalls, moneyhubCalls] = await Promise.all([tink.providerCalls(), moneyhub.providerCalls()]);
  return tinkCalls.total + moneyhubCalls.total;
}

async function startCounting() {
  await Promise.all([tink.startCounting(), moneyhub.startCounting()]);
}

/** The answer without what differs between any two answers (the request id) or marks a replay. */
function sameAnswer(response: HandlerResponse) {
  const { 'X-Request-ID': _requestId, 'Idempotent-Replayed': _replayed, ...headers } = response.headers;
  return { statusCode: response.statusCode, headers, body: response.body };
}

/** The idempotency records in the cache table. */
async function idempotencyRecords() {
  const result = await dynamoDocumentClient().send(
    new QueryCommand({
      TableName: process.env.CACHE_TABLE_NAME,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': `idempotency#${process.env.AWS_LAMBDA_FUNCTION_NAME ?? ''}` },
      ConsistentRead: true,
    }),
  );
  return result.Items ?? [];
}

beforeEach(async () => {
  await Promise.all([tink.control.clearFaults(), moneyhub.control.clearFaults()]);
});

afterEach(() => {
  vi.useRealTimers();
});

describe('Idempotency-Key', () => {
  it('replays the first answer (status, headers, body) for the same key and body, calling no provider', async () => {
    const key = randomUUID();
    const first = await createTinkUser(key);
    await startCounting();

    const again = await createTinkUser(key);

    expect(first.statusCode).toBe(201);
    expect(sameAnswer(again)).toEqual(sameAnswer(first));
    expect(again.headers['Idempotent-Replayed']).toBe('true');
    expect(first.headers['Idempotent-Replayed']).toBeUndefined();
    expect(await providerCallCount()).toBe(0);
  });

  it('stores the record in the cache table with the table TTL attribute 24 h ahead, in epoch seconds', async () => {
    const key = randomUUID();
    const known = new Set((await idempotencyRecords()).map((item) => item.sk));
    const before = Math.floor(Date.now() / 1000);

    await createTinkUser(key);

    const added = (await idempotencyRecords()).filter((item) => !known.has(item.sk));
    expect(added).toHaveLength(1);
    const record = added[0];
    expect(record?.status).toBe('COMPLETED');
    expect(JSON.stringify(record)).not.toContain(key);
    expect(record?.expiresAt).toBeGreaterThanOrEqual(before + idempotencyWindowSeconds);
    expect(record?.expiresAt).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + idempotencyWindowSeconds);
  });

  it('replays POST /moneyhub/users, the refresh and the enrolment PUT without a provider call', async () => {
    const { userId, credentialIds } = await tink.seedUser();
    const credentialId = credentialIds[0] as string;
    const keys = { register: randomUUID(), refresh: randomUUID(), enroll: randomUUID() };
    const clientUserId = randomUUID();
    const register = () =>
      call(registerUser, {
        method: 'POST',
        path: '/moneyhub/users',
        headers: { 'idempotency-key': keys.register },
        body: { clientUserId },
      });
    const refresh = () =>
      call(refreshCredential, {
        method: 'POST',
        path: `/tink/users/${userId}/credentials/${credentialId}/refresh`,
        pathParameters: { userId, credentialId },
        headers: { 'idempotency-key': keys.refresh },
      });
    const enrolment = () =>
      call(enroll, {
        method: 'PUT',
        path: `/tink/users/${userId}/enrollment`,
        pathParameters: { userId },
        headers: { 'idempotency-key': keys.enroll },
      });
    const firsts = [await register(), await refresh(), await enrolment()];
    await startCounting();

    const replays = [await register(), await refresh(), await enrolment()];

    expect(firsts.map((response) => response.statusCode)).toEqual([201, 202, 200]);
    expect(replays.map(sameAnswer)).toEqual(firsts.map(sameAnswer));
    expect(replays.every((response) => response.headers['Idempotent-Replayed'] === 'true')).toBe(true);
    expect(await providerCallCount()).toBe(0);
    expect(await tink.control.refreshes()).toMatchObject({ [credentialId]: 1 });
  });

  it('refuses the same key with a different body with 422, calling no provider', async () => {
    const key = randomUUID();
    await createTinkUser(key, { market: 'SE' });
    await startCounting();

    const other = await createTinkUser(key, { market: 'GB' });

    const problem = expectProblem(other, 422);
    expect(problem.type).toMatch(/\/problems\/idempotency-key-reused$/);
    expect(problem.detail).toBe(
      'This Idempotency-Key was used with a different request body; use a new key for a new request.',
    );
    expect(await providerCallCount()).toBe(0);
  });

  it('answers 409 while the first request with the key is still running, then replays its answer', async () => {
    const key = randomUUID();
    await tink.control.injectFault(tink.route.createUser, { kind: 'latency', ms: 1500 }, 1);
    await startCounting();

    const first = createTinkUser(key);
    // Bounded wait until the first request is at Tink (its key is recorded as in progress by then).
    for (let attempt = 0; attempt < 100; attempt++) {
      if (((await tink.providerCalls())[tink.route.createUser] ?? 0) > 0) break;
      await sleep(20);
    }
    const concurrent = await createTinkUser(key);
    // A refusal must leave the running request's record alone: a second one is refused the same way.
    const again = await createTinkUser(key);
    const finished = await first;
    const afterwards = await createTinkUser(key);

    const problem = expectProblem(concurrent, 409);
    expect(problem.type).toMatch(/\/problems\/idempotency-key-in-use$/);
    expect(concurrent.headers['Retry-After']).toBe('1');
    expect(again.statusCode).toBe(409);
    expect(finished.statusCode).toBe(201);
    expect(sameAnswer(afterwards)).toEqual(sameAnswer(finished));
    expect((await tink.providerCalls())[tink.route.createUser]).toBe(1);
  });

  it('runs the request again once the key has expired (24 h)', async () => {
    const key = randomUUID();
    vi.useFakeTimers({ toFake: ['Date'] });
    const first = await createTinkUser(key);
    vi.setSystemTime(Date.now() + (idempotencyWindowSeconds + 1) * 1000);
    await startCounting();

    const later = await createTinkUser(key);

    expect(later.statusCode).toBe(201);
    expect(later.headers['Idempotent-Replayed']).toBeUndefined();
    expect(later.json<{ userId: string }>().userId).not.toBe(first.json<{ userId: string }>().userId);
    expect((await tink.providerCalls())[tink.route.createUser]).toBe(1);
  });

  it('stores no failure: a retry with the same key after a provider error runs again', async () => {
    const key = randomUUID();
    await tink.control.injectFault(tink.route.createUser, { kind: 'status', status: 400 }, 1);

    const failed = await createTinkUser(key);
    const retried = await createTinkUser(key);

    expect(failed.statusCode).toBe(400);
    expect(retried.statusCode).toBe(201);
    expect(retried.headers['Idempotent-Replayed']).toBeUndefined();
  });

  it('scopes a key to its route: the same key on another route is a new request', async () => {
    const key = randomUUID();
    await createTinkUser(key);
    await startCounting();

    const registered = await call(registerUser, {
      method: 'POST',
      path: '/moneyhub/users',
      headers: { 'idempotency-key': key },
    });

    expect(registered.statusCode).toBe(201);
    expect(registered.headers['Idempotent-Replayed']).toBeUndefined();
    expect((await moneyhub.providerCalls())[moneyhub.route.register]).toBe(1);
  });

  it('makes no request idempotent without a key', async () => {
    const first = await createTinkUser(undefined);
    const second = await createTinkUser(undefined);

    expect(first.json<{ userId: string }>().userId).not.toBe(second.json<{ userId: string }>().userId);
  });

  it('refuses a malformed key with 400 before anything runs', async () => {
    await startCounting();

    const response = await createTinkUser('x'.repeat(256));

    const problem = expectProblem(response, 400);
    expect(problem.detail).toBe(
      'header.idempotency-key: Idempotency-Key must be 1 to 255 printable ASCII characters',
    );
    expect(await providerCallCount()).toBe(0);
  });

  it('is ignored by the grant route: a second grant with the same key mints a new code', async () => {
    const { userId } = await tink.seedUser();
    const key = randomUUID();
    const grant = () =>
      call(createAuthorization, {
        method: 'POST',
        path: `/tink/users/${userId}/authorization-grants`,
        pathParameters: { userId },
        headers: { 'idempotency-key': key },
        body: { scope: ['credentials:read'] },
      });

    const first = await grant();
    const second = await grant();

    expect([first.statusCode, second.statusCode]).toEqual([201, 201]);
    expect(second.json<{ code: string }>().code).not.toBe(first.json<{ code: string }>().code);
    expect(second.headers['Idempotent-Replayed']).toBeUndefined();
  });
});
