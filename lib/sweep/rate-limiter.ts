import type { RequestGate } from '../providers/transport';
// Paces provider requests for one sweep: at most `ratePerSecond` starts per second (a token bucket
// holding at most one second's worth) and at most `concurrency` in flight. A 429 pauses everyone
// until its Retry-After has passed, so a sweep backs off as a whole instead of hammering.

export interface RateLimiterOptions {
  ratePerSecond: number;
  concurrency: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export class RateLimiter implements RequestGate {
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private nextStartMs = 0;
  private pausedUntilMs = 0;
  private inFlight = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly options: RateLimiterOptions) {
    if (options.ratePerSecond <= 0 || options.concurrency < 1)
      throw new Error('rate and concurrency must be positive');
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
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
    const intervalMs = 1000 / this.options.ratePerSecond;
    // Reserve the next start time synchronously, so concurrent callers queue behind each other.
    const startMs = Math.max(this.now(), this.nextStartMs, this.pausedUntilMs);
    this.nextStartMs = startMs + intervalMs;
    const waitMs = startMs - this.now();
    if (waitMs > 0) await this.sleep(waitMs);
    // A pause that began while we waited still applies.
    const pausedMs = this.pausedUntilMs - this.now();
    if (pausedMs > 0) {
      this.nextStartMs = Math.max(this.nextStartMs, this.pausedUntilMs + intervalMs);
      await this.sleep(pausedMs);
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
