// The sandbox a newcomer uses (`npm run sandbox -- …`) against the running stack: the simulators
// list their control routes; a user made through the API gets a credential in a chosen status (or a
// connection), the API serves it; a refresh made to fail ends in that status; a provider outage turns
// reads into problems until it is cleared.

import { execFile } from 'node:child_process';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { runSandbox } from '../../local/sandbox';
import { TinkSimulatorControl } from '../../local/simulators/tink';
import { apiJson } from '../support/api';

const root = path.resolve(__dirname, '../..');
const tink = new TinkSimulatorControl(process.env.TINK_SIMULATOR_URL as string);

/** `npm run sandbox -- …` as a newcomer types it (tsx local/sandbox.ts, the lane's simulator URLs). */
async function sandboxCli(...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(
    path.join(root, 'node_modules', '.bin', 'tsx'),
    ['local/sandbox.ts', ...args],
    {
      cwd: root,
      env: process.env,
      timeout: 60_000,
    },
  );
  return stdout;
}

const idIn = (text: string, label: string) => {
  const id = new RegExp(`${label} (\\S+)`).exec(text)?.[1];
  if (!id) throw new Error(`No ${label} id in: ${text}`);
  return id;
};

afterEach(async () => {
  await runSandbox(['clear-outage']);
});

describe('Script: npm run sandbox', () => {
  it('prints its help, and both simulators list their control routes', async () => {
    // Act
    const help = await sandboxCli('--help');
    const listings = JSON.parse(await runSandbox(['routes'])) as {
      simulator: string;
      control: { method: string; path: string }[];
      providerRoutes: string[];
    }[];

    // Assess
    for (const command of [
      'tink-credential',
      'moneyhub-connection',
      'fail-refresh',
      'outage',
      'clear-outage',
    ])
      expect(help).toContain(command);
    const routes = listings.map((listing) => listing.control.map(({ method, path }) => `${method} ${path}`));
    expect(routes[0]).toEqual(
      expect.arrayContaining([
        'GET /__control',
        'POST /__control/users/:userId/credentials',
        'POST /__control/faults',
      ]),
    );
    expect(routes[1]).toEqual(
      expect.arrayContaining([
        'GET /__control',
        'POST /__control/users/:userId/connections',
        'DELETE /__control/faults',
      ]),
    );
    expect(listings.every((listing) => listing.providerRoutes.length > 0)).toBe(true);
  });

  it('gives a new Tink user a credential, and a refresh made to fail ends in that status', async () => {
    // Prepare
    const created = await apiJson('POST', '/tink/users', { market: 'SE', locale: 'sv_SE' });
    expect(created.status).toBe(201);
    const userId: string = created.body.userId;

    // Act: the CLI itself for the first command, then the same code in-process
    const credentialId = idIn(
      await sandboxCli('tink-credential', '--user', userId, '--status', 'UPDATED'),
      'credential',
    );
    const listed = await apiJson('GET', `/tink/users/${userId}/credentials`);
    await runSandbox(['fail-refresh', '--credential', credentialId, '--outcome', 'TEMPORARY_ERROR']);
    const refresh = await apiJson('POST', `/tink/users/${userId}/credentials/${credentialId}/refresh`);
    let status = 'UPDATING';
    for (let attempt = 0; attempt < 40 && status === 'UPDATING'; attempt++) {
      await sleep(250);
      status = (await tink.credential(credentialId)).status;
    }
    const after = await apiJson('GET', `/tink/users/${userId}/credentials/${credentialId}`, undefined, {
      'Cache-Control': 'no-cache',
    });

    // Assess
    expect(listed.status).toBe(200);
    expect(listed.body.credentials).toEqual([
      expect.objectContaining({ id: credentialId, status: 'UPDATED' }),
    ]);
    expect(refresh.status).toBe(202);
    expect(status).toBe('TEMPORARY_ERROR');
    expect(after.body).toMatchObject({ id: credentialId, status: 'TEMPORARY_ERROR' });
  });

  it('gives a new Moneyhub user a connection the API then serves', async () => {
    // Prepare
    const registered = await apiJson('POST', '/moneyhub/users', { clientUserId: 'sandbox-user' });
    expect(registered.status).toBe(201);
    const userId: string = registered.body.userId;

    // Act
    const connectionId = idIn(
      await runSandbox(['moneyhub-connection', '--user', userId, '--status', 'ok']),
      'connection',
    );
    const listed = await apiJson('GET', `/moneyhub/users/${userId}/connections`);

    // Assess
    expect(listed.status).toBe(200);
    expect(listed.body.data).toEqual([expect.objectContaining({ id: connectionId, status: 'ok' })]);
  });

  it('takes a provider down until the outage is cleared', async () => {
    // Prepare: a user whose credentials were never read (nothing cached to fall back on)
    const created = await apiJson('POST', '/tink/users', { market: 'SE', locale: 'sv_SE' });
    const credentials = `/tink/users/${created.body.userId}/credentials`;

    // Act
    await runSandbox(['outage', '--provider', 'tink', '--status', '503']);
    const during = await apiJson('GET', credentials);
    await runSandbox(['clear-outage', '--provider', 'tink']);
    const afterwards = await apiJson('GET', credentials);

    // Assess
    expect(during.status).toBeGreaterThanOrEqual(502);
    expect(during.headers.get('content-type')).toBe('application/problem+json');
    expect(afterwards.status).toBe(200);
  });

  it('refuses a command it does not know, and a missing --user, with the usage', async () => {
    await expect(runSandbox(['make-coffee'])).rejects.toThrow(/Unknown command "make-coffee"[\s\S]*Usage/);
    await expect(runSandbox(['tink-credential'])).rejects.toThrow(/--user is required/);
  });
});
