// What one failed attempt at a provider call means: the failure, whether it may be tried again, the
// provider's ids and Retry-After, and the words our caller reads. Those words are our own; only a
// 4xx message of the provider's is passed on, redacted like a log line and bounded.
import { redactSecrets } from '../observability';
import type { ProviderName } from '../provider-name';
import { ResponseTooLargeError } from './capped-body';
import type { ProviderErrorBody } from './error-body';
import { failureForStatus, ProviderError, ProviderFailure } from './errors';
import { parseRetryAfterSeconds } from './retry-after';

export interface AttemptFailureDetails {
  failure: ProviderFailure;
  detail: string;
  retryable: boolean;
  status?: number;
  providerRequestId?: string;
  providerCode?: string;
  retryAfterSeconds?: number;
  cause?: unknown;
}

/** An attempt's failure as a value, so the retry loop can decide before anything is thrown. */
export class AttemptFailure {
  constructor(readonly details: AttemptFailureDetails) {}
}

/** What the provider answered, before any meaning is given to it. */
export interface ProviderAnswer {
  status: number;
  text: string;
  providerRequestId?: string;
}

const retryableStatuses = new Set([429, 502, 503, 504]);
const maxProviderMessageLength = 300;

export function failureOfAnswer(
  answer: ProviderAnswer,
  retryAfter: string | null,
  nowMs: number,
  parseErrorBody: (text: string) => ProviderErrorBody,
): AttemptFailureDetails {
  const errorBody = safely(parseErrorBody, answer.text);
  return {
    failure: failureForStatus(answer.status),
    detail: describe(answer.status, errorBody),
    retryable: retryableStatuses.has(answer.status),
    status: answer.status,
    providerRequestId: answer.providerRequestId ?? errorBody.requestId,
    providerCode: errorBody.code,
    retryAfterSeconds: parseRetryAfterSeconds(retryAfter, nowMs),
  };
}

/** An attempt that brought no usable answer: a body over the cap, a timeout, or the network. */
export function failureOfUnanswered(
  error: unknown,
  timeoutMs: number,
  deadlinePassed: boolean,
): AttemptFailureDetails {
  if (error instanceof ResponseTooLargeError) {
    // Not retried: the same request would bring the same body.
    return {
      failure: ProviderFailure.badResponse,
      detail: `The provider's response exceeded ${error.maxBytes} bytes`,
      retryable: false,
      cause: error,
    };
  }
  const name = (error as Error)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') {
    return {
      failure: ProviderFailure.timeout,
      detail: `The provider did not answer within ${timeoutMs} ms`,
      retryable: !deadlinePassed,
      cause: error,
    };
  }
  return {
    failure: ProviderFailure.unavailable,
    detail: 'The provider could not be reached or dropped the connection',
    retryable: true,
    cause: error,
  };
}

export function providerErrorOf(
  provider: ProviderName,
  operation: string,
  details: AttemptFailureDetails,
): ProviderError {
  return new ProviderError({
    provider,
    operation,
    failure: details.failure,
    detail: details.detail,
    providerStatus: details.status,
    providerRequestId: details.providerRequestId,
    providerCode: details.providerCode,
    // Whole seconds between 1 and maxRetryAfterSeconds (parseRetryAfterSeconds bounds the top).
    retryAfterSeconds:
      details.failure === ProviderFailure.rateLimited
        ? Math.max(1, details.retryAfterSeconds ?? 1)
        : undefined,
    cause: details.cause,
  });
}

function safely(parseErrorBody: (text: string) => ProviderErrorBody, text: string): ProviderErrorBody {
  try {
    return parseErrorBody(text);
  } catch {
    return {};
  }
}

function describe(status: number, body: ProviderErrorBody): string {
  if (status === 401 || status === 403) {
    return `The provider refused this service's credentials (status ${status}); the caller is not at fault`;
  }
  if (status === 429) return 'The provider is rate limiting this service; retry later';
  if (status >= 500) return `The provider failed (status ${status})`;
  // A 4xx message may quote what the provider was sent, tokens included.
  const message =
    body.message === undefined ? '' : redactSecrets(body.message).slice(0, maxProviderMessageLength);
  return message ? `The provider answered ${status}: ${message}` : `The provider answered ${status}`;
}
