// The Tink routes end to end: plain HTTP to serverless-offline running the bundled handlers, against
// the Tink simulator and dynalite of the local stack (seeded with the demo users).
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { demoCredentialIds, demoUserIds, TinkSimulatorControl } from '../../local/simulators/tink';
import { apiJson } from '../support/api';

const tink = new TinkSimulatorControl(process.env.TINK_SIMULATOR_URL as string);

interface Credential {
  id: string;
  status: string;
}

describe('Tink routes through serverless-offline', () => {
  it('creates a user, lists, gets, refreshes and deletes credentials, and deletes the user', async () => {
    // Prepare: a new user, given two credentials at the simulator (a bank connection needs Tink Link)
    const externalUserId = `e2e-${randomUUID()}`;
    const created = await apiJson('POST', '/tink/users', { market: 'SE', locale: 'sv_SE', externalUserId });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ userId: expect.stringMatching(/^[0-9a-f]{32}$/), externalUserId });
    const userId: string = created.body.userId;
    const [refreshed, deleted] = (await tink.addCredentials(userId, [
      { status: 'UPDATED', refreshDurationMs: 60_000 },
      { status: 'UPDATED' },
    ])) as [string, string];
    const credentials = `/tink/users/${userId}/credentials`;

    // Act + Assess: list (miss, then hit) and get
    const miss = await apiJson('GET', credentials);
    expect(miss.status).toBe(200);
    expect(miss.headers.get('cache-status')).toBe('open-banking-users; fwd=miss; stored; ttl=30');
    expect(miss.body.credentials.map((credential: Credential) => credential.id).sort()).toEqual(
      [refreshed, deleted].sort(),
    );
    const hit = await apiJson('GET', credentials);
    expect(hit.headers.get('cache-status')).toMatch(/^open-banking-users; hit; ttl=\d+$/);
    expect(hit.headers.get('age')).toMatch(/^\d+$/);
    expect(hit.body).toEqual(miss.body);
    const one = await apiJson('GET', `${credentials}/${refreshed}`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ id: refreshed, status: 'UPDATED', userId });

    // refresh: 202, and the next read sees it under way, fresh for 2 s only
    const refresh = await apiJson('POST', `${credentials}/${refreshed}/refresh`, {
      items: ['CHECKING_ACCOUNTS'],
    });
    expect(refresh.status).toBe(202);
    const afterRefresh = await apiJson('GET', credentials);
    expect(afterRefresh.headers.get('cache-status')).toBe('open-banking-users; fwd=miss; stored; ttl=2');
    expect(afterRefresh.body.credentials.find((c: Credential) => c.id === refreshed)?.status).toBe(
      'UPDATING',
    );

    // delete a credential: 204, and the next read goes to Tink
    const removed = await apiJson('DELETE', `${credentials}/${deleted}`);
    expect(removed.status).toBe(204);
    const afterDelete = await apiJson('GET', credentials);
    expect(afterDelete.headers.get('cache-status')).toMatch(/fwd=miss/);
    const gone = afterDelete.body.credentials.find((c: Credential) => c.id === deleted);
    expect(gone?.status ?? 'DELETED').toBe('DELETED');

    // delete the user: 204, gone at Tink, and its credentials are a 404 now
    const userDeleted = await apiJson('DELETE', `/tink/users/${userId}`);
    expect(userDeleted.status).toBe(204);
    await expect(tink.user(userId)).rejects.toThrow(/404/);
    const afterUserDelete = await apiJson('GET', credentials);
    expect(afterUserDelete.status).toBe(404);
    expect(afterUserDelete.headers.get('content-type')).toBe('application/problem+json');
  });

  it("serves a demo user's credentials", async () => {
    const response = await apiJson('GET', `/tink/users/${demoUserIds.alice}/credentials`, undefined, {
      'Cache-Control': 'no-cache',
    });

    expect(response.status).toBe(200);
    expect(response.headers.get('cache-status')).toMatch(/fwd=request/);
    expect(response.body.credentials.map((credential: Credential) => credential.id)).toContain(
      demoCredentialIds.aliceBank,
    );
  });

  it('grants an authorization code and exchanges it for a token that is never stored', async () => {
    const granted = await apiJson('POST', `/tink/users/${demoUserIds.bob}/authorization-grants`, {
      scope: ['credentials:read', 'accounts:read'],
    });
    expect(granted.status).toBe(201);

    const token = await apiJson('POST', '/tink/oauth/token', { code: granted.body.code });

    expect(token.status).toBe(200);
    expect(token.headers.get('cache-control')).toBe('no-store');
    expect(token.body).toEqual({
      accessToken: expect.any(String),
      tokenType: 'bearer',
      expiresIn: expect.any(Number),
      scope: 'accounts:read,credentials:read',
    });
  });

  it('refuses invalid ids and bodies with 400 problem+json', async () => {
    const responses = [
      await apiJson('GET', `/tink/users/${'a'.repeat(129)}/credentials`),
      await apiJson('GET', '/tink/users/%C3%BCser/credentials'),
      await apiJson('GET', `/tink/users/${demoUserIds.alice}/credentials/abc%2Fdef`),
      await apiJson('POST', '/tink/users', { market: 'Sweden' }),
      await apiJson('POST', `/tink/users/${demoUserIds.alice}/authorization-grants`, {
        scope: ['accounts:read,everything'],
      }),
    ];

    for (const response of responses) {
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      expect(response.body).toMatchObject({ status: 400, requestId: expect.any(String) });
    }
  });
});
