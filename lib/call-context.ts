// What every provider call carries from the invocation that made it: an id to trace it by, the
// moment it must be done by, so no call outlives its Lambda, and the gate that paces it, if any.
import type { Context } from 'aws-lambda';
import { coreConfig } from './config';
import type { Deadline } from './deadline';

/** Its deadline bounds every provider call and every table call made for the invocation. */
export interface CallContext extends Deadline {
  /** The Lambda request id: sent to providers as a trace id and returned in errors. */
  requestId: string;
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
 * The deadline of the table writes that keep state right after provider work: the cache's
 * invalidation or purge after a mutation, the verification of a fill, the sweep's lease give-backs
 * and last cursor save. It lies past the provider deadline by a reserve taken out of the safety
 * margin (CACHE_WORK_RESERVE_MS), so however late the provider answered, that work has its own time.
 */
export function reserveDeadline(call: CallContext): Deadline {
  const config = coreConfig();
  return {
    deadlineAtMs: call.deadlineAtMs + Math.min(config.CACHE_WORK_RESERVE_MS, config.DEADLINE_SAFETY_MS),
  };
}
