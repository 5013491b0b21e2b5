// What every provider call carries from the invocation that made it: an id to trace it by, the
// moment it must be done by, so no call outlives its Lambda, and the gate that paces it, if any.
import type { Context } from 'aws-lambda';
import { coreConfig } from './config';

export interface CallContext {
  /** The Lambda request id: sent to providers as a trace id and returned in errors. */
  requestId: string;
  /** Epoch ms by which every provider call must have finished. */
  deadlineAtMs: number;
  /** Paces every provider HTTP request made for this call (the scheduled sweep's rate limiter). */
  requestGate?: RequestGate;
}

/** Paces provider HTTP requests; told about 429s so it can hold back every request it paces. */
export interface RequestGate {
  run<T>(task: () => Promise<T>): Promise<T>;
  rateLimited(retryAfterMs: number): void;
}

export function callContextFrom(context: Partial<Context> | undefined, nowMs = Date.now()): CallContext {
  const config = coreConfig();
  const remainingMs =
    typeof context?.getRemainingTimeInMillis === 'function'
      ? context.getRemainingTimeInMillis()
      : config.DEFAULT_DEADLINE_MS;
  return {
    requestId: context?.awsRequestId ?? crypto.randomUUID(),
    deadlineAtMs: nowMs + Math.max(0, remainingMs - config.DEADLINE_SAFETY_MS),
  };
}

/**
 * Epoch ms by which the cache work after a provider mutation (invalidation, purge) must be done:
 * past the provider deadline by a reserve taken out of the safety margin, so however late the
 * provider answered, that work has its own time.
 */
export function cacheWorkDeadlineAtMs(call: CallContext): number {
  const config = coreConfig();
  return call.deadlineAtMs + Math.min(config.CACHE_WORK_RESERVE_MS, config.DEADLINE_SAFETY_MS);
}

/** A signal that aborts at the deadline (epoch ms), for calls that take one; none without a deadline. */
export function deadlineSignal(deadlineAtMs: number | undefined): AbortSignal | undefined {
  if (deadlineAtMs === undefined) return undefined;
  return AbortSignal.timeout(Math.max(1, Math.ceil(deadlineAtMs - Date.now())));
}
