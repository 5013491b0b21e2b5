// The scheduled sweep end to end: the refreshCredentials function, bundled and run by
// serverless-offline, invoked through offline's Lambda invoke endpoint with the event an EventBridge
// schedule delivers, against the stack's dynalite and simulators, with its stage's configuration.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { EnrollmentRegistry } from '../../lib/registry';
import type { SweepSummary } from '../../lib/sweep';
import { createDynamoDocumentClient } from '../../lib/table/client';
import {
  buildDemoSeed as buildMoneyhubDemoSeed,
  demoConnectionIds,
  MoneyhubSimulatorControl,
  demoUserIds as moneyhubDemoUsers,
} from '../../local/simulators/moneyhub';
import {
  buildDemoSeed as buildTinkDemoSeed,
  demoCredentialIds,
  TinkSimulatorControl,
} from '../../local/simulators/tink';
import { invokeSweep } from '../../local/sweep';

const tink = new TinkSimulatorControl(process.env.TINK_SIMULATOR_URL as string);
const moneyhub = new MoneyhubSimulatorControl(process.env.MONEYHUB_SIMULATOR_URL as string);
// The handlers' registry: the stack's table, and the default shard count serverless.yml keeps.
const registry = new EnrollmentRegistry(
  createDynamoDocumentClient({
    endpoint: process.env.DYNAMODB_ENDPOINT as string,
    region: process.env.AWS_REGION as string,
  }),
  process.env.CACHE_TABLE_NAME as string,
  16,
);

const hourMs = 60 * 60 * 1000;

const root = path.resolve(__dirname, '../..');

/** The demo data as `npm start` seeds it now (other files read the demo users as the README shows them). */
async function seedDemoAfresh() {
  await tink.reset();
  await moneyhub.reset();
  await tink.seed(buildTinkDemoSeed());
  await moneyhub.seed(buildMoneyhubDemoSeed());
}

describe('Script: npm run sweep', () => {
  // Its sweep refreshed and synced demo items (a sync adds one to a demo user's syncs): put them back.
  // The leases it took keep later sweeps in this lane off them.
  afterAll(seedDemoAfresh);

  it('on a fresh stack, refreshes and syncs exactly the demo items that are due, and prints the summary', async () => {
    // Prepare: the demo data as `npm start` seeds it now (earlier files may have refreshed demo
    // items); the demo users were enrolled when the lane's stack started. This is the lane's first sweep.
    await seedDemoAfresh();
    const { connections } = await moneyhub.user(moneyhubDemoUsers.alice);

    // Act: the command as a developer runs it (tsx local/sweep.ts, the lane's Lambda endpoint)
    const { stdout } = await promisify(execFile)(
      path.join(root, 'node_modules', '.bin', 'tsx'),
      ['local/sweep.ts', '--json'],
      { cwd: root, env: process.env, timeout: 120_000 },
    );
    const text = await promisify(execFile)(
      path.join(root, 'node_modules', '.bin', 'tsx'),
      ['local/sweep.ts'],
      {
        cwd: root,
        env: process.env,
        timeout: 120_000,
      },
    );

    // Assess: demo dates are relative to now (the "ok" consent has not expired)…
    const aliceOk = connections.find((connection) => connection.id === demoConnectionIds.aliceOk);
    expect(Date.parse(String(aliceOk?.expiresAt))).toBeGreaterThan(Date.now());
    // …so the due demo items (3 Tink credentials, 2 Moneyhub connections) were acted on, once each
    const summary = JSON.parse(stdout) as SweepSummary;
    expect(summary.usersVisited).toBeGreaterThanOrEqual(5);
    expect(summary.providers.tink).toMatchObject({ refreshed: 3, failed: 0 });
    expect(summary.providers.moneyhub).toMatchObject({ refreshed: 2, failed: 0 });
    expect(await tink.refreshes()).toEqual({
      [demoCredentialIds.aliceBank]: 1,
      [demoCredentialIds.bobOpenBanking]: 1,
      [demoCredentialIds.carolFlaky]: 1,
    });
    const alice = await moneyhub.user(moneyhubDemoUsers.alice);
    const bob = await moneyhub.user(moneyhubDemoUsers.bob);
    expect({ ...alice.syncsTriggered, ...bob.syncsTriggered }).toEqual({
      [demoConnectionIds.aliceOk]: 1,
      [demoConnectionIds.aliceError]: 0,
      [demoConnectionIds.aliceNever]: 0,
      [demoConnectionIds.bobOk]: 1,
      [demoConnectionIds.bobExpired]: 0,
    });
    // The second run finds every due item leased or no longer due, and prints its summary in words
    expect(text.stdout).toMatch(/^Sweep \S+: \d+ users visited in \d+ ms/);
    expect(text.stdout).toMatch(/tink +due \d+, not-due \d+, needs-user \d+/);
    expect(text.stdout).toContain('pass complete');
  });
});

describe('Function: refreshCredentials through serverless-offline', () => {
  it('runs a sweep on a scheduled event and answers with its summary', async () => {
    // Prepare: one Tink and one Moneyhub user, each with one item due (7 h old; the default
    // threshold is 6 h) and one not, enrolled the way the API enrols them
    const nowMs = Date.now();
    const {
      users: [tinkUser],
    } = await tink.seed({
      users: [
        {
          market: 'SE',
          credentials: [
            { status: 'UPDATED', updated: nowMs - 7 * hourMs },
            { status: 'UPDATED', updated: nowMs - hourMs / 6 },
          ],
        },
      ],
    });
    const [moneyhubUser] = await moneyhub.seed({
      users: [
        {
          connections: [
            { status: 'ok', error: null, lastUpdated: new Date(nowMs - 7 * hourMs).toISOString() },
            { status: 'ok', error: null, lastUpdated: new Date(nowMs - hourMs / 6).toISOString() },
          ],
        },
      ],
    });
    if (!tinkUser || !moneyhubUser) throw new Error('The simulators seeded no user');
    await registry.enroll('tink', tinkUser.userId);
    await registry.enroll('moneyhub', moneyhubUser.userId);
    const [dueCredential, freshCredential] = tinkUser.credentialIds as [string, string];
    const [dueConnection, freshConnection] = moneyhubUser.connectionIds as [string, string];

    // Act
    // (the same invocation `npm run sweep` makes: EventBridge's scheduled event, via offline)
    const summary = await invokeSweep(process.env.E2E_LAMBDA_URL as string);

    // Assess: a summary (other e2e files may have enrolled users too, so counts are lower bounds)
    expect(summary).toMatchObject({
      runId: expect.any(String),
      passCompleted: true,
      stoppedEarly: false,
      usersFailed: 0,
      cursor: { shard: 0, passes: expect.any(Number) },
      items: { failed: 0, 'rate-limited': 0 },
    });
    expect(summary.usersVisited).toBeGreaterThanOrEqual(2);
    expect(summary.providers.tink?.refreshed).toBeGreaterThanOrEqual(1);
    expect(summary.providers.moneyhub?.refreshed).toBeGreaterThanOrEqual(1);
    // Exactly the due items were acted on
    const refreshes = await tink.refreshes();
    expect(refreshes[dueCredential]).toBe(1);
    expect(refreshes[freshCredential]).toBeUndefined();
    const { syncsTriggered } = await moneyhub.user(moneyhubUser.userId);
    expect(syncsTriggered).toEqual({ [dueConnection]: 1, [freshConnection]: 0 });
  });
});
