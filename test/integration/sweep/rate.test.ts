// The sweep's request rate, measured: every provider request this process sends (token calls
// included) is recorded as it leaves, and checked against what the simulators counted. Then bursts
// of 429s: the sweep holds back for Retry-After and still completes, in the same run or the next.
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { runScheduledSweep } from '../../../lib/sweep';
import { lambdaContext } from '../../support/events';
import {
  clearRegistry,
  fastSweep,
  moneyhub,
  moneyhubKinds,
  peakInFlight,
  peakInWindow,
  recordProviderRequests,
  resetWorld,
  route,
  seedMoneyhubUsers,
  seedTinkUsers,
  tink,
  tinkKinds,
  useSettings,
  wrongActionCounts,
} from './helpers';

// Installed before any provider client exists: the transport keeps the fetch it finds.
const traffic = recordProviderRequests();
const ratePerSecond = 40;
const concurrency = 4;
useSettings({
  ...fastSweep,
  SWEEP_RATE_PER_SECOND: String(ratePerSecond),
  SWEEP_CONCURRENCY: String(concurrency),
  SWEEP_USER_CONCURRENCY: '20',
});

const due = <T>(kinds: { seed: T; expected: string }[]) =>
  kinds.find((candidate) => candidate.expected === 'due') as { seed: T; expected: 'due' };

/** Provider requests the simulators counted since their last reset (control calls excluded). */
async function simulatorTotal() {
  const [tinkCalls, moneyhubCalls] = await Promise.all([tink.calls(), moneyhub.calls()]);
  return tinkCalls.total + moneyhubCalls.total;
}

describe('Function: runScheduledSweep (request rate)', () => {
  beforeEach(async () => {
    await resetWorld();
    traffic.clear();
  });
  afterAll(clearRegistry);

  it('sends provider requests, token calls included, at or below the configured rate and concurrency', async () => {
    // Prepare: enough work to keep the limiter busy for about two seconds
    const items = [
      ...(await seedTinkUsers(Array.from({ length: 12 }, () => [due(tinkKinds())]))),
      ...(await seedMoneyhubUsers(Array.from({ length: 8 }, () => [due(moneyhubKinds())]))),
    ];
    // Every provider answers after 60 ms, so requests overlap as they would over a real network
    await Promise.all([
      tink.injectFault('*', { kind: 'latency', ms: 60 }),
      moneyhub.injectFault('*', { kind: 'latency', ms: 60 }),
    ]);
    await Promise.all([tink.resetCalls(), moneyhub.resetCalls()]);
    traffic.clear();

    // Act
    const summary = await runScheduledSweep(lambdaContext({ remainingMs: 30_000 }));

    // Assess: the recorder saw every request the simulators saw
    const starts = traffic.requests.map((request) => request.startMs);
    expect(starts.length).toBe(await simulatorTotal());
    const spanMs = Math.max(...starts) - Math.min(...starts);
    const measuredPerSecond = ((starts.length - 1) * 1000) / spanMs;
    const peakPerSecond = peakInWindow(starts, 1000);
    console.log(
      `rate: ${starts.length} provider requests in ${spanMs.toFixed(0)} ms = ${measuredPerSecond.toFixed(2)}/s ` +
        `(configured ${ratePerSecond}/s), peak ${peakPerSecond} in any 1 s window, ` +
        `peak in flight ${peakInFlight(traffic.requests)} (configured ${concurrency})`,
    );
    expect(summary.items.refreshed).toBe(items.length);
    expect(await wrongActionCounts(items)).toEqual([]);
    expect(measuredPerSecond).toBeLessThanOrEqual(ratePerSecond * 1.02);
    // The limit is what bound the run (else the check above proves nothing)
    expect(measuredPerSecond).toBeGreaterThan(ratePerSecond * 0.6);
    // The limiter spaces reserved starts 1/R apart and allows no burst; a window may still catch one
    // start at its edge and the few a late timer (≤ 50 ms on a busy machine) pushes into it
    expect(peakPerSecond).toBeLessThanOrEqual(ratePerSecond + 1 + Math.ceil(ratePerSecond * 0.05));
    expect(peakInFlight(traffic.requests)).toBeGreaterThan(1);
    expect(peakInFlight(traffic.requests)).toBeLessThanOrEqual(concurrency);
  });

  it('holds every request back for Retry-After after a burst of 429s, then completes in the same run', async () => {
    // Prepare: the first three refreshes are refused with Retry-After: 1
    const items = await seedTinkUsers(Array.from({ length: 10 }, () => [due(tinkKinds())]));
    await tink.injectFault(route.tinkRefresh, { kind: 'rate-limit', retryAfterSeconds: 1 }, 3);
    await tink.resetCalls();
    traffic.clear();

    // Act
    const summary = await runScheduledSweep(lambdaContext({ remainingMs: 30_000 }));

    // Assess: completed, each due credential refreshed once, after three refusals
    expect(summary).toMatchObject({ passCompleted: true, stoppedEarly: false });
    expect(summary.items).toMatchObject({ refreshed: 10, failed: 0, 'rate-limited': 0 });
    expect(await wrongActionCounts(items)).toEqual([]);
    expect((await tink.calls()).calls[route.tinkRefresh]).toBe(13);
    const refused = traffic.requests.filter((request) => request.status === 429);
    expect(refused.length).toBe(3);
    // After each 429, no request of the process started until Retry-After had passed (the 25 ms at
    // either end cover reading the 429's body before the pause is set, and timer granularity)
    for (const rateLimited of refused) {
      const endMs = rateLimited.endMs as number;
      const early = traffic.requests.filter(
        (request) => request.startMs > endMs + 25 && request.startMs < endMs + 1000 - 25,
      );
      expect(early).toEqual([]);
    }
    expect(summary.durationMs).toBeGreaterThanOrEqual(1000);
  });

  it('leaves the items a longer 429 burst outlasts to the next run, which resumes there and completes', async () => {
    // Prepare: every refresh is refused with Retry-After: 2, more than the first run has left
    const items = await seedTinkUsers(Array.from({ length: 6 }, () => [due(tinkKinds())]));
    await tink.injectFault(route.tinkRefresh, { kind: 'rate-limit', retryAfterSeconds: 2 }, 1000);

    // Act: a run with one second of work, then (the burst over) the next scheduled run
    const first = await runScheduledSweep(lambdaContext({ remainingMs: 1500 }));
    await tink.clearFaults();
    const second = await runScheduledSweep(lambdaContext({ remainingMs: 30_000 }));

    // Assess: the first run backed off and stopped early without waiting out its deadline
    expect(first.items['rate-limited']).toBeGreaterThan(0);
    expect(first.items.refreshed).toBe(0);
    expect(first).toMatchObject({ stoppedEarly: true, passCompleted: false });
    expect(first.durationMs).toBeLessThan(1500);
    // The next run resumed where it stopped and completed the pass: every due item refreshed once
    expect(second).toMatchObject({ passCompleted: true });
    expect(second.items.refreshed).toBe(items.length);
    expect(await wrongActionCounts(items)).toEqual([]);
  });
});
