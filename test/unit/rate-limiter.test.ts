import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../lib/sweep/rate-limiter';

/** Virtual time: sleeping advances the clock, so pacing is checked exactly and instantly. */
function virtualClock() {
  const clock = { nowMs: 0 };
  return {
    clock,
    now: () => clock.nowMs,
    sleep: async (ms: number) => {
      clock.nowMs += ms;
      await Promise.resolve();
    },
  };
}

describe('Class: RateLimiter', () => {
  it('starts at most ratePerSecond tasks per second', async () => {
    const limiter = new RateLimiter({ ratePerSecond: 50, concurrency: 100 });
    const starts: number[] = [];

    await Promise.all(
      Array.from({ length: 15 }, () => limiter.run(async () => starts.push(performance.now()))),
    );

    const sorted = [...starts].sort((a, b) => a - b);
    // 50 per second = one start every 20 ms: 15 starts span at least 14 intervals. Timers are not
    // exact to the millisecond, so single gaps are not compared; the whole span is (5% slack).
    expect(sorted.length).toBe(15);
    expect((sorted.at(-1) as number) - (sorted[0] as number)).toBeGreaterThanOrEqual(14 * 20 * 0.95);
  });

  it('never runs more than `concurrency` tasks at once', async () => {
    const limiter = new RateLimiter({ ratePerSecond: 10_000, concurrency: 3 });
    let running = 0;
    let peak = 0;

    await Promise.all(
      Array.from({ length: 30 }, () =>
        limiter.run(async () => {
          running += 1;
          peak = Math.max(peak, running);
          await sleep(2);
          running -= 1;
        }),
      ),
    );

    expect(peak).toBe(3);
  });

  it('holds every later start back after a 429 until Retry-After has passed', async () => {
    const time = virtualClock();
    const limiter = new RateLimiter({
      ratePerSecond: 100,
      concurrency: 10,
      now: time.now,
      sleep: time.sleep,
    });
    await limiter.run(async () => undefined);

    limiter.rateLimited(3000);
    const startedAt = await limiter.run(async () => time.now());

    expect(startedAt).toBeGreaterThanOrEqual(3000);
  });
});
