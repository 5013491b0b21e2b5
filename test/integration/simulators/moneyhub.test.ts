// The Moneyhub simulator over real loopback HTTP: OIDC discovery, private_key_jwt verified against
// keys generated here at run time, scope families, the users/connections/syncs routes, the data-API
// sync trigger, seeding and the harness controls. The simulator must be faithful to
// docs/providers.md, since every Moneyhub client test trusts it.

import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { type CryptoKey, importJWK, type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { generateClientKey } from '../../../local/simulators/moneyhub/demo-data';
import {
  clientAssertionType,
  type MoneyhubSimulator,
  type SeededUser,
  startMoneyhubSimulator,
} from '../../../local/simulators/moneyhub/index';

const jwtClientId = 'test-jwt-client';
const basicClientId = 'test-basic-client';
const basicSecret = `secret-${randomUUID()}`;
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let sim: MoneyhubSimulator;
let signingKey: CryptoKey;
let kid: string;
let clientKey: Awaited<ReturnType<typeof generateClientKey>>;
let otherKey: Awaited<ReturnType<typeof generateClientKey>>;

interface AssertionOverrides {
  iss?: string;
  sub?: string;
  aud?: string;
  jti?: string;
  iat?: number;
  exp?: number;
  alg?: string;
  kid?: string;
  key?: CryptoKey;
}

async function assertion(overrides: AssertionOverrides = {}) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: overrides.alg ?? 'RS256', kid: overrides.kid ?? kid })
    .setIssuer(overrides.iss ?? jwtClientId)
    .setSubject(overrides.sub ?? jwtClientId)
    .setAudience(overrides.aud ?? sim.issuer)
    .setJti(overrides.jti ?? randomUUID())
    .setIssuedAt(overrides.iat ?? now)
    .setExpirationTime(overrides.exp ?? now + 60)
    .sign(overrides.key ?? signingKey);
}

async function requestToken(fields: Record<string, string>, headers: Record<string, string> = {}) {
  const response = await fetch(sim.tokenEndpoint, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams({ grant_type: 'client_credentials', ...fields }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function jwtToken(
  scope: string,
  extra: Record<string, string> = {},
  overrides: AssertionOverrides = {},
) {
  return requestToken({
    scope,
    client_id: jwtClientId,
    client_assertion_type: clientAssertionType,
    client_assertion: await assertion(overrides),
    ...extra,
  });
}

async function accessToken(scope: string, sub?: string) {
  const { status, body } = await jwtToken(scope, sub === undefined ? {} : { sub });
  expect(status).toBe(200);
  return body.access_token as string;
}

async function call(
  method: string,
  path: string,
  token?: string,
  init: { body?: unknown; headers?: Record<string, string> } = {},
) {
  const response = await fetch(`${sim.url}${path}`, {
    method,
    headers: {
      ...(token === undefined ? {} : { Authorization: `Bearer ${token}` }),
      ...(init.body === undefined ? {} : { 'Content-Type': 'application/json' }),
      ...init.headers,
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: (text === '' ? undefined : JSON.parse(text)) as Record<string, unknown> & { data?: unknown },
  };
}

async function seedOne(connections = 2, syncs = 0): Promise<SeededUser> {
  const [user] = await sim.control.seed({
    users: [{ clientUserId: 'seeded', connections: Array.from({ length: connections }, () => ({})), syncs }],
  });
  if (!user) throw new Error('seed returned nothing');
  return user;
}

const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

beforeAll(async () => {
  const key = await generateClientKey('RS256');
  clientKey = key;
  otherKey = await generateClientKey('RS256');
  signingKey = (await importJWK(key.privateJwk, 'RS256')) as CryptoKey;
  kid = key.kid;
  sim = await startMoneyhubSimulator({
    port: 0,
    clients: [
      {
        clientId: jwtClientId,
        tokenEndpointAuthMethod: 'private_key_jwt',
        jwks: key.publicJwks,
        signingAlg: 'RS256',
      },
    ],
  });
  // Registered over the control API, as tests of other modules do.
  await sim.control.registerClient({
    clientId: basicClientId,
    tokenEndpointAuthMethod: 'client_secret_basic',
    clientSecret: basicSecret,
  });
});

afterAll(async () => {
  await sim?.close();
});

beforeEach(async () => {
  await sim.control.reset();
});

describe('Moneyhub simulator', () => {
  describe('Route: GET /oidc/.well-known/openid-configuration', () => {
    it('describes the issuer, token endpoint, JWKS and client authentication', async () => {
      const { status, body } = await call('GET', '/oidc/.well-known/openid-configuration');

      expect(status).toBe(200);
      expect(body).toMatchObject({
        issuer: `${sim.url}/oidc`,
        token_endpoint: `${sim.url}/oidc/token`,
        jwks_uri: `${sim.url}/oidc/certs`,
      });
      expect(body.token_endpoint_auth_methods_supported).toEqual(
        expect.arrayContaining(['private_key_jwt', 'client_secret_basic']),
      );
      expect(body.token_endpoint_auth_signing_alg_values_supported).toEqual(
        expect.arrayContaining(['RS256', 'PS256', 'ES256']),
      );
      expect(body.scopes_supported).toEqual(
        expect.arrayContaining([
          'user:create',
          'user:read',
          'user:delete',
          'connection:read',
          'connection:delete',
        ]),
      );
    });

    it('serves its own public signing keys at the jwks_uri', async () => {
      const { status, body } = await call('GET', '/oidc/certs');

      expect(status).toBe(200);
      const keys = body.keys as JWK[];
      expect(keys).toHaveLength(1);
      expect(keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
      expect(keys[0]?.kid).toEqual(expect.any(String));
      expect(keys[0]).not.toHaveProperty('d');
    });
  });

  describe('Route: POST /oidc/token', () => {
    it('issues a token for a private_key_jwt assertion whose aud is the issuer', async () => {
      const { status, body } = await jwtToken('user:read user:delete', {}, { aud: sim.issuer });

      expect(status).toBe(200);
      expect(body).toEqual({
        access_token: expect.any(String),
        token_type: 'Bearer',
        expires_in: 7200,
        scope: 'user:read user:delete',
      });
    });

    it('issues a token for an assertion whose aud is the token endpoint', async () => {
      const { status } = await jwtToken('user:read', {}, { aud: sim.tokenEndpoint });

      expect(status).toBe(200);
    });

    it('accepts an assertion without the client_id form field', async () => {
      const { status } = await requestToken({
        scope: 'user:read',
        client_assertion_type: clientAssertionType,
        client_assertion: await assertion(),
      });

      expect(status).toBe(200);
    });

    const now = () => Math.floor(Date.now() / 1000);
    // Each case names the part of error_description that proves it failed for the intended reason.
    const rejected: Array<[string, () => Promise<AssertionOverrides> | AssertionOverrides, string]> = [
      ['a wrong aud', () => ({ aud: 'https://identity.moneyhub.co.uk/oidc' }), 'aud'],
      ['an expired exp', () => ({ iat: now() - 120, exp: now() - 60 }), 'expired'],
      ['an iat older than five minutes', () => ({ iat: now() - 600, exp: now() + 30 }), 'iat'],
      ['a lifetime longer than five minutes', () => ({ exp: now() + 3600 }), 'longer than'],
      ['an unknown kid', () => ({ kid: 'no-such-kid' }), 'no registered key'],
      [
        'a key that is not registered',
        async () => ({ key: (await importJWK(otherKey.privateJwk, 'RS256')) as CryptoKey }),
        'signature',
      ],
      [
        'an alg other than the registered one',
        // The registered key itself, used with another RSA alg.
        async () => ({
          alg: 'PS256',
          key: (await importJWK({ ...clientKey.privateJwk, alg: 'PS256' }, 'PS256')) as CryptoKey,
        }),
        'alg PS256',
      ],
      ['an iss other than the client id', () => ({ iss: 'someone-else' }), 'iss'],
      ['a sub other than the client id', () => ({ sub: 'someone-else' }), 'sub'],
    ];
    it.each(rejected)('rejects an assertion with %s as invalid_client', async (_name, overrides, reason) => {
      const { status, body } = await jwtToken('user:read', {}, await overrides());

      expect(status).toBe(401);
      expect(body).toEqual({ error: 'invalid_client', error_description: expect.stringContaining(reason) });
    });

    it('rejects a replayed jti', async () => {
      const jti = randomUUID();
      const first = await jwtToken('user:read', {}, { jti });

      const second = await jwtToken('user:read', {}, { jti });

      expect(first.status).toBe(200);
      expect(second.status).toBe(401);
      expect(second.body).toMatchObject({
        error: 'invalid_client',
        error_description: expect.stringContaining('jti'),
      });
    });

    it('rejects a wrong client_assertion_type and a missing client authentication', async () => {
      const wrongType = await jwtToken('user:read', { client_assertion_type: 'urn:example:other' });
      const none = await requestToken({ scope: 'user:read', client_id: jwtClientId });

      expect(wrongType).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
      expect(none).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    });

    it('authenticates client_secret_basic with the right secret only', async () => {
      const good = await requestToken(
        { scope: 'user:create' },
        { Authorization: basic(basicClientId, basicSecret) },
      );
      const bad = await requestToken(
        { scope: 'user:create' },
        { Authorization: basic(basicClientId, 'wrong') },
      );

      expect(good.status).toBe(200);
      expect(good.body.scope).toBe('user:create');
      expect(bad).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    });

    it('refuses client_secret_basic for a client registered for private_key_jwt', async () => {
      const { status, body } = await requestToken(
        { scope: 'user:read' },
        { Authorization: basic(jwtClientId, 'anything') },
      );

      expect(status).toBe(401);
      expect(body.error).toBe('invalid_client');
    });

    it('answers invalid_scope for an unknown scope', async () => {
      const { status, body } = await jwtToken('user:read banana:eat');

      expect(status).toBe(400);
      expect(body).toMatchObject({ error: 'invalid_scope' });
    });

    it('answers invalid_scope for connection scopes while the user family is in force', async () => {
      await sim.control.settings({ scopeFamily: 'user' });

      const connection = await jwtToken('connection:read');
      const user = await jwtToken('user:read');
      const discovery = await call('GET', '/oidc/.well-known/openid-configuration');

      expect(connection).toMatchObject({ status: 400, body: { error: 'invalid_scope' } });
      expect(user.status).toBe(200);
      expect(discovery.body.scopes_supported).not.toContain('connection:read');
    });

    it('issues a user-scoped token for a known sub and refuses an unknown one', async () => {
      const user = await seedOne(1);

      const known = await jwtToken('accounts:read accounts:write:all', { sub: user.userId });
      const unknown = await jwtToken('accounts:read', { sub: 'ffffffffffffffffffffffff' });

      expect(known.status).toBe(200);
      expect(unknown).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
      const tokens = await sim.control.tokens();
      expect(tokens).toContainEqual(expect.objectContaining({ sub: user.userId, clientId: jwtClientId }));
    });

    it('uses the configured token lifetime', async () => {
      await sim.control.settings({ tokenLifetimeSeconds: 60 });

      const { body } = await jwtToken('user:read');

      expect(body.expires_in).toBe(60);
    });
  });

  describe('Route: POST /users', () => {
    it('registers a user and returns it with 201', async () => {
      const token = await accessToken('user:create');

      const { status, body } = await call('POST', '/users', token, { body: { clientUserId: 'customer-42' } });

      expect(status).toBe(201);
      expect(body).toEqual({
        userId: expect.stringMatching(/^[0-9a-f]{24}$/),
        clientUserId: 'customer-42',
        clientId: jwtClientId,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
        scopes: expect.any(String),
        managedBy: 'client',
        lastAccessed: body.createdAt,
        userType: 'test',
        connectionIds: [],
      });
      expect(new Date(body.createdAt as string).toISOString()).toBe(body.createdAt);
    });

    it('replays the first response for a repeated Idempotency-Key', async () => {
      const token = await accessToken('user:create');
      const headers = { 'Idempotency-Key': randomUUID() };

      const first = await call('POST', '/users', token, { body: {}, headers });
      const second = await call('POST', '/users', token, { body: {}, headers });

      expect(second.status).toBe(201);
      expect(second.body.userId).toBe(first.body.userId);
    });

    it('rejects a clientUserId longer than 256 characters with 400', async () => {
      const token = await accessToken('user:create');

      const { status, body } = await call('POST', '/users', token, {
        body: { clientUserId: 'x'.repeat(257) },
      });

      expect(status).toBe(400);
      expect(body.code).toBe('BadRequest');
    });

    it('answers 401 without a token and 403 without user:create', async () => {
      const token = await accessToken('user:read');

      const missing = await call('POST', '/users', undefined, { body: {} });
      const wrongScope = await call('POST', '/users', token, { body: {} });

      expect(missing.status).toBe(401);
      expect(missing.headers.get('www-authenticate')).toBe('Bearer');
      expect(wrongScope.status).toBe(403);
      expect(wrongScope.body.code).toBe('Forbidden');
    });
  });

  describe('Route: GET /users/:userId', () => {
    it('returns the bare user with its connection ids', async () => {
      const user = await seedOne(2);
      const token = await accessToken('user:read');

      const { status, body } = await call('GET', `/users/${user.userId}`, token);

      expect(status).toBe(200);
      expect(body).toMatchObject({
        userId: user.userId,
        clientUserId: 'seeded',
        connectionIds: user.connectionIds,
      });
      expect(body).not.toHaveProperty('data');
      expect(body).not.toHaveProperty('sub');
    });

    it('answers 404 for an unknown user with a correlationId that is also the X-Request-ID', async () => {
      const token = await accessToken('user:read');

      const { status, headers, body } = await call('GET', '/users/ffffffffffffffffffffffff', token);

      expect(status).toBe(404);
      expect(body).toEqual({
        code: 'NotFound',
        message: 'User not found',
        correlationId: expect.any(String),
      });
      expect(headers.get('x-request-id')).toBe(body.correlationId);
    });

    it('answers 401 for an expired token', async () => {
      const user = await seedOne(0);
      const token = await accessToken('user:read');
      await sim.control.expireTokens();

      const { status, body } = await call('GET', `/users/${user.userId}`, token);

      expect(status).toBe(401);
      expect(body.code).toBe('Unauthorized');
    });
  });

  describe('Route: DELETE /users/:userId', () => {
    it('deletes the user with its connections and syncs and answers 204', async () => {
      const user = await seedOne(2, 3);
      const token = await accessToken('user:read user:delete');

      const deleted = await call('DELETE', `/users/${user.userId}`, token);
      const after = await call('GET', `/users/${user.userId}`, token);

      expect(deleted.status).toBe(204);
      expect(deleted.body).toBeUndefined();
      expect(after.status).toBe(404);
      await expect(sim.control.user(user.userId)).rejects.toThrow(/404/);
    });

    it('answers 403 with only user:read', async () => {
      const user = await seedOne(0);
      const token = await accessToken('user:read');

      const { status } = await call('DELETE', `/users/${user.userId}`, token);

      expect(status).toBe(403);
    });
  });

  describe('Route: GET /users/:userId/connections', () => {
    it('lists the connections in a {data, meta} envelope', async () => {
      const [user] = await sim.control.seed({
        users: [
          {
            connections: [
              { status: 'ok' },
              { status: 'error', error: 'mfa_required', extendedStatus: 'stoppedSyncing' },
              { status: 'never', tppConsent: true },
            ],
          },
        ],
      });
      const token = await accessToken('connection:read');

      const { status, body } = await call('GET', `/users/${user?.userId}/connections`, token);

      expect(status).toBe(200);
      expect(body.meta).toEqual({});
      const data = body.data as Array<Record<string, unknown>>;
      expect(data.map((connection) => connection.id)).toEqual(user?.connectionIds);
      expect(data[0]).toMatchObject({
        id: expect.stringMatching(/^[0-9a-f]{32}:[0-9a-f-]{36}$/),
        name: expect.any(String),
        type: 'test',
        connectedOn: expect.any(String),
        accountIds: [expect.stringMatching(uuidPattern)],
        status: 'ok',
        lastUpdated: expect.any(String),
        expiresAt: expect.any(String),
        error: null,
      });
      expect(data[1]).toMatchObject({
        status: 'error',
        error: 'mfa_required',
        extendedStatus: 'stoppedSyncing',
      });
      expect(data[2]).toMatchObject({ status: 'never', tppConsent: true });
      expect(data[2]).not.toHaveProperty('lastUpdated');
    });

    it('accepts either scope family by default, as Moneyhub does', async () => {
      const user = await seedOne(1);
      const userRead = await accessToken('user:read');
      const connectionRead = await accessToken('connection:read');

      const withUserRead = await call('GET', `/users/${user.userId}/connections`, userRead);
      const withConnectionRead = await call('GET', `/users/${user.userId}/connections`, connectionRead);

      expect(withUserRead.status).toBe(200);
      expect(withConnectionRead.status).toBe(200);
      expect(withConnectionRead.body).toEqual(withUserRead.body);
    });

    it('demands one family only under a one-family setting', async () => {
      const user = await seedOne(1);
      const userRead = await accessToken('user:read');
      const connectionRead = await accessToken('connection:read');

      await sim.control.settings({ scopeFamily: 'connection' });
      const refusedUserRead = await call('GET', `/users/${user.userId}/connections`, userRead);
      const acceptedConnectionRead = await call('GET', `/users/${user.userId}/connections`, connectionRead);
      await sim.control.settings({ scopeFamily: 'user' });
      const acceptedUserRead = await call('GET', `/users/${user.userId}/connections`, userRead);
      const refusedConnectionRead = await call('GET', `/users/${user.userId}/connections`, connectionRead);

      expect([refusedUserRead.status, acceptedConnectionRead.status]).toEqual([403, 200]);
      expect(refusedUserRead.body.message).toContain('connection:read');
      expect([acceptedUserRead.status, refusedConnectionRead.status]).toEqual([200, 403]);
      expect(refusedConnectionRead.body.message).toContain('user:read');
    });

    it('answers 404 for an unknown user', async () => {
      const token = await accessToken('connection:read');

      const { status } = await call('GET', '/users/ffffffffffffffffffffffff/connections', token);

      expect(status).toBe(404);
    });
  });

  describe('Route: DELETE /users/:userId/connection/:connectionId', () => {
    it('deletes a connection addressed with a percent-encoded id and answers 204', async () => {
      const user = await seedOne(2);
      const [first, second] = user.connectionIds as [string, string];
      const token = await accessToken('connection:read connection:delete');

      const deleted = await call(
        'DELETE',
        `/users/${user.userId}/connection/${encodeURIComponent(first)}`,
        token,
      );
      const list = await call('GET', `/users/${user.userId}/connections`, token);

      expect(deleted.status).toBe(204);
      expect((list.body.data as Array<{ id: string }>).map((connection) => connection.id)).toEqual([second]);
    });

    it('accepts a raw id with its colon and answers 404 for an unknown connection', async () => {
      const user = await seedOne(1);
      const [first] = user.connectionIds as [string];
      const token = await accessToken('connection:delete');

      const deleted = await call('DELETE', `/users/${user.userId}/connection/${first}`, token);
      const again = await call('DELETE', `/users/${user.userId}/connection/${first}`, token);

      expect(deleted.status).toBe(204);
      expect(again.status).toBe(404);
    });

    it('answers 404 on the plural path while the singular one is in force', async () => {
      const user = await seedOne(1);
      const token = await accessToken('connection:delete');

      const plural = await call(
        'DELETE',
        `/users/${user.userId}/connections/${user.connectionIds[0]}`,
        token,
      );

      expect(plural.status).toBe(404);
      expect((await sim.control.user(user.userId)).connections).toHaveLength(1);
    });

    it('serves only the plural path once switched, the singular answering 404 or the configured 405', async () => {
      const user = await seedOne(2);
      const [first, second] = user.connectionIds as [string, string];
      const token = await accessToken('connection:delete');
      await sim.control.settings({ deleteConnectionPath: 'plural' });

      const singular = await call(
        'DELETE',
        `/users/${user.userId}/connection/${encodeURIComponent(first)}`,
        token,
      );
      await sim.control.settings({ unsupportedPathStatus: 405 });
      const singular405 = await call(
        'DELETE',
        `/users/${user.userId}/connection/${encodeURIComponent(first)}`,
        token,
      );
      const plural = await call(
        'DELETE',
        `/users/${user.userId}/connections/${encodeURIComponent(second)}`,
        token,
      );

      expect(singular.status).toBe(404);
      expect(singular405.status).toBe(405);
      expect(plural.status).toBe(204);
      expect((await sim.control.user(user.userId)).user.connectionIds).toEqual([first]);
    });

    it('demands user:delete under the user family', async () => {
      const user = await seedOne(1);
      await sim.control.settings({ scopeFamily: 'user' });
      const token = await accessToken('user:delete');

      const { status } = await call(
        'DELETE',
        `/users/${user.userId}/connection/${user.connectionIds[0]}`,
        token,
      );

      expect(status).toBe(204);
    });
  });

  describe('Route: GET /users/:userId/syncs', () => {
    it('pages with the default limit of 10 and links to the next page', async () => {
      const user = await seedOne(2, 12);
      const token = await accessToken('connection:read');

      const { status, body } = await call('GET', `/users/${user.userId}/syncs`, token);

      expect(status).toBe(200);
      expect(body.meta).toEqual({ limit: 10, offset: 0, total: 12 });
      const data = body.data as Array<Record<string, unknown>>;
      expect(data).toHaveLength(10);
      expect(data.map((sync) => sync.id)).toEqual(user.syncIds.slice(0, 10));
      expect(data[0]).toEqual({
        id: expect.stringMatching(uuidPattern),
        connectionId: expect.any(String),
        action: 'client-update',
        method: 'UPDATE',
        fetchStatus: 'success',
        createdAt: expect.any(String),
        fetchedAt: expect.any(String),
        accounts: [{ providerId: expect.any(String), accountId: expect.stringMatching(uuidPattern) }],
      });
      expect(body.links).toEqual({
        self: `${sim.url}/users/${user.userId}/syncs?limit=10&offset=0`,
        next: `${sim.url}/users/${user.userId}/syncs?limit=10&offset=10`,
      });
    });

    it('serves a later page with a prev link and no next', async () => {
      const user = await seedOne(1, 12);
      const token = await accessToken('connection:read');

      const { body } = await call('GET', `/users/${user.userId}/syncs?limit=5&offset=10`, token);

      expect((body.data as unknown[]).length).toBe(2);
      expect(body.meta).toEqual({ limit: 5, offset: 10, total: 12 });
      expect(body.links).toEqual({
        self: `${sim.url}/users/${user.userId}/syncs?limit=5&offset=10`,
        prev: `${sim.url}/users/${user.userId}/syncs?limit=5&offset=5`,
      });
    });

    it.each(['limit=abc', 'limit=0', 'limit=-1', 'offset=1.5', 'limit=100000'])(
      'answers 400 for %s',
      async (query) => {
        const user = await seedOne(1, 1);
        const token = await accessToken('connection:read');

        const { status, body } = await call('GET', `/users/${user.userId}/syncs?${query}`, token);

        expect(status).toBe(400);
        expect(body).toMatchObject({ code: 'BadRequest', correlationId: expect.any(String) });
      },
    );

    it('answers 404 for an unknown user', async () => {
      const token = await accessToken('connection:read');

      const { status } = await call('GET', '/users/ffffffffffffffffffffffff/syncs', token);

      expect(status).toBe(404);
    });
  });

  describe('Route: GET /users', () => {
    it("lists the API client's users in pages with links and meta", async () => {
      const seeded = await sim.control.seed({
        users: Array.from({ length: 5 }, (_, index) => ({ clientUserId: `listed-${index}` })),
      });
      await sim.control.seed({ clientId: basicClientId, users: [{ clientUserId: 'someone-else' }] });
      const token = await accessToken('user:read');

      const all = await call('GET', '/users', token);
      const page = await call('GET', '/users?limit=2&offset=2', token);

      expect(all.status).toBe(200);
      expect(all.body.meta).toEqual({ limit: 100, offset: 0, total: 5 });
      const listed = all.body.data as Array<Record<string, unknown>>;
      expect(listed.map((user) => user.userId)).toEqual(seeded.map((user) => user.userId));
      expect(listed[0]).toMatchObject({ clientId: jwtClientId, lastAccessed: expect.any(String) });
      expect(page.body.meta).toEqual({ limit: 2, offset: 2, total: 5 });
      expect((page.body.data as Array<{ userId: string }>).map((user) => user.userId)).toEqual(
        seeded.slice(2, 4).map((user) => user.userId),
      );
      expect(page.body.links).toEqual({
        self: `${sim.url}/users?limit=2&offset=2`,
        next: `${sim.url}/users?limit=2&offset=4`,
        prev: `${sim.url}/users?limit=2&offset=0`,
      });
    });

    it('keeps fields it does not know on a user, and gives every user lastAccessed', async () => {
      const [seeded] = await sim.control.seed({
        users: [
          { clientUserId: 'with-extras', lastAccessed: '2026-02-01T00:00:00.000Z', riskProfile: 'low' },
        ],
      });
      const token = await accessToken('user:read');

      const one = await call('GET', `/users/${seeded?.userId}`, token);
      const listed = await call('GET', '/users', token);

      expect(one.body).toMatchObject({ riskProfile: 'low', lastAccessed: '2026-02-01T00:00:00.000Z' });
      expect(listed.body.data).toEqual([one.body]);
    });

    it('answers 403 without user:read and 400 for a bad limit', async () => {
      const withoutScope = await call('GET', '/users', await accessToken('user:create'));
      const badLimit = await call('GET', '/users?limit=0', await accessToken('user:read'));

      expect(withoutScope.status).toBe(403);
      expect(badLimit.status).toBe(400);
    });
  });

  describe('Route: GET /users/:userId/syncs/:syncId', () => {
    it('returns one sync in a data envelope, with either scope family', async () => {
      const user = await seedOne(1, 3);
      const syncId = user.syncIds[1] as string;

      const withUserRead = await call(
        'GET',
        `/users/${user.userId}/syncs/${syncId}`,
        await accessToken('user:read'),
      );
      const withConnectionRead = await call(
        'GET',
        `/users/${user.userId}/syncs/${syncId}`,
        await accessToken('connection:read'),
      );

      expect(withUserRead.status).toBe(200);
      expect(withUserRead.body.data).toMatchObject({ id: syncId, connectionId: user.connectionIds[0] });
      expect(withConnectionRead.body).toEqual(withUserRead.body);
    });

    it('answers 404 "Sync not found" for an unknown sync and "User not found" for an unknown user', async () => {
      const user = await seedOne(1, 1);
      const token = await accessToken('user:read');

      const unknownSync = await call('GET', `/users/${user.userId}/syncs/${randomUUID()}`, token);
      const unknownUser = await call(
        'GET',
        `/users/ffffffffffffffffffffffff/syncs/${user.syncIds[0]}`,
        token,
      );

      expect([unknownSync.status, unknownSync.body.message]).toEqual([404, 'Sync not found']);
      expect([unknownUser.status, unknownUser.body.message]).toEqual([404, 'User not found']);
    });
  });

  describe('Route: GET /users/:userId/connections/:connectionId/syncs', () => {
    it("pages one connection's syncs, the connection id sent raw with its colon", async () => {
      const user = await seedOne(2, 12);
      const connectionId = user.connectionIds[0] as string;
      const token = await accessToken('user:read');
      const expected = (await sim.control.user(user.userId)).syncs
        .filter((sync) => sync.connectionId === connectionId)
        .map((sync) => sync.id);

      const first = await call(
        'GET',
        `/users/${user.userId}/connections/${connectionId}/syncs?limit=4`,
        token,
      );
      const second = await call(
        'GET',
        `/users/${user.userId}/connections/${encodeURIComponent(connectionId)}/syncs?limit=4&offset=4`,
        token,
      );

      expect(expected).toHaveLength(6);
      expect(first.status).toBe(200);
      expect((first.body.data as Array<{ id: string }>).map((sync) => sync.id)).toEqual(expected.slice(0, 4));
      expect(first.body.meta).toEqual({ limit: 4, offset: 0, total: 6 });
      expect(first.body.links).toEqual({
        self: `${sim.url}/users/${user.userId}/connections/${connectionId}/syncs?limit=4&offset=0`,
        next: `${sim.url}/users/${user.userId}/connections/${connectionId}/syncs?limit=4&offset=4`,
      });
      expect((second.body.data as Array<{ id: string }>).map((sync) => sync.id)).toEqual(expected.slice(4));
    });

    it('answers 404 for an unknown connection and for an unknown user', async () => {
      const user = await seedOne(1, 1);
      const token = await accessToken('connection:read');

      const unknownConnection = await call('GET', `/users/${user.userId}/connections/nope/syncs`, token);
      const unknownUser = await call(
        'GET',
        `/users/ffffffffffffffffffffffff/connections/${user.connectionIds[0]}/syncs`,
        token,
      );

      expect([unknownConnection.status, unknownConnection.body.message]).toEqual([
        404,
        'Connection not found',
      ]);
      expect([unknownUser.status, unknownUser.body.message]).toEqual([404, 'User not found']);
    });
  });

  describe('Route: PATCH /users/:userId/connections/:connectionId', () => {
    it("updates the consent's expiresAt with user:update or connection:update and answers 204", async () => {
      const user = await seedOne(1);
      const connectionId = user.connectionIds[0] as string;
      const expiresAt = '2027-01-01T00:00:00.000Z';

      const updated = await call(
        'PATCH',
        `/users/${user.userId}/connections/${connectionId}`,
        await accessToken('user:update'),
        {
          body: { expiresAt },
        },
      );
      const refused = await call(
        'PATCH',
        `/users/${user.userId}/connections/${connectionId}`,
        await accessToken('user:read'),
        {
          body: { expiresAt },
        },
      );

      expect([updated.status, refused.status]).toEqual([204, 403]);
      expect((await sim.control.user(user.userId)).connections[0]?.expiresAt).toBe(expiresAt);
    });
  });

  describe('Unknown routes', () => {
    it('answer like an unknown route, not like an unknown user', async () => {
      const user = await seedOne(1);
      const token = await accessToken('user:read connection:read');

      const unknownRoute = await call('GET', `/users/${user.userId}/accounts`, token);
      const unknownRouteUnknownUser = await call('GET', '/users/ffffffffffffffffffffffff/accounts', token);
      const unknownUser = await call('GET', '/users/ffffffffffffffffffffffff', token);

      expect([unknownRoute.status, unknownRoute.body.message]).toEqual([404, 'Not found']);
      expect(unknownRouteUnknownUser.body.message).toBe('Not found');
      expect([unknownUser.status, unknownUser.body.message]).toEqual([404, 'User not found']);
      expect(unknownRoute.body.code).toBe('NotFound');
    });
  });

  describe('Route: POST /v3/sync/:connectionId', () => {
    it('starts a sync with a user-scoped token and records it after the sync duration', async () => {
      await sim.control.settings({ syncDurationMs: 50 });
      const [user] = await sim.control.seed({
        users: [{ connections: [{ status: 'error', error: 'sync_error' }] }],
      });
      const connectionId = user?.connectionIds[0] as string;
      const token = await accessToken('accounts:read accounts:write:all', user?.userId);

      const { status, body } = await call('POST', `/v3/sync/${encodeURIComponent(connectionId)}`, token);
      await sleep(150);

      expect(status).toBe(200);
      expect(body).toEqual({
        data: { syncId: expect.stringMatching(uuidPattern), status: 'ok', connectionId },
        links: { self: `${sim.url}/v3/sync/${connectionId}` },
        meta: {},
      });
      const dump = await sim.control.user(user?.userId as string);
      expect(dump.syncs).toEqual([
        expect.objectContaining({
          id: (body.data as { syncId: string }).syncId,
          connectionId,
          fetchStatus: 'success',
        }),
      ]);
      expect(dump.connections[0]).toMatchObject({
        status: 'ok',
        error: null,
        lastUpdated: expect.any(String),
      });
      expect(await sim.control.syncsTriggered()).toEqual({ [connectionId]: 1 });
    });

    it('answers 429 with Retry-After for a second sync within 5 s and counts only one', async () => {
      const user = await seedOne(1);
      const connectionId = user.connectionIds[0] as string;
      const token = await accessToken('accounts:read accounts:write:all', user.userId);

      const first = await call('POST', `/v3/sync/${connectionId}`, token);
      const second = await call('POST', `/v3/sync/${connectionId}`, token);

      expect(first.status).toBe(200);
      expect(second.status).toBe(429);
      expect(Number(second.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(Number(second.headers.get('retry-after'))).toBeLessThanOrEqual(5);
      expect(second.body).toMatchObject({ code: 'TooManyRequests', correlationId: expect.any(String) });
      expect(await sim.control.syncsTriggered()).toEqual({ [connectionId]: 1 });
    });

    it('records the seeded sync outcome on the connection', async () => {
      await sim.control.settings({ syncDurationMs: 0 });
      const [user] = await sim.control.seed({ users: [{ connections: [{ syncOutcome: 'mfa-required' }] }] });
      const connectionId = user?.connectionIds[0] as string;
      const token = await accessToken('accounts:read accounts:write:all', user?.userId);

      await call('POST', `/v3/sync/${connectionId}`, token);

      const dump = await sim.control.user(user?.userId as string);
      expect(dump.syncs[0]?.fetchStatus).toBe('mfa-required');
      expect(dump.connections[0]).toMatchObject({ status: 'error', error: 'mfa_required' });
    });

    it("answers status error when the sync finished at once and failed (Moneyhub's ok | error)", async () => {
      await sim.control.settings({ syncDurationMs: 0 });
      const [user] = await sim.control.seed({ users: [{ connections: [{ syncOutcome: 'error' }] }] });
      const connectionId = user?.connectionIds[0] as string;
      const token = await accessToken('accounts:read accounts:write:all', user?.userId);

      const { status, body } = await call('POST', `/v3/sync/${connectionId}`, token);

      expect(status).toBe(200);
      expect(body.data).toMatchObject({ status: 'error', connectionId });
    });

    it('serves the same trigger under /v2.0, the base the official 5.x client configures', async () => {
      const user = await seedOne(1);
      const connectionId = user.connectionIds[0] as string;
      const token = await accessToken('accounts:read accounts:write:all', user.userId);

      const { status, body } = await call('POST', `/v2.0/sync/${connectionId}`, token);

      expect(status).toBe(200);
      expect(body).toMatchObject({
        data: { status: 'ok', syncId: expect.stringMatching(uuidPattern) },
        links: { self: `${sim.url}/v2.0/sync/${connectionId}` },
        meta: {},
      });
      expect(await sim.control.syncsTriggered()).toEqual({ [connectionId]: 1 });
    });

    it('refuses a client-level token with 403 and another user’s connection with 404', async () => {
      const owner = await seedOne(1);
      const other = await seedOne(1);
      const clientToken = await accessToken('accounts:read accounts:write:all');
      const otherToken = await accessToken('accounts:read accounts:write:all', other.userId);

      const withClientToken = await call('POST', `/v3/sync/${owner.connectionIds[0]}`, clientToken);
      const withOtherUser = await call('POST', `/v3/sync/${owner.connectionIds[0]}`, otherToken);

      expect(withClientToken.status).toBe(403);
      expect(withOtherUser.status).toBe(404);
      expect(await sim.control.syncsTriggered()).toEqual({});
    });
  });

  describe('Route: POST /__control/seed', () => {
    it('seeds 1000 users in one call quickly', async () => {
      const users = Array.from({ length: 1000 }, (_, index) => ({
        clientUserId: `bulk-${index}`,
        connections: [{}, { status: 'error' as const }],
        syncs: 2,
      }));
      const startedAt = performance.now();

      const seeded = await sim.control.seed({ users });

      expect(performance.now() - startedAt).toBeLessThan(2000);
      expect(seeded).toHaveLength(1000);
      expect(new Set(seeded.map((user) => user.userId)).size).toBe(1000);
      expect(seeded[999]).toMatchObject({
        clientUserId: 'bulk-999',
        connectionIds: [expect.any(String), expect.any(String)],
      });
    });

    it('generates users in bulk without a large body', async () => {
      const seeded = await sim.control.seed({
        generate: { users: 5000, connectionsPerUser: 1, syncsPerUser: 1 },
      });

      expect(seeded).toHaveLength(5000);
      expect(seeded[0]?.syncIds).toHaveLength(1);
    });

    it('keeps fixed ids and rejects a malformed seed without applying any of it', async () => {
      const userId = 'aaaaaaaaaaaaaaaaaaaaaaaa';

      const bad = sim.control.seed({ users: [{ userId }, { userId: 'not-hex' }] });

      await expect(bad).rejects.toThrow(/400/);
      await expect(sim.control.user(userId)).rejects.toThrow(/404/);
      const [good] = await sim.control.seed({ users: [{ userId }] });
      expect(good?.userId).toBe(userId);
    });
  });

  describe('Route: /__control (harness)', () => {
    it('counts calls per route pattern', async () => {
      const user = await seedOne(1);
      const token = await accessToken('connection:read');
      await sim.control.resetCalls();

      await call('GET', `/users/${user.userId}/connections`, token);
      await call('GET', `/users/${user.userId}/connections`, token);
      await call('GET', `/users/${user.userId}/syncs`, token);

      const { calls, total } = await sim.control.calls();
      expect(calls).toEqual({ 'GET /users/:userId/connections': 2, 'GET /users/:userId/syncs': 1 });
      expect(total).toBe(3);
    });

    it('injects a 503 in Moneyhub’s error shape for the given number of calls', async () => {
      const user = await seedOne(0);
      const token = await accessToken('user:read');
      await sim.control.injectFault('GET /users/:userId', { kind: 'status', status: 503 }, 1);

      const failed = await call('GET', `/users/${user.userId}`, token);
      const recovered = await call('GET', `/users/${user.userId}`, token);

      expect(failed.status).toBe(503);
      expect(failed.body).toEqual({
        code: 'InternalServer',
        message: 'Injected 503',
        correlationId: failed.headers.get('x-request-id'),
        statusCode: 503,
      });
      expect(recovered.status).toBe(200);
    });

    it('keeps registered clients and client tokens across a reset but drops users and settings', async () => {
      const user = await seedOne(0);
      await sim.control.settings({ scopeFamily: 'user' });
      const token = await accessToken('user:read');

      await sim.control.reset();

      expect((await call('GET', `/users/${user.userId}`, token)).status).toBe(404);
      expect((await jwtToken('connection:read')).status).toBe(200);
    });
  });
});
