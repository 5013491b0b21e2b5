// How a provider call failed, in the provider layer's own terms. How each failure is shown to our caller
// (status, problem type) is the HTTP layer's business (docs/architecture.md, "Errors").
import type { ProviderName } from '../provider-name';

export const ProviderFailure = {
  badRequest: 'bad-request',
  unprocessable: 'unprocessable',
  notFound: 'not-found',
  conflict: 'conflict',
  rateLimited: 'rate-limited',
  /** The provider refused our own credentials, token or token request. */
  credentialsRejected: 'credentials-rejected',
  /** The provider will not let this service's app use a scope the caller asked for (its entitlements). */
  scopeNotAllowed: 'scope-not-allowed',
  /** The provider refused something this service's own configuration asks for (e.g. a scope). */
  misconfigured: 'misconfigured',
  /** 5xx or the network failed. */
  unavailable: 'unavailable',
  /** The deadline passed (ours, derived from the Lambda's remaining time). */
  timeout: 'timeout',
  /** Malformed JSON, or JSON that violates the response schema. */
  badResponse: 'bad-response',
} as const;
export type ProviderFailure = (typeof ProviderFailure)[keyof typeof ProviderFailure];

/** Failures for which a cached response may stand in (stale-if-error). */
const staleEligible = new Set<ProviderFailure>(['rate-limited', 'unavailable', 'timeout', 'bad-response']);

export interface ProviderErrorDetails {
  provider: ProviderName;
  operation: string;
  failure: ProviderFailure;
  detail: string;
  providerStatus?: number;
  providerRequestId?: string;
  /** Provider-specific error code (e.g. Moneyhub `code`, OAuth `error`). */
  providerCode?: string;
  retryAfterSeconds?: number;
  cause?: unknown;
}

export class ProviderError extends Error {
  readonly provider: ProviderName;
  readonly operation: string;
  readonly failure: ProviderFailure;
  readonly detail: string;
  readonly providerStatus?: number;
  readonly providerRequestId?: string;
  readonly providerCode?: string;
  readonly retryAfterSeconds?: number;

  constructor(details: ProviderErrorDetails) {
    super(
      `${details.provider} ${details.operation}: ${details.failure}${details.providerStatus ? ` (${details.providerStatus})` : ''}`,
      {
        cause: details.cause,
      },
    );
    this.name = 'ProviderError';
    this.provider = details.provider;
    this.operation = details.operation;
    this.failure = details.failure;
    this.detail = details.detail;
    this.providerStatus = details.providerStatus;
    this.providerRequestId = details.providerRequestId;
    this.providerCode = details.providerCode;
    this.retryAfterSeconds = details.retryAfterSeconds;
  }

  get staleEligible(): boolean {
    return staleEligible.has(this.failure);
  }
}

/**
 * A resource the provider's own answer shows the user does not have (e.g. a connection absent from the
 * user's connection list, for a provider with no route for one connection).
 */
export class ResourceNotFoundError extends Error {
  constructor(detail: string) {
    super(detail);
    this.name = 'ResourceNotFoundError';
  }
}

/** Failures by which the provider refused a mutation before acting on it. */
const refusedBeforeActing = new Set<ProviderFailure>([
  'bad-request',
  'unprocessable',
  'conflict',
  'rate-limited',
  'credentials-rejected',
]);

/**
 * Whether a failed mutation may still have changed the user at the provider: anything but a refusal
 * (a timeout, a dropped connection or a 5xx leave the outcome unknown; a 404 says it is gone).
 */
export function mayHaveChangedUser(error: unknown): boolean {
  return !(error instanceof ProviderError && refusedBeforeActing.has(error.failure));
}

export function isStaleEligible(error: unknown): boolean {
  return error instanceof ProviderError && error.staleEligible;
}

/** What a provider answered with, for failures the transport does not classify by status alone. */
export function failureForStatus(status: number): ProviderFailure {
  if (status === 400) return ProviderFailure.badRequest;
  if (status === 401 || status === 403) return ProviderFailure.credentialsRejected;
  if (status === 404 || status === 410) return ProviderFailure.notFound;
  if (status === 409) return ProviderFailure.conflict;
  if (status === 422) return ProviderFailure.unprocessable;
  if (status === 429) return ProviderFailure.rateLimited;
  return ProviderFailure.unavailable;
}
