// The one shape in which an invocation's deadline travels: to the providers (inside the call
// context), the cache, the registry and the sweep's stores. It stays a moment in time until the one
// place that sends a request turns it into an AbortSignal, so each request gets the time left then.

export interface Deadline {
  /** Epoch ms by which the work must be done; given up on then. */
  deadlineAtMs: number;
}

/**
 * A signal that aborts at the deadline, for a request sent now: already aborted when the deadline has
 * passed (the request is never sent), none without a deadline (scripts, tests).
 */
export function deadlineSignal(deadline: Deadline | undefined): AbortSignal | undefined {
  if (deadline === undefined) return undefined;
  const leftMs = Math.ceil(deadline.deadlineAtMs - Date.now());
  return leftMs > 0
    ? AbortSignal.timeout(leftMs)
    : AbortSignal.abort(new DOMException('The deadline has passed', 'TimeoutError'));
}
