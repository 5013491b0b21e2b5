// The user routes — create, authorization grant, code exchange, delete — against the Tink simulator
// over HTTP and dynalite: shapes and statuses, enrolment, purge, idempotent retries, the never-retried
// code exchange, and input refused before any provider call.
import { randomUUID } from 'node:crypto';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { handler as createUser } from '../../../functions/tink/create-user';
import { handler as deleteUser } from '../../../functions/tink/delete-user';
import { handler as getUserAccessToken } from '../../../functions/tink/get-user-access-token';
import { responseCache } from '../../../lib/cache';
import { coreConfig } from '../../../lib/config';
import { logger } from '../../../lib/observability';
import { TinkOperations, tinkClient } from '../../../lib/providers/tink';
import { type EnrollmentRegistry, enrollmentRegistry } from '../../../lib/registry';
import { dynamoDocumentClient } from '../../../lib/table/client';
import { captureLogs } from '../../support/logs';
import {
  call,
  control,
  dynamoRequests,
  expectProblem,
  grant,
  listCredentials as list,
  providerCalls,
  route,
  seedUser,
  startCounting,
} from './helpers';

const create = (body: unknown) => call(createUser, { method: 'POST', path: '/tink/users', body });
const exchange = (body: unknown) =>
  call(getUserAccessToken, { method: 'POST', path: '/tink/oauth/token', body });
const remove = (userId: string) =>
  call(deleteUser, { method: 'DELETE', path: `/tink/users/${userId}`, pathParameters: { userId } });

const cacheItemsOf = async (userId: string) =>
  (
    await dynamoDocumentClient().send(
      new QueryCommand({
        TableName: process.env.CACHE_TABLE_NAME,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `tink#${userId}` },
        ConsistentRead: true,
      }),
    )
  ).Items ?? [];

beforeEach(async () => {
  await control.reset();
});

describe('Route: POST /tink/users', () => {
  it('answers 201 with {userId, externalUserId}, creates the user at Tink once and enrols it', async () => {
    // Prepare
    const externalUserId = `ext-${randomUUID()}`;
    await create({ market: 'GB' }); // the user:create client token, so the call below is measured alone
    await startCounting();

    // Act
    const response = await create({
      market: 'SE',
      locale: 'sv_SE',
      externalUserId,
      retentionClass: 'temporary',
    });
    const createRequests = dynamoRequests.byOperation();

    // Assess
    expect(response.statusCode).toBe(201);
    const body = response.json<{ userId: string; externalUserId: string }>();
    expect(body).toEqual({ userId: expect.stringMatching(/^[0-9a-f]{32}$/), externalUserId });
    expect(await control.user(body.userId)).toMatchObject({
      externalUserId,
      market: 'SE',
      locale: 'sv_SE',
      retentionClass: 'temporary',
    });
    expect(await enrollmentRegistry().isEnrolled('tink', body.userId)).toBe(true);
    expect(await providerCalls()).toEqual({ [route.createUser]: 1, total: 1 });
    expect(createRequests).toEqual({ PutItem: 1 });
  });

  it('answers externalUserId null when none was given', async () => {
    const response = await create({ market: 'SE' });

    expect(response.statusCode).toBe(201);
    expect(response.json()).toEqual({ userId: expect.any(String), externalUserId: null });
  });

  it('answers 409 when the external user id exists already', async () => {
    const externalUserId = `ext-${randomUUID()}`;
    await create({ market: 'SE', externalUserId });

    const again = await create({ market: 'SE', externalUserId });

    expectProblem(again, 409);
    expect((await control.users()).count).toBe(1);
  });

  it("answers 400 with Tink's message for a market Tink does not serve", async () => {
    const response = await create({ market: 'ZZ' });

    const problem = expectProblem(response, 400);
    expect(problem.detail).toContain('Invalid market');
    expect(response.json()).toMatchObject({ provider: 'tink', providerStatus: 400 });
  });

  it.each([
    [
      "Tink's {errorMessage, errorCode}",
      { errorMessage: 'market is not enabled', errorCode: 'request.invalid' },
    ],
    [
      "OAuth's {error, error_description}",
      { error: 'invalid_request', error_description: 'market is not enabled' },
    ],
    ['plain text', 'market is not enabled'],
  ])("passes on Tink's 400 message given as %s", async (_label, body) => {
    await control.injectFault(route.createUser, { kind: 'status', status: 400, body }, 1);

    const response = await create({ market: 'SE' });

    const problem = expectProblem(response, 400);
    expect(problem.detail).toBe('The provider answered 400: market is not enabled');
  });

  it('acts once when the connection drops after Tink created the user (the retry carries the same Idempotency-Key)', async () => {
    // Prepare
    const externalUserId = `ext-${randomUUID()}`;
    await create({ market: 'GB' });
    await control.injectFault(route.createUser, { kind: 'drop-after-handling' }, 1);
    await startCounting();

    // Act
    const response = await create({ market: 'SE', externalUserId });

    // Assess
    expect(response.statusCode).toBe(201);
    expect((await providerCalls())[route.createUser]).toBe(2);
    const users = (await control.users()).users.filter((user) => user.externalUserId === externalUserId);
    expect(users).toHaveLength(1);
    expect(response.json()).toEqual({ userId: users[0]?.userId, externalUserId });
  });

  it('still answers 201 when the enrolment fails, and reports it', async () => {
    // Prepare: a registry that cannot write
    const core = coreConfig();
    const registry = {
      enroll: async () => {
        throw new Error('registry unavailable');
      },
    } as unknown as EnrollmentRegistry;
    const tink = new TinkOperations({
      client: tinkClient(),
      cache: responseCache(),
      registry,
      credentialsFreshSeconds: core.CACHE_TTL_TINK_CREDENTIALS_SECONDS,
      inProgressFreshSeconds: core.CACHE_TTL_TINK_CREDENTIALS_IN_PROGRESS_SECONDS,
    });
    const logs = captureLogs();
    logger.setLogLevel('ERROR');

    // Act
    let created: { userId: string } | undefined;
    try {
      created = await tink.createUser(
        { requestId: randomUUID(), deadlineAtMs: Date.now() + 5000 },
        { market: 'SE' },
      );
    } finally {
      logger.setLogLevel('SILENT' as 'ERROR');
      logs.restore();
    }

    // Assess
    expect(created?.userId).toMatch(/^[0-9a-f]{32}$/);
    expect(logs.records()).toContainEqual(
      expect.objectContaining({
        level: 'ERROR',
        userId: created?.userId,
        message: expect.stringMatching(/enrolled/),
      }),
    );
  });

  it.each([
    ['no body', undefined],
    ['no market', { locale: 'sv_SE' }],
    ['a lower-case market', { market: 'se' }],
    ['a three-letter market', { market: 'SWE' }],
    ['a locale with a dash', { market: 'SE', locale: 'sv-SE' }],
    ['an empty externalUserId', { market: 'SE', externalUserId: '' }],
    ['a too long externalUserId', { market: 'SE', externalUserId: 'x'.repeat(256) }],
    ['a control character in externalUserId', { market: 'SE', externalUserId: 'a\nb' }],
    ['an unknown retentionClass', { market: 'SE', retentionClass: 'forever' }],
    ['an unknown key', { market: 'SE', external_user_id: 'snake' }],
    ['a JSON array', [{ market: 'SE' }]],
    ['text that is not JSON', 'market=SE'],
  ])('refuses a body with %s with 400 and calls nothing', async (_label, body) => {
    await startCounting();

    const response = await create(body);

    expectProblem(response, 400);
    expect(await providerCalls()).toEqual({ total: 0 });
    expect(dynamoRequests.total()).toBe(0);
  });
});

describe('Route: POST /tink/users/{userId}/authorization-grants', () => {
  it('answers 201 with a code that the token route exchanges for a token with the granted scopes', async () => {
    // Prepare
    const { userId } = await seedUser();
    await startCounting();

    // Act
    const granted = await grant(userId, { scope: ['accounts:read', 'credentials:read'] });
    const grantCalls = await providerCalls();
    const grantRequests = dynamoRequests.total();
    await startCounting();
    const { code } = granted.json<{ code: string }>();
    const token = await exchange({ code });

    // Assess
    expect(granted.statusCode).toBe(201);
    expect(code).toMatch(/^[0-9a-f]{32}$/);
    expect(granted.headers['Cache-Control']).toBe('no-store');
    expect(token.statusCode).toBe(200);
    expect(token.json()).toEqual({
      accessToken: expect.any(String),
      tokenType: 'bearer',
      expiresIn: 7200,
      scope: 'accounts:read,credentials:read',
    });
    expect(grantCalls[route.grant]).toBe(1);
    expect(grantRequests).toBe(0);
    expect(await providerCalls()).toEqual({ [route.clientToken]: 1, total: 1 });
    expect(dynamoRequests.total()).toBe(0);
  });

  it('uses the delegated grant when asked, and the exchange answers the id hint', async () => {
    // Prepare
    const { userId } = await seedUser();
    await startCounting();

    // Act
    const granted = await grant(userId, {
      scope: ['credentials:read', 'credentials:write', 'providers:read'],
      delegate: { idHint: 'Ada Lovelace', actorClientId: 'df05e4b379934cd09963197cc855bfe9' },
    });
    const token = await exchange({ code: granted.json<{ code: string }>().code });

    // Assess
    expect(granted.statusCode).toBe(201);
    const calls = await providerCalls();
    expect(calls[route.delegatedGrant]).toBe(1);
    expect(calls[route.grant]).toBeUndefined();
    expect(token.json()).toMatchObject({ idHint: 'Ada Lovelace' });
  });

  it('answers 404 for a user Tink does not know', async () => {
    const response = await grant('ffffffffffffffffffffffffffffffff', { scope: ['credentials:read'] });

    expectProblem(response, 404);
  });

  it.each([
    ['no scope', {}],
    ['an empty scope list', { scope: [] }],
    ['an upper-case scope', { scope: ['credentials:read', 'Accounts:Read'] }],
    ['a comma inside a scope', { scope: ['credentials:read,accounts:read'] }],
    ['a space inside a scope', { scope: ['credentials read'] }],
    ['an empty scope part', { scope: ['accounts::read'] }],
    ['a scope of 65 characters', { scope: [`a${'b'.repeat(64)}`] }],
    ['51 scopes', { scope: Array.from({ length: 51 }, (_, index) => `scope-${index}`) }],
    ['a repeated scope', { scope: ['credentials:read', 'credentials:read'] }],
    ['scope as a comma-separated string', { scope: 'credentials:read,accounts:read' }],
    ['an unknown key', { scope: ['credentials:read'], userId: 'other' }],
    ['a delegate without actorClientId', { scope: ['credentials:read'], delegate: { idHint: 'Ada' } }],
    [
      'a delegate with an empty idHint',
      { scope: ['credentials:read'], delegate: { idHint: '', actorClientId: 'a' } },
    ],
    [
      'a delegate with an unknown key',
      { scope: ['credentials:read'], delegate: { idHint: 'Ada', actorClientId: 'a', extra: 1 } },
    ],
  ])('refuses a body with %s with 400 and calls nothing', async (_label, body) => {
    await startCounting();

    const response = await grant('dec0de00000000000000000000000001', body);

    expectProblem(response, 400);
    expect(await providerCalls()).toEqual({ total: 0 });
  });
});

describe('Route: POST /tink/oauth/token', () => {
  it('answers 200 with a camelCase token marked no-store, usable at Tink', async () => {
    // Prepare
    const { userId } = await seedUser();
    const { code } = (await grant(userId, { scope: ['credentials:read'] })).json<{ code: string }>();

    // Act
    const response = await exchange({ code });

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.headers['Cache-Control']).toBe('no-store');
    const token = response.json<{ accessToken: string }>();
    const atTink = await fetch(`${process.env.TINK_SIMULATOR_URL}/api/v1/credentials/list`, {
      headers: { Authorization: `Bearer ${token.accessToken}` },
    });
    expect(atTink.status).toBe(200);
  });

  it("answers 400 with Tink's message for a spent code", async () => {
    // Prepare
    const { userId } = await seedUser();
    const { code } = (await grant(userId, { scope: ['credentials:read'] })).json<{ code: string }>();
    await exchange({ code });

    // Act
    const again = await exchange({ code });

    // Assess
    const problem = expectProblem(again, 400);
    expect(problem.detail).toContain('Authorization code not valid');
    expect(problem.detail).not.toContain(code);
  });

  it('never retries the exchange: a dropped connection is one call and a 502', async () => {
    // Prepare
    const { userId } = await seedUser();
    const { code } = (await grant(userId, { scope: ['credentials:read'] })).json<{ code: string }>();
    await control.injectFault(route.clientToken, { kind: 'drop' }, 1);
    await startCounting();

    // Act
    const response = await exchange({ code });

    // Assess
    expectProblem(response, 502);
    expect(await providerCalls()).toEqual({ [route.clientToken]: 1, total: 1 });
  });

  it.each([
    ['no body', undefined],
    ['no code', {}],
    ['an empty code', { code: '' }],
    ['a code with spaces', { code: 'a b' }],
    ['a too long code', { code: 'a'.repeat(513) }],
    ['an unknown key', { code: 'abc', grant_type: 'authorization_code' }],
  ])('refuses a body with %s with 400 and calls nothing', async (_label, body) => {
    await startCounting();

    const response = await exchange(body);

    expectProblem(response, 400);
    expect(await providerCalls()).toEqual({ total: 0 });
  });
});

describe('Route: DELETE /tink/users/{userId}', () => {
  it('answers 204, deletes the user with a user:delete token of its own, purges the cache, un-enrols', async () => {
    // Prepare
    const { userId } = await seedUser();
    await enrollmentRegistry().enroll('tink', userId);
    await list(userId);
    expect((await cacheItemsOf(userId)).length).toBeGreaterThan(0);
    await startCounting();

    // Act
    const response = await remove(userId);
    const deleteCalls = await providerCalls();
    const deleteRequests = dynamoRequests.byOperation();
    const after = await list(userId);

    // Assess
    expect(response.statusCode).toBe(204);
    expect(deleteCalls).toEqual({
      [route.grant]: 1,
      [route.clientToken]: 1, // the code exchange for the user:delete token
      [route.deleteUser]: 1,
      total: 3,
    });
    expect(deleteRequests).toEqual({ UpdateItem: 1, Query: 1, BatchWriteItem: 1, DeleteItem: 1 });
    await expect(control.user(userId)).rejects.toThrow(/404/);
    expect((await cacheItemsOf(userId)).map((item) => item.sk)).toEqual(['meta']);
    expect(await enrollmentRegistry().isEnrolled('tink', userId)).toBe(false);
    expectProblem(after, 404);
  });

  it('answers 404 for a user Tink does not know, and still drops what we held about it', async () => {
    // Prepare
    const userId = 'eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee';
    await enrollmentRegistry().enroll('tink', userId);

    // Act
    const response = await remove(userId);

    // Assess
    expectProblem(response, 404);
    expect(await enrollmentRegistry().isEnrolled('tink', userId)).toBe(false);
  });

  it.each([['..'], ['%2E%2E'], ['a%2Fb'], ['x'.repeat(129)], ['üser']])(
    'refuses the user id %s with 400 and calls nothing',
    async (userId) => {
      await startCounting();

      const response = await remove(userId);

      expectProblem(response, 400);
      expect(await providerCalls()).toEqual({ total: 0 });
      expect(dynamoRequests.total()).toBe(0);
    },
  );
});
