// The sweep's own errors.

/**
 * The request gate refused a request that could not start before the run's deadline (a long
 * Retry-After pause, or a queue longer than the time left). The request was never sent, so the
 * sweep gives its item back and leaves it to the next run.
 */
export class RequestGateDeadlineError extends Error {
  constructor(
    readonly startAtMs: number,
    readonly deadlineAtMs: number,
  ) {
    super(`A provider request could not start before the deadline (${startAtMs - deadlineAtMs} ms late)`);
    this.name = 'RequestGateDeadlineError';
  }
}
