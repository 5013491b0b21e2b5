// The Tink simulator over real HTTP on loopback: the contract (docs/providers.md) as a client sees
// it, plus the control API other suites rely on (seeding, counts, faults, refresh counts).
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CredentialDump, SeedCredential, TinkSimulator } from '../../../local/simulators/tink';
import { startTinkSimulator } from '../../../local/simulators/tink';
import { tinkOwnScopes } from '../../support/tink-scopes';

const client = { clientId: `test-client-${randomUUID()}`, clientSecret: randomUUID() };
/** An app entitled to a few scopes only, as Tink apps are. */
const limitedClient = {
  clientId: `limited-client-${randomUUID()}`,
  clientSecret: randomUUID(),
  scopes: ['authorization:grant', 'user:create', 'credentials:read'],
};
/** Tink Link's delegate scope set, from Tink's Postman collection. */
const tinkLinkDelegateScopes =
  'authorization:read,authorization:grant,credentials:refresh,credentials:read,credentials:write,providers:read,user:read';
const refreshDurationMs = 150;
const deleteSettleMs = 150;
let sim: TinkSimulator;

beforeAll(async () => {
  sim = await startTinkSimulator({
    port: 0,
    clients: [client, limitedClient],
    refreshDurationMs,
    deleteSettleMs,
  });
});

afterAll(async () => {
  await sim.close();
});

async function call(
  method: string,
  path: string,
  options: {
    token?: string;
    form?: Record<string, string>;
    json?: unknown;
    headers?: Record<string, string>;
  } = {},
) {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  let body: string | URLSearchParams | undefined;
  if (options.form) body = new URLSearchParams(options.form);
  if (options.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(options.json);
  }
  const response = await fetch(`${sim.url}${path}`, { method, headers, body });
  const text = await response.text();
  // biome-ignore lint/suspicious/noExplicitAny: test responses are asserted field by field
  const data: any = text === '' ? undefined : JSON.parse(text);
  return { status: response.status, headers: response.headers, data };
}

async function clientToken(scopes: string[]) {
  const response = await call('POST', '/api/v1/oauth/token', {
    form: { ...credentialsForm(), grant_type: 'client_credentials', scope: scopes.join(',') },
  });
  expect(response.status).toBe(200);
  return response.data.access_token as string;
}

const credentialsForm = () => ({ client_id: client.clientId, client_secret: client.clientSecret });

async function grantCode(userId: string, scopes: string[]) {
  const token = await clientToken(['authorization:grant']);
  const response = await call('POST', '/api/v1/oauth/authorization-grant', {
    token,
    form: { user_id: userId, scope: scopes.join(',') },
  });
  expect(response.status).toBe(200);
  return response.data.code as string;
}

async function userToken(userId: string, scopes: string[]) {
  const code = await grantCode(userId, scopes);
  const response = await call('POST', '/api/v1/oauth/token', {
    form: { ...credentialsForm(), grant_type: 'authorization_code', code },
  });
  expect(response.status).toBe(200);
  return response.data.access_token as string;
}

const credentialScopes = ['credentials:read', 'credentials:write', 'credentials:refresh'];

async function seedUser(credentials: SeedCredential[] = [{}]) {
  const result = await sim.control.seed({ users: [{ externalUserId: `ext-${randomUUID()}`, credentials }] });
  const [user] = result.users;
  if (!user) throw new Error('seed returned no user');
  return user;
}

const dumpCredential = (id: string) => sim.control.credential(id);

async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 3000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await sleep(20);
  }
}

describe('Tink simulator', () => {
  describe('Route: POST /api/v1/oauth/token', () => {
    it('issues a client token carrying exactly the scopes asked for', async () => {
      // Act
      const response = await call('POST', '/api/v1/oauth/token', {
        form: {
          ...credentialsForm(),
          grant_type: 'client_credentials',
          scope: 'user:create,authorization:grant',
        },
      });

      // Assess
      expect(response.status).toBe(200);
      expect(response.data).toEqual({
        access_token: expect.any(String),
        token_type: 'bearer',
        expires_in: 1800,
        scope: 'user:create,authorization:grant',
      });
    });

    it('answers 401 invalid_client for a wrong client secret', async () => {
      const response = await call('POST', '/api/v1/oauth/token', {
        form: {
          client_id: client.clientId,
          client_secret: randomUUID(),
          grant_type: 'client_credentials',
          scope: 'user:create',
        },
      });

      expect(response.status).toBe(401);
      expect(response.data).toEqual({ error: 'invalid_client', error_description: expect.any(String) });
    });

    it("issues a token with the app's own scopes when scope is omitted", async () => {
      const asLimited = await call('POST', '/api/v1/oauth/token', {
        form: {
          client_id: limitedClient.clientId,
          client_secret: limitedClient.clientSecret,
          grant_type: 'client_credentials',
        },
      });
      const asDemo = await call('POST', '/api/v1/oauth/token', {
        form: { ...credentialsForm(), grant_type: 'client_credentials' },
      });

      expect(asLimited.status).toBe(200);
      expect(asLimited.data.scope).toBe(limitedClient.scopes.join(','));
      expect(asDemo.status).toBe(200);
      expect(asDemo.data.scope.split(',')).toEqual(
        expect.arrayContaining([...tinkOwnScopes, 'authorization:grant']),
      );
    });

    it('answers 400 invalid_scope for a scope the app is not entitled to', async () => {
      const response = await call('POST', '/api/v1/oauth/token', {
        form: {
          client_id: limitedClient.clientId,
          client_secret: limitedClient.clientSecret,
          grant_type: 'client_credentials',
          scope: 'user:create,user:delete',
        },
      });

      expect(response.status).toBe(400);
      expect(response.data).toEqual({
        error: 'invalid_scope',
        error_description: expect.stringContaining('user:delete'),
      });
    });

    it('answers 400 invalid_scope for an unknown scope', async () => {
      const response = await call('POST', '/api/v1/oauth/token', {
        form: { ...credentialsForm(), grant_type: 'client_credentials', scope: 'user:create user:delete' },
      });

      expect(response.status).toBe(400);
      expect(response.data.error).toBe('invalid_scope');
    });

    it('exchanges an authorization code for a user token with the grant scopes, once', async () => {
      // Prepare
      const { userId } = await seedUser();
      const code = await grantCode(userId, ['credentials:read', 'credentials:refresh']);
      const exchange = () =>
        call('POST', '/api/v1/oauth/token', {
          form: { ...credentialsForm(), grant_type: 'authorization_code', code },
        });

      // Act
      const first = await exchange();
      const second = await exchange();

      // Assess
      expect(first.status).toBe(200);
      expect(first.data).toMatchObject({
        token_type: 'bearer',
        expires_in: 7200,
        scope: 'credentials:read,credentials:refresh',
      });
      expect(second.status).toBe(400);
      expect(second.data).toEqual({
        error: 'invalid_grant',
        error_description: 'Authorization code not valid',
      });
    });

    it('rejects an expired authorization code', async () => {
      const { userId } = await seedUser();
      await sim.control.settings({ codeTtlMs: 0 });
      try {
        const code = await grantCode(userId, ['credentials:read']);
        const response = await call('POST', '/api/v1/oauth/token', {
          form: { ...credentialsForm(), grant_type: 'authorization_code', code },
        });
        expect(response.status).toBe(400);
        expect(response.data.error).toBe('invalid_grant');
      } finally {
        await sim.control.settings({ codeTtlMs: 600_000 });
      }
    });

    it('mints tokens with the lifetimes set through control', async () => {
      await sim.control.settings({ clientTokenExpiresInSeconds: 60 });
      try {
        const response = await call('POST', '/api/v1/oauth/token', {
          form: { ...credentialsForm(), grant_type: 'client_credentials', scope: 'user:create' },
        });
        expect(response.data.expires_in).toBe(60);
      } finally {
        await sim.control.settings({ clientTokenExpiresInSeconds: 1800 });
      }
    });
  });

  describe('Route: POST /api/v1/oauth/authorization-grant', () => {
    it('answers 401 without a bearer token and 403 for a token lacking authorization:grant', async () => {
      const { userId } = await seedUser();
      const form = { user_id: userId, scope: 'credentials:read' };

      const missing = await call('POST', '/api/v1/oauth/authorization-grant', { form });
      const lacking = await call('POST', '/api/v1/oauth/authorization-grant', {
        form,
        token: await clientToken(['user:create']),
      });

      expect(missing.status).toBe(401);
      expect(missing.data).toEqual({ errorMessage: expect.any(String), errorCode: expect.any(String) });
      expect(lacking.status).toBe(403);
    });

    it('answers 400 unless exactly one of user_id and external_user_id is given, 404 for an unknown user', async () => {
      const token = await clientToken(['authorization:grant']);
      const grant = (form: Record<string, string>) =>
        call('POST', '/api/v1/oauth/authorization-grant', { token, form: { scope: 'user:read', ...form } });

      expect((await grant({})).status).toBe(400);
      expect((await grant({ user_id: 'a', external_user_id: 'b' })).status).toBe(400);
      expect((await grant({ user_id: 'f'.repeat(32) })).status).toBe(404);
    });

    it('grants by external_user_id', async () => {
      const externalUserId = `ext-${randomUUID()}`;
      await sim.control.send('POST', '/seed', { users: [{ externalUserId }] });

      const response = await call('POST', '/api/v1/oauth/authorization-grant', {
        token: await clientToken(['authorization:grant']),
        form: { external_user_id: externalUserId, scope: 'credentials:read' },
      });

      expect(response.status).toBe(200);
      expect(response.data).toEqual({ code: expect.any(String) });
    });
  });

  describe('App entitlements (authorization-grant and /delegate)', () => {
    const limitedToken = async () => {
      const response = await call('POST', '/api/v1/oauth/token', {
        form: {
          client_id: limitedClient.clientId,
          client_secret: limitedClient.clientSecret,
          grant_type: 'client_credentials',
          scope: 'authorization:grant',
        },
      });
      return response.data.access_token as string;
    };

    it("grants Tink's own documented scopes to an app entitled to them, and the token carries them", async () => {
      const { userId } = await seedUser();
      const token = await clientToken(['authorization:grant']);

      const granted = await call('POST', '/api/v1/oauth/authorization-grant', {
        token,
        form: { user_id: userId, scope: tinkOwnScopes.join(',') },
      });
      const delegated = await call('POST', '/api/v1/oauth/authorization-grant/delegate', {
        token,
        form: {
          user_id: userId,
          scope: tinkLinkDelegateScopes,
          id_hint: 'Ada',
          actor_client_id: 'tink-link',
        },
      });
      const exchanged = await call('POST', '/api/v1/oauth/token', {
        form: { ...credentialsForm(), grant_type: 'authorization_code', code: granted.data.code },
      });

      expect([granted.status, delegated.status]).toEqual([200, 200]);
      expect(exchanged.data.scope).toBe(tinkOwnScopes.join(','));
    });

    it("answers 401 naming the scope to an app that isn't entitled to it, on both grant routes", async () => {
      const { userId } = await seedUser();
      const token = await limitedToken();

      const granted = await call('POST', '/api/v1/oauth/authorization-grant', {
        token,
        form: { user_id: userId, scope: 'credentials:read,identities:readonly' },
      });
      const delegated = await call('POST', '/api/v1/oauth/authorization-grant/delegate', {
        token,
        form: {
          user_id: userId,
          scope: tinkLinkDelegateScopes,
          id_hint: 'Ada',
          actor_client_id: 'tink-link',
        },
      });
      const allowed = await call('POST', '/api/v1/oauth/authorization-grant', {
        token,
        form: { user_id: userId, scope: 'credentials:read' },
      });

      expect(granted.status).toBe(401);
      expect(granted.data.errorMessage).toBe(
        `Client ${limitedClient.clientId} isn't allowed to use the scope identities:readonly`,
      );
      expect(delegated.status).toBe(401);
      expect(delegated.data.errorMessage).toContain("isn't allowed to use the scope authorization:read");
      expect(allowed.status).toBe(200);
    });

    it("changes an app's entitlements through the control API until the next reset", async () => {
      const { userId } = await seedUser();
      const token = await clientToken(['authorization:grant']);
      const grant = () =>
        call('POST', '/api/v1/oauth/authorization-grant', {
          token,
          form: { user_id: userId, scope: 'payment:read' },
        });

      await sim.control.setEntitlements(client.clientId, ['authorization:grant', 'credentials:read']);
      const narrowed = await grant();
      await sim.control.setEntitlements(client.clientId, null);
      const restored = await grant();

      expect([narrowed.status, restored.status]).toEqual([401, 200]);
    });
  });

  describe('Route: POST /api/v1/oauth/authorization-grant/delegate', () => {
    it('requires id_hint and actor_client_id, and hands the id_hint to the token', async () => {
      const { userId } = await seedUser();
      const token = await clientToken(['authorization:grant']);
      const form = { user_id: userId, scope: 'credentials:read' };

      const missingHint = await call('POST', '/api/v1/oauth/authorization-grant/delegate', {
        token,
        form: { ...form, actor_client_id: client.clientId },
      });
      const missingActor = await call('POST', '/api/v1/oauth/authorization-grant/delegate', {
        token,
        form: { ...form, id_hint: 'Jane' },
      });
      const granted = await call('POST', '/api/v1/oauth/authorization-grant/delegate', {
        token,
        form: { ...form, id_hint: 'Jane', actor_client_id: client.clientId },
      });
      const exchanged = await call('POST', '/api/v1/oauth/token', {
        form: { ...credentialsForm(), grant_type: 'authorization_code', code: granted.data.code },
      });

      expect(missingHint.status).toBe(400);
      expect(missingActor.status).toBe(400);
      expect(granted.status).toBe(200);
      expect(exchanged.data).toMatchObject({ id_hint: 'Jane', scope: 'credentials:read' });
    });
  });

  describe('Route: POST /api/v1/user/create', () => {
    it('creates a user with a 32-hex id', async () => {
      const externalUserId = `ext-${randomUUID()}`;

      const response = await call('POST', '/api/v1/user/create', {
        token: await clientToken(['user:create']),
        json: { market: 'SE', locale: 'sv_SE', external_user_id: externalUserId },
      });

      expect(response.status).toBe(200);
      expect(response.data).toEqual({
        user_id: expect.stringMatching(/^[0-9a-f]{32}$/),
        external_user_id: externalUserId,
      });
      const user = await sim.control.user(response.data.user_id);
      expect(user).toMatchObject({ market: 'SE', locale: 'sv_SE', externalUserId, credentials: [] });
    });

    it('answers 400 for a bad market or locale and 409 for a duplicate external_user_id', async () => {
      const token = await clientToken(['user:create']);
      const externalUserId = `ext-${randomUUID()}`;
      const create = (json: unknown) => call('POST', '/api/v1/user/create', { token, json });

      expect((await create({ market: 'XX' })).status).toBe(400);
      expect((await create({ market: 'se' })).status).toBe(400);
      expect((await create({})).status).toBe(400);
      expect((await create({ market: 'SE', locale: 'english' })).status).toBe(400);
      expect((await create({ market: 'SE', external_user_id: externalUserId })).status).toBe(200);
      const duplicate = await create({ market: 'GB', external_user_id: externalUserId });
      expect(duplicate.status).toBe(409);
      expect(duplicate.data).toEqual({ errorMessage: expect.any(String), errorCode: expect.any(String) });
    });

    it('answers 403 for a token lacking user:create', async () => {
      const response = await call('POST', '/api/v1/user/create', {
        token: await clientToken(['authorization:grant']),
        json: { market: 'SE' },
      });

      expect(response.status).toBe(403);
    });

    it('replays a repeated Idempotency-Key: the same user, created once', async () => {
      // Prepare
      const token = await clientToken(['user:create']);
      const externalUserId = `ext-${randomUUID()}`;
      const headers = { 'Idempotency-Key': randomUUID() };
      const create = () =>
        call('POST', '/api/v1/user/create', {
          token,
          headers,
          json: { market: 'SE', external_user_id: externalUserId },
        });

      // Act
      const first = await create();
      const second = await create();

      // Assess
      expect(first.status).toBe(200);
      expect(second.status).toBe(200);
      expect(second.data).toEqual(first.data);
      const { users } = await sim.control.users();
      expect(users.filter((user) => user.externalUserId === externalUserId)).toHaveLength(1);
    });
  });

  describe('Route: POST /api/v1/user/delete', () => {
    it('refuses a client token, even one carrying user:delete', async () => {
      const response = await call('POST', '/api/v1/user/delete', {
        token: await clientToken(['user:delete']),
      });

      expect(response.status).toBe(403);
      expect(response.data.errorMessage).toMatch(/user access token/);
    });

    it('refuses a user token lacking user:delete', async () => {
      const { userId } = await seedUser();

      const response = await call('POST', '/api/v1/user/delete', {
        token: await userToken(userId, credentialScopes),
      });

      expect(response.status).toBe(403);
      await expect(sim.control.send('GET', `/users/${userId}`)).resolves.toMatchObject({ userId });
    });

    it('deletes the user, its credentials and its tokens with a user:delete user token', async () => {
      // Prepare
      const { userId, credentialIds } = await seedUser([{}, {}]);
      const readToken = await userToken(userId, credentialScopes);
      const deleteToken = await userToken(userId, ['user:delete']);

      // Act
      const response = await call('POST', '/api/v1/user/delete', { token: deleteToken });

      // Assess
      expect(response.status).toBe(204);
      expect(response.data).toBeUndefined();
      await expect(sim.control.send('GET', `/users/${userId}`)).rejects.toThrow(/404/);
      await expect(sim.control.send('GET', `/credentials/${credentialIds[0]}`)).rejects.toThrow(/404/);
      expect((await call('GET', '/api/v1/credentials/list', { token: readToken })).status).toBe(401);
    });
  });

  describe('Route: GET /api/v1/credentials/list', () => {
    it("lists only the token's user's credentials, in the contract's shape", async () => {
      // Prepare
      const mine = await seedUser([{ status: 'UPDATED' }, { status: 'TEMPORARY_ERROR' }]);
      await seedUser([{}]);
      const token = await userToken(mine.userId, credentialScopes);

      // Act
      const response = await call('GET', '/api/v1/credentials/list', { token });

      // Assess
      expect(response.status).toBe(200);
      expect(response.data.credentials.map((credential: { id: string }) => credential.id)).toEqual(
        mine.credentialIds,
      );
      expect(response.data.credentials[1]).toEqual({
        id: expect.stringMatching(/^[0-9a-f]{32}$/),
        providerName: expect.any(String),
        type: 'PASSWORD',
        status: 'TEMPORARY_ERROR',
        statusPayload: expect.any(String),
        statusUpdated: expect.any(Number),
        updated: expect.any(Number),
        fields: expect.any(Object),
        supplementalInformation: null,
        sessionExpiryDate: expect.any(Number),
        userId: mine.userId,
      });
    });

    it('answers 403 for a token lacking credentials:read and 401 for an unknown or expired one', async () => {
      const { userId } = await seedUser();
      const lacking = await userToken(userId, ['credentials:refresh']);
      const valid = await userToken(userId, ['credentials:read']);

      expect((await call('GET', '/api/v1/credentials/list', { token: lacking })).status).toBe(403);
      expect((await call('GET', '/api/v1/credentials/list', { token: 'not-a-token' })).status).toBe(401);
      expect((await call('GET', '/api/v1/credentials/list', { token: valid })).status).toBe(200);
      await sim.control.expireTokens('user');
      const expired = await call('GET', '/api/v1/credentials/list', { token: valid });
      expect(expired.status).toBe(401);
      expect(expired.headers.get('www-authenticate')).toMatch(/^Bearer/);
    });
  });

  describe('Route: GET /api/v1/credentials/:id', () => {
    it("returns the user's credential and 404 for another user's", async () => {
      const mine = await seedUser();
      const theirs = await seedUser();
      const token = await userToken(mine.userId, credentialScopes);

      const own = await call('GET', `/api/v1/credentials/${mine.credentialIds[0]}`, { token });
      const other = await call('GET', `/api/v1/credentials/${theirs.credentialIds[0]}`, { token });

      expect(own.status).toBe(200);
      expect(own.data).toMatchObject({ id: mine.credentialIds[0], userId: mine.userId });
      expect(other.status).toBe(404);
      expect(other.data).toEqual({ errorMessage: expect.any(String), errorCode: 'credentials.not_found' });
    });
  });

  describe('Route: DELETE /api/v1/credentials/:id', () => {
    it('deletes asynchronously: listed as DELETED, then gone; a second delete answers 404', async () => {
      // Prepare
      const { userId, credentialIds } = await seedUser([{}, {}]);
      const [doomed, kept] = credentialIds;
      const token = await userToken(userId, credentialScopes);
      const list = async () =>
        (await call('GET', '/api/v1/credentials/list', { token })).data.credentials as Array<{
          id: string;
          status: string;
        }>;

      // Act
      const deleted = await call('DELETE', `/api/v1/credentials/${doomed}`, { token });
      const again = await call('DELETE', `/api/v1/credentials/${doomed}`, { token });
      const rightAfter = await list();
      await sleep(deleteSettleMs + 50);
      const settled = await list();

      // Assess
      expect(deleted.status).toBe(204);
      expect(again.status).toBe(404);
      expect(rightAfter.find((credential) => credential.id === doomed)?.status).toBe('DELETED');
      expect(settled.map((credential) => credential.id)).toEqual([kept]);
      expect((await call('GET', `/api/v1/credentials/${doomed}`, { token })).status).toBe(404);
    });
  });

  describe('Route: POST /api/v1/credentials/:id/refresh', () => {
    it('walks UPDATING to UPDATED and counts one refresh', async () => {
      // Prepare
      const { userId, credentialIds } = await seedUser([{ status: 'UPDATED', updated: 1_000 }]);
      const id = credentialIds[0] as string;
      const token = await userToken(userId, credentialScopes);
      const before = Date.now();

      // Act
      const response = await call('POST', `/api/v1/credentials/${id}/refresh?items=CHECKING_ACCOUNTS`, {
        token,
      });
      const during = await call('GET', `/api/v1/credentials/${id}`, { token });
      const after = await waitFor(
        async () => (await call('GET', `/api/v1/credentials/${id}`, { token })).data,
        (credential) => credential.status !== 'UPDATING',
      );

      // Assess
      expect(response.status).toBe(204);
      expect(during.data.status).toBe('UPDATING');
      expect(after.status).toBe('UPDATED');
      expect(after.statusUpdated).toBeGreaterThanOrEqual(before + refreshDurationMs);
      expect(after.updated).toBe(after.statusUpdated);
      const refreshes = await sim.control.refreshes();
      expect(refreshes[id]).toBe(1);
      expect((await dumpCredential(id)).simulator.lastRefresh).toMatchObject({
        items: ['CHECKING_ACCOUNTS'],
        authenticate: false,
      });
    });

    it('rejects a refresh while one runs with 409', async () => {
      const { userId, credentialIds } = await seedUser();
      const token = await userToken(userId, credentialScopes);
      const path = `/api/v1/credentials/${credentialIds[0]}/refresh`;

      const first = await call('POST', path, { token });
      const second = await call('POST', path, { token });

      expect(first.status).toBe(204);
      expect(second.status).toBe(409);
      expect(second.data.errorCode).toBe('credentials.refresh_in_progress');
    });

    it("ends in the credential's seeded outcome", async () => {
      const { userId, credentialIds } = await seedUser([
        { refreshOutcome: 'TEMPORARY_ERROR', updated: 1_000 },
      ]);
      const id = credentialIds[0] as string;
      const token = await userToken(userId, credentialScopes);

      await call('POST', `/api/v1/credentials/${id}/refresh`, { token });
      const after = await waitFor(
        () => dumpCredential(id),
        (credential) => credential.status !== 'UPDATING',
      );

      expect(after.status).toBe('TEMPORARY_ERROR');
      expect(after.updated).toBe(1_000);
    });

    it('answers 400 for a credential that needs the user, unless authenticate=true', async () => {
      const { userId, credentialIds } = await seedUser([{ status: 'AUTHENTICATION_ERROR' }]);
      const id = credentialIds[0] as string;
      const token = await userToken(userId, credentialScopes);

      const plain = await call('POST', `/api/v1/credentials/${id}/refresh`, { token });
      const authenticated = await call('POST', `/api/v1/credentials/${id}/refresh?authenticate=true`, {
        token,
        json: { userAvailability: { userAvailableForInteraction: true, userPresent: true } },
      });
      const during = await dumpCredential(id);

      expect(plain.status).toBe(400);
      expect(plain.data.errorCode).toBe('credentials.authentication_required');
      expect(authenticated.status).toBe(204);
      expect(during.status).toBe('AUTHENTICATING');
    });

    it('replays a repeated Idempotency-Key without starting a second refresh', async () => {
      const { userId, credentialIds } = await seedUser();
      const id = credentialIds[0] as string;
      const token = await userToken(userId, credentialScopes);
      const headers = { 'Idempotency-Key': randomUUID() };

      const first = await call('POST', `/api/v1/credentials/${id}/refresh`, { token, headers });
      const second = await call('POST', `/api/v1/credentials/${id}/refresh`, { token, headers });

      expect(first.status).toBe(204);
      expect(second.status).toBe(204);
      expect((await dumpCredential(id)).simulator.refreshes).toBe(1);
    });

    it('answers 429 with Retry-After inside the configured minimum refresh interval', async () => {
      const { userId, credentialIds } = await seedUser([{ refreshDurationMs: 0 }]);
      const token = await userToken(userId, credentialScopes);
      const path = `/api/v1/credentials/${credentialIds[0]}/refresh`;
      await sim.control.settings({ refreshMinIntervalMs: 5_000 });
      try {
        const first = await call('POST', path, { token });
        const second = await call('POST', path, { token });

        expect(first.status).toBe(204);
        expect(second.status).toBe(429);
        expect(second.headers.get('retry-after')).toBe('5');
      } finally {
        await sim.control.settings({ refreshMinIntervalMs: 0 });
      }
    });
  });

  describe('Route: cross-cutting headers', () => {
    it('sends X-Request-ID on every response and echoes X-Client-Trace-ID', async () => {
      const traceId = randomUUID();

      const ok = await call('POST', '/api/v1/oauth/token', {
        form: { ...credentialsForm(), grant_type: 'client_credentials', scope: 'user:create' },
        headers: { 'X-Client-Trace-ID': traceId },
      });
      const failed = await call('GET', '/api/v1/credentials/list', {
        headers: { 'X-Client-Trace-ID': traceId },
      });

      for (const response of [ok, failed]) {
        expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
        expect(response.headers.get('x-client-trace-id')).toBe(traceId);
      }
      expect(ok.headers.get('x-request-id')).not.toBe(failed.headers.get('x-request-id'));
    });
  });

  describe('Route: /__control', () => {
    it('seeds 1000 users with credentials in one call, quickly', async () => {
      const users = Array.from({ length: 1000 }, (_, index) => ({
        externalUserId: `bulk-${randomUUID()}-${index}`,
        credentials: [{ status: 'UPDATED' }, { status: 'TEMPORARY_ERROR' }],
      }));

      const started = performance.now();
      const result = (await sim.control.send('POST', '/seed', { users })) as {
        users: Array<{ userId: string; credentialIds: string[] }>;
      };
      const elapsedMs = performance.now() - started;

      expect(result.users).toHaveLength(1000);
      expect(new Set(result.users.map((user) => user.userId)).size).toBe(1000);
      expect(result.users[999]?.credentialIds).toHaveLength(2);
      expect(elapsedMs).toBeLessThan(2000);
    });

    it('counts calls per route and injects a fault once', async () => {
      // Prepare
      await sim.control.resetCalls();
      const { userId } = await seedUser();
      const token = await userToken(userId, credentialScopes);
      await sim.control.injectFault('GET /api/v1/credentials/list', { kind: 'status', status: 503 }, 1);

      // Act
      const faulted = await call('GET', '/api/v1/credentials/list', { token });
      const recovered = await call('GET', '/api/v1/credentials/list', { token });
      const { calls } = await sim.control.calls();

      // Assess
      expect(faulted.status).toBe(503);
      expect(faulted.data).toEqual({ errorMessage: 'Injected 503', errorCode: expect.any(String) });
      expect(recovered.status).toBe(200);
      expect(calls).toEqual({
        'POST /api/v1/oauth/token': 2,
        'POST /api/v1/oauth/authorization-grant': 1,
        'GET /api/v1/credentials/list': 2,
      });
    });

    it('sets a credential directly and reports it', async () => {
      const { credentialIds } = await seedUser();
      const id = credentialIds[0] as string;

      const patched = (await sim.control.send('POST', `/credentials/${id}`, {
        status: 'SESSION_EXPIRED',
        updated: 42,
        refreshOutcome: 'PERMANENT_ERROR',
      })) as CredentialDump;

      expect(patched).toMatchObject({ id, status: 'SESSION_EXPIRED', updated: 42 });
      expect(patched.simulator.refreshOutcome).toBe('PERMANENT_ERROR');
    });

    it('walks a credential set in progress to its outcome after settleAfterMs', async () => {
      const { credentialIds } = await seedUser();
      const id = credentialIds[0] as string;

      const set = await sim.control.setCredential(id, {
        status: 'UPDATING',
        refreshOutcome: 'AUTHENTICATION_ERROR',
        settleAfterMs: 50,
      });
      const after = await waitFor(
        () => sim.control.credential(id),
        (credential) => credential.status !== 'UPDATING',
      );

      expect(set.simulator.refreshing).toBe(true);
      expect(after.status).toBe('AUTHENTICATION_ERROR');
      expect((await sim.control.refreshes())[id]).toBeUndefined();
    });

    it('reports tokens issued per grant type', async () => {
      const before = await sim.control.tokens();
      const { userId } = await seedUser();

      await userToken(userId, ['credentials:read']);
      const after = await sim.control.tokens();

      expect(after.issued.client_credentials - before.issued.client_credentials).toBe(1);
      expect(after.issued.authorization_code - before.issued.authorization_code).toBe(1);
    });

    it('adds credentials to a user created through the API', async () => {
      const created = await call('POST', '/api/v1/user/create', {
        token: await clientToken(['user:create']),
        json: { market: 'GB' },
      });
      const userId = created.data.user_id as string;

      const credentialIds = await sim.control.addCredentials(userId, [{ status: 'UPDATED' }]);
      const token = await userToken(userId, credentialScopes);
      const listed = await call('GET', '/api/v1/credentials/list', { token });

      expect(listed.data.credentials.map((credential: { id: string }) => credential.id)).toEqual(
        credentialIds,
      );
    });

    it('resets users but keeps client tokens valid', async () => {
      const { userId } = await seedUser();
      const token = await clientToken(['authorization:grant']);

      await sim.control.reset();

      const { count } = await sim.control.users();
      expect(count).toBe(0);
      const grant = await call('POST', '/api/v1/oauth/authorization-grant', {
        token,
        form: { user_id: userId, scope: 'credentials:read' },
      });
      expect(grant.status).toBe(404);
    });
  });
});
