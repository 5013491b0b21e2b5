// Paces provider requests for the sweep: starts spaced at least 1/ratePerSecond apart (no burst:
// at most ratePerSecond starts in any second, however long the limiter sat idle) and at most
// `concurrency` in flight. A 429 pauses everyone until its Retry-After has passed, so a sweep backs
// off as a whole instead of hammering; after the pause, starts are spaced again.
import { setTimeout as sleep } from 'node:timers/promises';
import type { RequestGate } from '../call-context';
import type { Deadline } from '../deadline';
import { RequestGateDeadlineError } from './errors';

export interface RateLimiterOptions {
  ratePerSecond: number;
  concurrency: number;
  /**
   * A request that could only start after this deadline is refused at once with a
   * RequestGateDeadlineError, never sent: it could only fail, and a long Retry-After must not keep
   * the Lambda waiting until it is killed.
   */
  deadline?: Deadline;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export class RateLimiter implements RequestGate {
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly intervalMs: number;
  private nextStartMs = 0;
  private pausedUntilMs = 0;
  private inFlight = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly options: RateLimiterOptions) {
    if (!(options.ratePerSecond > 0) || !(options.concurrency >= 1))
      throw new Error('rate and concurrency must be positive');
    this.intervalMs = 1000 / options.ratePerSecond;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? sleep;
  }

  /** Runs `task` once a slot and a start are free. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    await this.acquireSlot();
    try {
      await this.awaitStart();
      return await task();
    } finally {
      this.releaseSlot();
    }
  }

  /** Holds every later start until `retryAfterMs` from now (a provider said 429). */
  rateLimited(retryAfterMs: number) {
    this.pausedUntilMs = Math.max(this.pausedUntilMs, this.now() + retryAfterMs);
  }

  private async awaitStart() {
    while (true) {
      // Reserve the next start time synchronously, so concurrent callers queue behind each other.
      const startMs = Math.max(this.now(), this.nextStartMs, this.pausedUntilMs);
      const deadlineMs = this.options.deadline?.deadlineAtMs ?? Number.POSITIVE_INFINITY;
      if (startMs >= deadlineMs) throw new RequestGateDeadlineError(startMs, deadlineMs);
      this.nextStartMs = startMs + this.intervalMs;
      const waitMs = startMs - this.now();
      if (waitMs > 0) await this.sleep(waitMs);
      // A pause that began while we waited: queue again behind it, so starts after the pause are
      // spaced too instead of all going at once.
      if (this.pausedUntilMs <= this.now()) return;
    }
  }

  private async acquireSlot() {
    if (this.inFlight < this.options.concurrency) {
      this.inFlight += 1;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private releaseSlot() {
    const next = this.waiting.shift();
    if (next) next();
    else this.inFlight -= 1;
  }
}
