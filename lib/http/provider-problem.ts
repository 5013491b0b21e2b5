// How a provider-layer failure is shown to our caller (docs/architecture.md, "Errors"). The provider's
// own auth details are never echoed: a 401/403 on our credentials is our fault, not the caller's, and
// maps to 502.
import { ProviderError, type ProviderFailure, ResourceNotFoundError } from '../providers/errors';
import { type Problem, problemType } from './problem';

const httpStatusOf: Record<ProviderFailure, number> = {
  'bad-request': 400,
  unprocessable: 422,
  'not-found': 404,
  conflict: 409,
  'rate-limited': 429,
  'credentials-rejected': 502,
  'scope-not-allowed': 403,
  misconfigured: 502,
  unavailable: 502,
  timeout: 504,
  'bad-response': 502,
};

const titleOf: Record<ProviderFailure, string> = {
  'bad-request': 'The provider rejected the request',
  unprocessable: 'The provider could not process the request',
  'not-found': 'Not found at the provider',
  conflict: 'Conflict at the provider',
  'rate-limited': 'The provider is rate limiting',
  'credentials-rejected': 'The provider rejected this service',
  'scope-not-allowed': 'The provider does not allow this scope for this service',
  misconfigured: "This service's configuration is refused by the provider",
  unavailable: 'The provider is unavailable',
  timeout: 'The provider did not answer in time',
  'bad-response': 'The provider sent an invalid response',
};

export interface ProblemAnswer {
  problem: Problem;
  /** Headers the response must carry, e.g. `Retry-After`. */
  headers: Record<string, string>;
}

export function providerErrorProblem(error: ProviderError): ProblemAnswer {
  const status = httpStatusOf[error.failure];
  return {
    problem: {
      type: problemType(`provider-${error.failure}`),
      title: titleOf[error.failure],
      status,
      detail: error.detail,
      provider: error.provider,
      ...(error.providerStatus === undefined ? {} : { providerStatus: error.providerStatus }),
      ...(error.providerRequestId === undefined ? {} : { providerRequestId: error.providerRequestId }),
    },
    headers: error.retryAfterSeconds === undefined ? {} : { 'Retry-After': String(error.retryAfterSeconds) },
  };
}

/** The answer for a provider-layer error, or undefined for anything else. */
export function providerProblemOf(error: unknown): ProblemAnswer | undefined {
  if (error instanceof ProviderError) return providerErrorProblem(error);
  if (error instanceof ResourceNotFoundError) {
    return {
      problem: { type: problemType('not-found'), title: 'Not found', status: 404, detail: error.message },
      headers: {},
    };
  }
  return undefined;
}
