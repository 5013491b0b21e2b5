// The scheduled sweep against dynalite and both simulators over HTTP: what it refreshes and syncs
// (exactly the due items, once each), what it counts, how it resumes after a deadline, how leases
// keep two overlapping runs from acting twice, and that it invalidates each user's cache.
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { CacheStatus } from '../../../lib/cache';
import { callContextFrom } from '../../../lib/call-context';
import { moneyhubOperations } from '../../../lib/providers/moneyhub';
import { tinkOperations } from '../../../lib/providers/tink';
import { enrollmentRegistry } from '../../../lib/registry';
import { runScheduledSweep, type SweepSummary } from '../../../lib/sweep';
import { lambdaContext } from '../../support/events';
import {
  clearRegistry,
  type Decision,
  enrolGhosts,
  expectedCounts,
  fastSweep,
  moneyhub,
  moneyhubKinds,
  resetWorld,
  seedMoneyhubUsers,
  seedTinkUsers,
  tinkKinds,
  useSettings,
  wrongActionCounts,
} from './helpers';

useSettings(fastSweep);

const kind = <T>(kinds: { seed: T; expected: Decision }[], expected: Decision) =>
  kinds.find((candidate) => candidate.expected === expected) as { seed: T; expected: Decision };

/** User `index` gets 0–3 items of mixed kinds (every 13th user has none). */
function mixedPlan<T>(kinds: T[], index: number): T[] {
  if (index % 13 === 0) return [];
  return Array.from({ length: 1 + (index % 3) }, (_, position) => {
    return kinds[(index * 7 + position * 3) % kinds.length] as T;
  });
}

const sum = (summaries: SweepSummary[], key: keyof SweepSummary['items']) =>
  summaries.reduce((total, summary) => total + summary.items[key], 0);

describe('Function: runScheduledSweep', () => {
  beforeEach(resetWorld);
  afterAll(clearRegistry);

  it('refreshes and syncs exactly the due items of 540 enrolled users, skips the rest, and counts both', async () => {
    // Prepare: 260 Tink and 260 Moneyhub users with every kind of item, and 20 users both providers forgot
    const tinkItems = await seedTinkUsers(Array.from({ length: 260 }, (_, i) => mixedPlan(tinkKinds(), i)));
    const moneyhubItems = await seedMoneyhubUsers(
      Array.from({ length: 260 }, (_, i) => mixedPlan(moneyhubKinds(), i)),
    );
    const ghosts = [...(await enrolGhosts('tink', 10)), ...(await enrolGhosts('moneyhub', 10))];
    const items = [...tinkItems, ...moneyhubItems];

    // Act
    const summary = await runScheduledSweep(lambdaContext({ remainingMs: 60_000 }));

    // Assess: the simulators saw exactly one refresh or sync per due item and none for the others
    console.log(
      `sweep over 540 users: ${summary.durationMs} ms, items ${JSON.stringify(summary.items)}, ` +
        `due ${items.filter((item) => item.expected === 'due').length} of ${items.length}`,
    );
    expect(await wrongActionCounts(items)).toEqual([]);
    expect(summary).toMatchObject({
      usersVisited: 540,
      usersGone: 20,
      usersFailed: 0,
      stoppedEarly: false,
      passCompleted: true,
      cursor: { shard: 0, passes: 1 },
    });
    expect(summary.providers.tink).toEqual(expectedCounts(tinkItems));
    expect(summary.providers.moneyhub).toEqual(expectedCounts(moneyhubItems));
    expect(summary.items).toEqual(expectedCounts(items));
    // Every kind occurs, so every rule was exercised
    for (const decision of ['due', 'not-due', 'needs-user', 'in-progress'] as const) {
      expect(expectedCounts(tinkItems)[decision]).toBeGreaterThan(20);
      expect(expectedCounts(moneyhubItems)[decision]).toBeGreaterThan(20);
    }
    // Users the providers no longer know are un-enrolled; the others stay
    const registry = enrollmentRegistry();
    for (const userId of ghosts.slice(0, 10)) expect(await registry.isEnrolled('tink', userId)).toBe(false);
    for (const userId of ghosts.slice(10)) expect(await registry.isEnrolled('moneyhub', userId)).toBe(false);
    expect(await registry.isEnrolled('tink', tinkItems[0]?.userId as string)).toBe(true);
  });

  it('resumes a sweep cut short by the deadline in the next run, until every due item was acted on once', async () => {
    // Prepare: 60 users with two due items and one not due each; runs with 300 ms, 150 of them for work
    useSettings({ DEADLINE_SAFETY_MS: '0', SWEEP_SAFETY_MARGIN_MS: '150', SWEEP_USER_CONCURRENCY: '4' });
    try {
      const tk = tinkKinds();
      const mk = moneyhubKinds();
      const items = [
        ...(await seedTinkUsers(
          Array.from({ length: 30 }, () => [kind(tk, 'due'), tk[1], kind(tk, 'not-due')] as typeof tk),
        )),
        ...(await seedMoneyhubUsers(
          Array.from({ length: 30 }, () => [kind(mk, 'due'), mk[1], kind(mk, 'not-due')] as typeof mk),
        )),
      ];
      const due = items.filter((item) => item.expected === 'due').length;

      // Act: one run after the other until one completes the pass (bounded)
      const summaries: SweepSummary[] = [];
      for (let run = 0; run < 50; run++) {
        const summary = await runScheduledSweep(lambdaContext({ remainingMs: 300 }));
        summaries.push(summary);
        if (summary.passCompleted) break;
      }

      // Assess
      console.log(
        `resumed sweep: ${summaries.length} runs, refreshed per run ${summaries.map((s) => s.items.refreshed).join(',')}`,
      );
      expect(summaries.length).toBeGreaterThan(2);
      expect(summaries[0]?.stoppedEarly).toBe(true);
      expect(summaries.at(-1)?.passCompleted).toBe(true);
      expect(summaries.slice(0, -1).every((summary) => summary.stoppedEarly && !summary.passCompleted)).toBe(
        true,
      );
      expect(await wrongActionCounts(items)).toEqual([]);
      // Every due item acted on once at the provider. An act whose answer the 300 ms deadline cut
      // off counts as failed although Tink/Moneyhub acted (a loaded machine makes that happen):
      // its lease stands, so no run repeats it. A failure with an answer would be given back and
      // acted on again, making the sum exceed `due`.
      expect(sum(summaries, 'refreshed') + sum(summaries, 'failed')).toBe(due);
      expect(sum(summaries, 'rate-limited')).toBe(0);
    } finally {
      useSettings({ ...fastSweep, DEADLINE_SAFETY_MS: '500' });
    }
  });

  it('never acts twice on an item when two sweeps run at once: leases', async () => {
    // Prepare
    const tk = tinkKinds();
    const mk = moneyhubKinds();
    const items = [
      ...(await seedTinkUsers(Array.from({ length: 30 }, () => [kind(tk, 'due'), kind(tk, 'not-due')]))),
      ...(await seedMoneyhubUsers(Array.from({ length: 30 }, () => [kind(mk, 'due'), mk[1]] as typeof mk))),
    ];
    const due = items.filter((item) => item.expected === 'due').length;

    // Act: an at-least-once duplicate delivery, both runs from the same cursor
    const runs = await Promise.all([
      runScheduledSweep(lambdaContext({ remainingMs: 30_000 })),
      runScheduledSweep(lambdaContext({ remainingMs: 30_000 })),
    ]);

    // Assess
    expect(await wrongActionCounts(items)).toEqual([]);
    expect(sum(runs, 'refreshed')).toBe(due);
    expect(sum(runs, 'failed') + sum(runs, 'rate-limited')).toBe(0);
    // The run that lost a race saw the other's lease (or, for Tink, the refresh it started)
    expect(sum(runs, 'lease-held') + sum(runs, 'in-progress')).toBeGreaterThan(0);
    expect(runs.every((run) => run.passCompleted)).toBe(true);
  });

  it("invalidates each refreshed or synced user's cache; an untouched user's list stays cached", async () => {
    // Prepare: a due and a quiet user per provider, their lists read (and cached) before the sweep
    const tk = tinkKinds();
    const mk = moneyhubKinds();
    const [dueTink, quietTink] = await seedTinkUsers([[kind(tk, 'due')], [kind(tk, 'not-due')]]);
    const [dueMoneyhub, quietMoneyhub] = await seedMoneyhubUsers([[kind(mk, 'due')], [kind(mk, 'not-due')]]);
    const call = () => callContextFrom(lambdaContext());
    const readTink = (userId: string) => tinkOperations().listCredentials(call(), userId);
    const readConnections = (userId: string) => moneyhubOperations().listConnections(call(), userId);
    const readSyncs = (userId: string) => moneyhubOperations().listSyncs(call(), userId);
    for (const item of [dueTink, quietTink]) await readTink(item?.userId as string);
    for (const item of [dueMoneyhub, quietMoneyhub]) {
      await readConnections(item?.userId as string);
      await readSyncs(item?.userId as string);
    }
    expect((await readTink(dueTink?.userId as string)).status).toBe(CacheStatus.hit);
    expect((await readSyncs(dueMoneyhub?.userId as string)).status).toBe(CacheStatus.hit);

    // Act
    const summary = await runScheduledSweep(lambdaContext({ remainingMs: 30_000 }));

    // Assess
    expect(summary.items.refreshed).toBe(2);
    expect((await readTink(dueTink?.userId as string)).status).toBe(CacheStatus.miss);
    expect((await readConnections(dueMoneyhub?.userId as string)).status).toBe(CacheStatus.miss);
    expect((await readSyncs(dueMoneyhub?.userId as string)).status).toBe(CacheStatus.miss);
    expect((await readTink(quietTink?.userId as string)).status).toBe(CacheStatus.hit);
    expect((await readConnections(quietMoneyhub?.userId as string)).status).toBe(CacheStatus.hit);
  });

  it('syncs Moneyhub connections with one token per user, scoped to that user (sub)', async () => {
    // Prepare: two users with two due connections each
    const mk = moneyhubKinds();
    const items = await seedMoneyhubUsers([
      [kind(mk, 'due'), mk[1]],
      [kind(mk, 'due'), mk[2]],
    ] as (typeof mk)[]);

    // Act
    const summary = await runScheduledSweep(lambdaContext({ remainingMs: 30_000 }));

    // Assess
    expect(summary.items.refreshed).toBe(4);
    expect(await wrongActionCounts(items)).toEqual([]);
    const userTokens = (await moneyhub.tokens()).filter((token) => token.sub !== undefined);
    expect(userTokens.map((token) => token.sub).sort()).toEqual(
      [...new Set(items.map((item) => item.userId))].sort(),
    );
    for (const token of userTokens)
      expect(token.scope.split(' ').sort()).toEqual(['accounts:read', 'accounts:write:all']);
  });
});
