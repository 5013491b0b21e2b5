// The registration script and the simulators' side of webhooks, over loopback: `npm run
// webhooks:tink` registers an endpoint at the Tink simulator (the secret lands in a 0600 file, never
// on the console); the simulator then POSTs a refresh:finished signed with that secret when a
// background refresh finishes, and drops it while told to. The Moneyhub simulator POSTs a SET that
// verifies against its published JWKS when a sync finishes.

import { spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { control as moneyhubControl, seedUser as seedMoneyhubUser } from '../moneyhub/helpers';
import { seedUser as seedTinkUser, control as tinkControl } from '../tink/helpers';

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}

const received: Received[] = [];
let server: http.Server;
let receiverUrl: string;
const workDir = mkdtempSync(path.join(tmpdir(), 'obu-webhooks-'));
const root = path.resolve(__dirname, '../../..');

beforeAll(async () => {
  server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(workDir, { recursive: true, force: true });
});

/** Waits (bounded) until `count` deliveries arrived. */
async function deliveries(count: number, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (received.length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  return received;
}

describe('Tink webhook registration and delivery', () => {
  it('registers through the script, then delivers a correctly signed refresh:finished; drops while told to', async () => {
    // Prepare + Act: the script registers the endpoint at the simulator
    const secretFile = path.join(workDir, 'secret');
    const run = spawnSync(
      path.join(root, 'node_modules', '.bin', 'tsx'),
      ['scripts/webhooks-tink.ts', '--url', `${receiverUrl}/webhooks/tink`, '--secret-file', secretFile],
      { cwd: root, encoding: 'utf8', env: process.env, timeout: 60_000 },
    );
    expect(run.status, run.stderr).toBe(0);
    const secret = readFileSync(secretFile, 'utf8');
    expect(secret).toMatch(/^[0-9a-f]{48}$/);
    expect(statSync(secretFile).mode & 0o777).toBe(0o600);
    expect(run.stdout + run.stderr).not.toContain(secret);
    expect(run.stdout).toContain('/tink/webhook-secret');
    const { endpoints } = await tinkControl.webhooks();
    const endpoint = endpoints.find((candidate) => candidate.url === `${receiverUrl}/webhooks/tink`);
    expect(endpoint?.enabledEvents).toEqual([
      'refresh:finished',
      'account:updated',
      'account-transactions:modified',
    ]);

    // Act: a background refresh of a seeded credential, finishing after 300 ms
    received.length = 0;
    const { userId, credentialIds } = await seedTinkUser([{ status: 'UPDATED', refreshDurationMs: 300 }]);
    await tinkControl.backgroundRefresh(credentialIds[0] as string);
    const [delivery] = await deliveries(1);

    // Assess: Tink's scheme, checked here from the secret the script stored
    const signature = String(delivery?.headers['x-tink-signature']);
    const [, timestamp, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(signature) ?? [];
    expect(v1).toBe(createHmac('sha256', secret).update(`${timestamp}.${delivery?.body}`).digest('hex'));
    expect(JSON.parse(delivery?.body ?? '')).toMatchObject({
      event: 'refresh:finished',
      context: { userId },
      content: {
        credentialsId: credentialIds[0],
        status: 'STATUS_UPDATED',
        source: 'OPERATION_SOURCE_BACKGROUND',
      },
    });

    // A dropped delivery is counted and never sent
    received.length = 0;
    await tinkControl.dropWebhooks(true);
    await tinkControl.backgroundRefresh(credentialIds[0] as string);
    await sleep(600);
    expect(received).toHaveLength(0);
    expect((await tinkControl.webhooks()).dropped).toBeGreaterThanOrEqual(1);
    await tinkControl.dropWebhooks(false);
  });

  it('refuses a registration without the webhook-endpoints scope', async () => {
    const response = await fetch(`${process.env.TINK_SIMULATOR_URL}/events/v2/webhook-endpoints`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ url: `${receiverUrl}/x`, enabledEvents: ['refresh:finished'] }),
    });
    expect(response.status).toBe(401);
  });
});

describe('Moneyhub webhook delivery', () => {
  it('POSTs a SET syncCompleted, signed with the key its JWKS publishes, when a sync finishes', async () => {
    const clientId = process.env.MONEYHUB_CLIENT_ID as string;
    await moneyhubControl.configureWebhooks({ url: `${receiverUrl}/webhooks/moneyhub`, clientId });
    received.length = 0;
    const seeded = await seedMoneyhubUser({ connections: [{}] });
    const connectionId = seeded.connectionIds[0] as string;

    // A sync triggered through the data API as our client would (token with the sync scope)
    const { moneyhubClient } = await import('../../../lib/providers/moneyhub');
    const { callContextFrom } = await import('../../../lib/call-context');
    await moneyhubClient().triggerSync(callContextFrom(undefined), seeded.userId, connectionId);
    const [delivery] = await deliveries(1);

    expect(delivery?.headers['content-type']).toBe('application/jwt');
    const issuer = `${process.env.MONEYHUB_SIMULATOR_URL}/oidc`;
    const { payload } = await jwtVerify(
      delivery?.body ?? '',
      createRemoteJWKSet(new URL(`${issuer}/certs`)),
      {
        issuer,
        audience: clientId,
        algorithms: ['RS256'],
      },
    );
    expect(payload).toMatchObject({
      sub: seeded.userId,
      events: { 'urn:com:moneyhub:events:syncCompleted': { connectionId, processingStatus: 'success' } },
    });
    await moneyhubControl.configureWebhooks({ url: null });
  });
});
