// Webhook-driven freshness end to end: serverless-offline runs the bundled webhook functions, and
// the local stack pointed both simulators' webhooks at it (local/webhooks.ts), as `npm start` does.
// A refresh or sync that finishes at the provider is announced, the user's cache is invalidated,
// and the next read is a miss showing the new state long before the TTL would have let it through.
// A dropped webhook is still caught up by the TTL (that test waits about 30 s).
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { MoneyhubSimulatorControl } from '../../local/simulators/moneyhub';
import { TinkSimulatorControl } from '../../local/simulators/tink';
import { apiJson } from '../support/api';

const tink = new TinkSimulatorControl(process.env.TINK_SIMULATOR_URL as string);
const moneyhub = new MoneyhubSimulatorControl(process.env.MONEYHUB_SIMULATOR_URL as string);

/** Polls (bounded) until `done` holds; returns the last value. */
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await sleep(50);
    value = await read();
  }
  return value;
}

interface Credential {
  id: string;
  status: string;
}

const statusOf = (body: { credentials: Credential[] }, id: string) =>
  body.credentials.find((credential) => credential.id === id)?.status;

async function seedTinkUser(refreshDurationMs: number) {
  const seeded = await tink.seed({
    users: [
      {
        market: 'SE',
        credentials: [{ status: 'TEMPORARY_ERROR', refreshDurationMs, refreshOutcome: 'UPDATED' }],
      },
    ],
  });
  const user = seeded.users[0];
  if (!user) throw new Error('The simulator seeded no user');
  return { userId: user.userId, credentialId: user.credentialIds[0] as string };
}

describe('Webhooks through serverless-offline', () => {
  it('Tink background refresh: the webhook invalidates, the next read is a miss showing UPDATED (TTL 30 s not waited for)', async () => {
    // Prepare: TEMPORARY_ERROR cached for 30 s
    const { userId, credentialId } = await seedTinkUser(300);
    const path = `/tink/users/${userId}/credentials`;
    const first = await apiJson('GET', path);
    expect(first.headers.get('cache-status')).toBe('open-banking-users; fwd=miss; stored; ttl=30');
    expect(statusOf(first.body, credentialId)).toBe('TEMPORARY_ERROR');
    const deliveredBefore = (await tink.webhooks()).delivered;

    // Act: Tink refreshes on its own; its refresh:finished reaches POST /webhooks/tink
    await tink.backgroundRefresh(credentialId);
    const stats = await until(
      () => tink.webhooks(),
      (value) => value.delivered > deliveredBefore,
    );

    // Assess: delivered with 204, and the next read goes to Tink
    expect(stats.delivered).toBe(deliveredBefore + 1);
    expect(Object.values(stats.lastStatus)).toContain(204);
    const next = await apiJson('GET', path);
    expect(next.headers.get('cache-status')).toBe('open-banking-users; fwd=miss; stored; ttl=30');
    expect(statusOf(next.body, credentialId)).toBe('UPDATED');
  });

  it('Tink on-demand refresh: announced when it finishes, and the next read shows UPDATED', async () => {
    // A refresh long enough for the read during it to see UPDATING, even on a loaded machine
    const { userId, credentialId } = await seedTinkUser(4000);
    const path = `/tink/users/${userId}/credentials`;
    const deliveredBefore = (await tink.webhooks()).delivered;
    expect((await apiJson('POST', `${path}/${credentialId}/refresh`)).status).toBe(202);
    const during = await apiJson('GET', path);
    expect(statusOf(during.body, credentialId)).toBe('UPDATING');

    const stats = await until(
      () => tink.webhooks(),
      (value) => value.delivered > deliveredBefore,
    );
    expect(stats.delivered).toBe(deliveredBefore + 1);
    const next = await apiJson('GET', path);
    expect(next.headers.get('cache-status')).toMatch(/fwd=miss; stored/);
    expect(statusOf(next.body, credentialId)).toBe('UPDATED');
  });

  it('a dropped Tink webhook: reads keep the cached state until the 30 s TTL runs out, then converge', async () => {
    const { userId, credentialId } = await seedTinkUser(300);
    const path = `/tink/users/${userId}/credentials`;
    await tink.dropWebhooks(true);
    try {
      const first = await apiJson('GET', path);
      expect(first.headers.get('cache-status')).toBe('open-banking-users; fwd=miss; stored; ttl=30');
      const droppedBefore = (await tink.webhooks()).dropped;
      await tink.backgroundRefresh(credentialId);
      await until(
        () => tink.webhooks(),
        (value) => value.dropped > droppedBefore,
      );

      // Finished at Tink, announced to nobody: still the cached TEMPORARY_ERROR
      const stale = await apiJson('GET', path);
      expect(stale.headers.get('cache-status')).toMatch(/; hit;/);
      expect(statusOf(stale.body, credentialId)).toBe('TEMPORARY_ERROR');

      // …until the TTL (30 s, less up to 10 % jitter) runs out
      const converged = await until(
        () => apiJson('GET', path),
        (value) => statusOf(value.body, credentialId) === 'UPDATED',
        40_000,
      );
      expect(converged.headers.get('cache-status')).toMatch(/fwd=miss; stored/);
      expect(statusOf(converged.body, credentialId)).toBe('UPDATED');
    } finally {
      await tink.dropWebhooks(false);
    }
  });

  it('Moneyhub sync: the signed syncCompleted invalidates, the next read shows the synced connection (TTL 60 s not waited for)', async () => {
    // Prepare: a connection in error, cached for 60 s
    const [seeded] = await moneyhub.seed({
      users: [{ connections: [{ status: 'error', lastUpdated: '2026-01-01T00:00:00.000Z' }] }],
    });
    if (!seeded) throw new Error('The simulator seeded no user');
    const connectionId = seeded.connectionIds[0] as string;
    const path = `/moneyhub/users/${seeded.userId}/connections`;
    const first = await apiJson('GET', path);
    expect(first.headers.get('cache-status')).toBe('open-banking-users; fwd=miss; stored; ttl=60');
    expect(first.body.data[0]).toMatchObject({ id: connectionId, status: 'error' });
    const deliveredBefore = (await moneyhub.webhooks()).delivered;

    // Act: Moneyhub syncs the connection; its SET reaches POST /webhooks/moneyhub
    await moneyhub.startSync(connectionId);
    const stats = await until(
      () => moneyhub.webhooks(),
      (value) => value.delivered > deliveredBefore,
    );

    // Assess
    expect(stats).toMatchObject({ delivered: deliveredBefore + 1, lastStatus: 204 });
    const next = await apiJson('GET', path);
    expect(next.headers.get('cache-status')).toBe('open-banking-users; fwd=miss; stored; ttl=60');
    expect(next.body.data[0]).toMatchObject({ id: connectionId, status: 'ok' });
    expect(next.body.data[0].lastUpdated).not.toBe('2026-01-01T00:00:00.000Z');
  });

  it('refuses an unsigned webhook on either route with 401', async () => {
    for (const route of ['/webhooks/tink', '/webhooks/moneyhub']) {
      const response = await fetch(`${process.env.E2E_BASE_URL}${route}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ event: 'refresh:finished', context: { userId: 'x' } }),
      });
      expect(response.status).toBe(401);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      await response.arrayBuffer();
    }
  });
});
