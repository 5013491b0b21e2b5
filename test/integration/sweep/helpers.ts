// Shared by the sweep suites: sweep settings per file, a clean registry and cursor, the simulators'
// control APIs, seeds whose expected decisions are known, per-item refresh/sync counts, and a
// recorder of the provider requests this process sends (time, duration, status) to measure rates.
import { randomBytes } from 'node:crypto';
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { vi } from 'vitest';
import { coreConfig, sweepConfig } from '../../../lib/config';
import type { ProviderName } from '../../../lib/provider-name';
import { enrollmentRegistry } from '../../../lib/registry';
import type { SweepItemCounts } from '../../../lib/sweep';
import { dynamoDocumentClient } from '../../../lib/table/client';
import { MoneyhubSimulatorControl } from '../../../local/simulators/moneyhub';
import type { SeedConnection } from '../../../local/simulators/moneyhub/control';
import { type SeedCredential, TinkSimulatorControl } from '../../../local/simulators/tink';

export const tink = new TinkSimulatorControl(process.env.TINK_SIMULATOR_URL as string);
export const moneyhub = new MoneyhubSimulatorControl(process.env.MONEYHUB_SIMULATOR_URL as string);

/** Route keys as the simulators count them and match fault rules. */
export const route = {
  tinkRefresh: 'POST /api/v1/credentials/:id/refresh',
  moneyhubSync: 'POST /v3/sync/:connectionId',
} as const;

/** Sets sweep (and core) settings for this test file; configuration is parsed again on next use. */
export function useSettings(settings: Record<string, string>) {
  Object.assign(process.env, settings);
  sweepConfig.reset();
  coreConfig.reset();
}

/** Fast settings: the lane must stay quick, so every test but the rate test runs at a high rate. */
export const fastSweep = {
  SWEEP_RATE_PER_SECOND: '1000',
  SWEEP_CONCURRENCY: '32',
  SWEEP_USER_CONCURRENCY: '32',
  SWEEP_LEASE_SECONDS: '900',
  SWEEP_SAFETY_MARGIN_MS: '200',
  SWEEP_TINK_REFRESH_AFTER_SECONDS: '3600',
  SWEEP_MONEYHUB_SYNC_AFTER_SECONDS: '3600',
  SWEEP_PROVIDERS: 'tink,moneyhub',
};

/** Empties the registry (every shard) and the cursor, so a sweep sees only what a test enrols. */
export async function clearRegistry() {
  const registry = enrollmentRegistry();
  for (let shard = 0; shard < registry.shards; shard++) {
    let after: string | undefined;
    do {
      const page = await registry.listShard(shard, { after, limit: 100 });
      await Promise.all(page.items.map((item) => registry.unenroll(item.provider, item.userId)));
      after = page.nextAfter;
    } while (after);
  }
  await dynamoDocumentClient().send(
    new DeleteCommand({ TableName: process.env.CACHE_TABLE_NAME, Key: { pk: 'sweep', sk: 'cursor' } }),
  );
}

/** A fresh world: both simulators back to their initial state, no enrolments, no cursor. */
export async function resetWorld() {
  await Promise.all([tink.reset(), moneyhub.reset()]);
  await clearRegistry();
}

export async function enrol(provider: ProviderName, userIds: string[]) {
  const registry = enrollmentRegistry();
  for (let index = 0; index < userIds.length; index += 50)
    await Promise.all(userIds.slice(index, index + 50).map((userId) => registry.enroll(provider, userId)));
}

export type Decision = 'due' | 'not-due' | 'needs-user' | 'in-progress';

const hourMs = 60 * 60 * 1000;
const minuteMs = 60 * 1000;

/** Tink credentials of every kind the sweep distinguishes, with what it must decide (threshold 1 h). */
export function tinkKinds(nowMs = Date.now()): { seed: SeedCredential; expected: Decision }[] {
  return [
    { seed: { status: 'UPDATED', updated: nowMs - 2 * hourMs }, expected: 'due' },
    { seed: { status: 'TEMPORARY_ERROR', updated: nowMs - 10 * minuteMs }, expected: 'due' },
    { seed: { status: 'UPDATED', updated: nowMs - 10 * minuteMs }, expected: 'not-due' },
    { seed: { status: 'PERMANENT_ERROR', updated: nowMs - 5 * hourMs }, expected: 'not-due' },
    { seed: { status: 'AWAITING_SUPPLEMENTAL_INFORMATION' }, expected: 'needs-user' },
    { seed: { status: 'AUTHENTICATION_ERROR', updated: nowMs - 5 * hourMs }, expected: 'needs-user' },
    { seed: { status: 'SESSION_EXPIRED' }, expected: 'needs-user' },
    {
      seed: { status: 'UPDATED', updated: nowMs - 2 * hourMs, sessionExpiryDate: nowMs - hourMs },
      expected: 'needs-user',
    },
    { seed: { status: 'UPDATING' }, expected: 'in-progress' },
    { seed: { status: 'CREATED' }, expected: 'in-progress' },
  ];
}

/** Moneyhub connections of every kind the sweep distinguishes, with what it must decide (threshold 1 h). */
export function moneyhubKinds(nowMs = Date.now()): { seed: SeedConnection; expected: Decision }[] {
  const ago = (ms: number) => new Date(nowMs - ms).toISOString();
  return [
    { seed: { status: 'ok', error: null, lastUpdated: ago(2 * hourMs) }, expected: 'due' },
    { seed: { status: 'error', error: 'sync_error', lastUpdated: ago(2 * hourMs) }, expected: 'due' },
    { seed: { status: 'ok', error: 'sync_partial', lastUpdated: ago(3 * hourMs) }, expected: 'due' },
    { seed: { status: 'ok', error: null, lastUpdated: ago(10 * minuteMs) }, expected: 'not-due' },
    { seed: { status: 'error', error: 'sync_error', lastUpdated: ago(10 * minuteMs) }, expected: 'not-due' },
    {
      seed: { status: 'error', error: 'mfa_required', lastUpdated: ago(5 * hourMs) },
      expected: 'needs-user',
    },
    {
      seed: { status: 'error', error: 'credentials_error', lastUpdated: ago(5 * hourMs) },
      expected: 'needs-user',
    },
    { seed: { status: 'error', error: 'resync', lastUpdated: ago(5 * hourMs) }, expected: 'needs-user' },
    {
      seed: { status: 'ok', error: null, extendedStatus: 'expired', lastUpdated: ago(5 * hourMs) },
      expected: 'needs-user',
    },
    {
      seed: {
        status: 'ok',
        error: null,
        lastUpdated: ago(5 * hourMs),
        expiresAt: new Date(nowMs - hourMs).toISOString(),
      },
      expected: 'needs-user',
    },
    { seed: { status: 'never' }, expected: 'in-progress' },
  ];
}

function expectedAt(plans: { expected: Decision }[][], user: number, item: number): Decision {
  const planned = plans[user]?.[item];
  if (!planned) throw new Error(`The simulator returned an item nobody seeded (user ${user}, item ${item})`);
  return planned.expected;
}

export interface SeededItem {
  provider: ProviderName;
  userId: string;
  itemId: string;
  expected: Decision;
}

/** Seeds Tink users, each with the given kinds of credentials, and enrols them. */
export async function seedTinkUsers(
  plans: { seed: SeedCredential; expected: Decision }[][],
): Promise<SeededItem[]> {
  const seeded = await tink.seed({
    users: plans.map((credentials) => ({ market: 'SE', credentials: credentials.map((c) => c.seed) })),
  });
  const items = seeded.users.flatMap((user, index) =>
    user.credentialIds.map((itemId, position) => ({
      provider: 'tink' as const,
      userId: user.userId,
      itemId,
      expected: expectedAt(plans, index, position),
    })),
  );
  await enrol(
    'tink',
    seeded.users.map((user) => user.userId),
  );
  return items;
}

/** Seeds Moneyhub users, each with the given kinds of connections, and enrols them. */
export async function seedMoneyhubUsers(
  plans: { seed: SeedConnection; expected: Decision }[][],
): Promise<SeededItem[]> {
  const seeded = await moneyhub.seed({
    users: plans.map((connections) => ({ connections: connections.map((c) => c.seed) })),
  });
  const items = seeded.flatMap((user, index) =>
    user.connectionIds.map((itemId, position) => ({
      provider: 'moneyhub' as const,
      userId: user.userId,
      itemId,
      expected: expectedAt(plans, index, position),
    })),
  );
  await enrol(
    'moneyhub',
    seeded.map((user) => user.userId),
  );
  return items;
}

/** Enrols user ids neither provider knows (the sweep must find them gone and un-enrol them). */
export async function enrolGhosts(provider: ProviderName, count: number): Promise<string[]> {
  const userIds = Array.from({ length: count }, () =>
    randomBytes(provider === 'tink' ? 16 : 12).toString('hex'),
  );
  await enrol(provider, userIds);
  return userIds;
}

/** Refreshes (Tink) and syncs (Moneyhub) started per item id, as the simulators counted them. */
export async function actionsPerItem(): Promise<Map<string, number>> {
  const [refreshes, syncs] = await Promise.all([tink.refreshes(), moneyhub.syncsTriggered()]);
  return new Map([...Object.entries(refreshes), ...Object.entries(syncs)]);
}

/** Items whose action count is not what they should have had: 1 when due, 0 otherwise. */
export async function wrongActionCounts(items: SeededItem[]) {
  const actions = await actionsPerItem();
  return items
    .map((item) => ({ ...item, actions: actions.get(item.itemId) ?? 0 }))
    .filter((item) => item.actions !== (item.expected === 'due' ? 1 : 0));
}

/** The counts a sweep's summary must show for these items when it acted on every due one. */
export function expectedCounts(items: SeededItem[]): Partial<SweepItemCounts> {
  const countOf = (decision: Decision) => items.filter((item) => item.expected === decision).length;
  return {
    due: countOf('due'),
    'not-due': countOf('not-due'),
    'needs-user': countOf('needs-user'),
    'in-progress': countOf('in-progress'),
    refreshed: countOf('due'),
    'lease-held': 0,
    failed: 0,
    'rate-limited': 0,
  };
}

export interface RecordedRequest {
  url: string;
  method: string;
  startMs: number;
  endMs?: number;
  status?: number;
}

/**
 * Records every request this process sends to the simulators' provider routes (never their control
 * routes), passing it through unchanged. Install before the first provider client is built: the
 * transport keeps the `fetch` it found at construction.
 */
export function recordProviderRequests() {
  const original = globalThis.fetch;
  const providerUrls = [process.env.TINK_SIMULATOR_URL, process.env.MONEYHUB_SIMULATOR_URL] as string[];
  const requests: RecordedRequest[] = [];
  vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    const isProvider = providerUrls.some((base) => url.startsWith(base)) && !url.includes('/__control/');
    if (!isProvider) return original(input, init);
    const entry: RecordedRequest = {
      url,
      method: init?.method ?? 'GET',
      startMs: performance.now(),
    };
    requests.push(entry);
    try {
      const response = await original(input, init);
      entry.status = response.status;
      return response;
    } finally {
      entry.endMs = performance.now();
    }
  });
  return {
    requests,
    clear: () => {
      requests.length = 0;
    },
  };
}

/** The most requests that started within any window of `windowMs`. */
export function peakInWindow(starts: number[], windowMs: number): number {
  const sorted = [...starts].sort((a, b) => a - b);
  let peak = 0;
  let first = 0;
  for (let last = 0; last < sorted.length; last++) {
    while ((sorted[last] as number) - (sorted[first] as number) >= windowMs) first++;
    peak = Math.max(peak, last - first + 1);
  }
  return peak;
}

/** The most requests in flight at once. */
export function peakInFlight(requests: RecordedRequest[]): number {
  const events = requests.flatMap((request) => [
    { atMs: request.startMs, delta: 1 },
    { atMs: request.endMs ?? Number.POSITIVE_INFINITY, delta: -1 },
  ]);
  // At the same instant, an end frees its slot before a start takes one.
  events.sort((a, b) => a.atMs - b.atMs || a.delta - b.delta);
  let current = 0;
  let peak = 0;
  for (const event of events) {
    current += event.delta;
    peak = Math.max(peak, current);
  }
  return peak;
}
