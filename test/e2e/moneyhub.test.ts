// The Moneyhub routes end to end: plain HTTP to serverless-offline running the bundled handlers,
// against the Moneyhub simulator (private_key_jwt verified with the stack's generated key) and
// dynalite of the local stack, seeded with the demo users.
import { describe, expect, it } from 'vitest';
import { demoConnectionIds, demoUserIds, MoneyhubSimulatorControl } from '../../local/simulators/moneyhub';
import { apiJson } from '../support/api';

const moneyhub = new MoneyhubSimulatorControl(process.env.MONEYHUB_SIMULATOR_URL as string);

interface Connection {
  id: string;
  status: string;
}

describe('Moneyhub routes through serverless-offline', () => {
  it('reads a demo user, its connections (one by its URL-encoded id) and a page of its syncs', async () => {
    // Prepare
    const userId = demoUserIds.alice;
    const connectionId = demoConnectionIds.aliceOk;

    // Act
    const user = await apiJson('GET', `/moneyhub/users/${userId}`);
    const list = await apiJson('GET', `/moneyhub/users/${userId}/connections`);
    const hit = await apiJson('GET', `/moneyhub/users/${userId}/connections`);
    const encoded = await apiJson(
      'GET',
      `/moneyhub/users/${userId}/connections/${encodeURIComponent(connectionId)}`,
    );
    const raw = await apiJson('GET', `/moneyhub/users/${userId}/connections/${connectionId}`);
    const syncs = await apiJson('GET', `/moneyhub/users/${userId}/syncs?limit=5&offset=10`);

    // Assess
    expect(user.status).toBe(200);
    expect(user.body).toMatchObject({ userId, clientUserId: 'demo-alice', connectionIds: expect.any(Array) });
    expect(user.headers.get('cache-status')).toBe('open-banking-users; fwd=miss; stored; ttl=300');
    expect(list.status).toBe(200);
    expect(list.body.data.map((connection: Connection) => connection.id)).toEqual([
      demoConnectionIds.aliceOk,
      demoConnectionIds.aliceError,
      demoConnectionIds.aliceNever,
    ]);
    expect(hit.headers.get('cache-status')).toMatch(/^open-banking-users; hit; ttl=\d+$/);
    expect(encoded.status).toBe(200);
    expect(encoded.body).toMatchObject({ id: connectionId, name: 'Modelo Sandbox', status: 'ok' });
    expect(encoded.headers.get('cache-status')).toMatch(/; hit;/);
    expect(raw.status).toBe(200);
    expect(raw.body).toEqual(encoded.body);
    expect(syncs.status).toBe(200);
    expect(syncs.body.meta).toEqual({ limit: 5, offset: 10, total: 12 });
    expect(syncs.body.data).toHaveLength(2);
  });

  it('registers a user, deletes one of its connections, then deletes the user', async () => {
    // Prepare: a registered user, given two connections at the simulator (a real one needs the bank)
    const registered = await apiJson('POST', '/moneyhub/users', { clientUserId: 'e2e-user' });
    expect(registered.status).toBe(201);
    expect(registered.body).toMatchObject({
      userId: expect.stringMatching(/^[0-9a-f]{24}$/),
      clientUserId: 'e2e-user',
    });
    const userId: string = registered.body.userId;
    const [seeded] = await moneyhub.seed({
      users: [{ userId, clientUserId: 'e2e-user', connections: [{}, {}] }],
    });
    if (!seeded) throw new Error('The simulator seeded no user');
    const [gone, kept] = seeded.connectionIds as [string, string];
    const connections = `/moneyhub/users/${userId}/connections`;
    const before = await apiJson('GET', connections);
    expect(before.body.data).toHaveLength(2);

    // Act
    const deleted = await apiJson('DELETE', `${connections}/${encodeURIComponent(gone)}`);
    const after = await apiJson('GET', connections);
    const goneNow = await apiJson('GET', `${connections}/${encodeURIComponent(gone)}`);
    const deletedUser = await apiJson('DELETE', `/moneyhub/users/${userId}`);
    const afterUser = await apiJson('GET', `/moneyhub/users/${userId}`);

    // Assess
    expect(deleted.status).toBe(204);
    expect(after.status).toBe(200);
    expect(after.headers.get('cache-status')).toMatch(/fwd=miss/);
    expect(after.body.data.map((connection: Connection) => connection.id)).toEqual([kept]);
    expect(goneNow.status).toBe(404);
    expect(goneNow.headers.get('content-type')).toBe('application/problem+json');
    expect(deletedUser.status).toBe(204);
    expect(afterUser.status).toBe(404);
    expect(afterUser.body).toMatchObject({ status: 404, provider: 'moneyhub' });
  });

  it('refuses an invalid connection id with 400 problem+json', async () => {
    const response = await apiJson('GET', `/moneyhub/users/${demoUserIds.bob}/connections/..%2F..%2Fsecrets`);

    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(response.body.issues[0]).toMatchObject({ location: 'path', field: 'connectionId' });
  });
});
