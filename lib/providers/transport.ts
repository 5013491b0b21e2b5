// The one HTTP transport for both providers: attempts and the retry policy. A deadline per call
// derived from the invocation (never outliving the Lambda), retries with exponential backoff and
// jitter for calls that are safe to repeat, Retry-After honoured up to a cap, the call's request gate
// (if any) passed on every attempt, bodies read up to a byte cap. Headers and bodies are never
// logged: they carry tokens and personal data. What an answer means lives beside it:
// attempt-failure.ts (failures and their words), response-decoding.ts (schemas), lost-answer.ts.
import { setTimeout as sleep } from 'node:timers/promises';
import type * as z from 'zod';
import type { CallContext } from '../call-context';
import type { CoreConfig } from '../config';
import { countMetric, logger, timingMetric } from '../observability';
import type { ProviderName } from '../provider-name';
import {
  AttemptFailure,
  type AttemptFailureDetails,
  failureOfAnswer,
  failureOfUnanswered,
  type ProviderAnswer,
  providerErrorOf,
} from './attempt-failure';
import { ResponseTooLargeError, readCappedText } from './capped-body';
import type { ProviderErrorBody } from './error-body';
import { type ProviderError, ProviderFailure } from './errors';
import { encodeBody, type QueryParameters, type RequestBody, requestUrl } from './request-encoding';
import { checkAcknowledgement, decodeJson } from './response-decoding';

export interface TransportOptions {
  provider: ProviderName;
  baseUrl: string;
  /** Header that carries our request id to the provider (e.g. Tink's `X-Client-Trace-ID`). */
  traceHeader?: string;
  /** Reads the provider's error body shape(s); must tolerate anything, including plain text. */
  parseErrorBody: (text: string) => ProviderErrorBody;
  maxAttempts: number;
  attemptTimeoutMs: number;
  retryBaseMs: number;
  retryAfterCapSeconds: number;
  /** Bodies longer than this (bytes) are refused unread as a bad response. */
  maxBodyBytes: number;
  fetch?: typeof fetch;
  /** Epoch ms; with `random` and `sleep`, what lets a test drive the waits. */
  now?: () => number;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** The retry, timeout and size settings, as every provider client takes them from the core configuration. */
export function transportSettingsFrom(
  core: CoreConfig,
): Pick<
  TransportOptions,
  'maxAttempts' | 'attemptTimeoutMs' | 'retryBaseMs' | 'retryAfterCapSeconds' | 'maxBodyBytes'
> {
  return {
    maxAttempts: core.PROVIDER_MAX_ATTEMPTS,
    attemptTimeoutMs: core.PROVIDER_ATTEMPT_TIMEOUT_MS,
    retryBaseMs: core.PROVIDER_RETRY_BASE_MS,
    retryAfterCapSeconds: core.PROVIDER_RETRY_AFTER_CAP_SECONDS,
    maxBodyBytes: core.PROVIDER_MAX_BODY_BYTES,
  };
}

export interface ProviderRequest {
  /** Names the call in logs, metrics and errors, e.g. `listCredentials`. */
  operation: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path under the base URL; every id in it must already be encoded (see `encodePathSegment`). */
  path: string;
  query?: QueryParameters;
  headers?: Record<string, string>;
  body?: RequestBody;
  /**
   * Builds the body anew for every attempt, instead of `body`: for a body that must not be sent
   * twice, such as a client assertion whose `jti` the provider accepts only once.
   */
  bodyForAttempt?: () => RequestBody | Promise<RequestBody>;
  call: CallContext;
  /**
   * Whether a failed attempt may be repeated: true for GET/DELETE; for a POST only with an
   * Idempotency-Key; never for an authorization-code exchange (the code is single-use).
   */
  retry: boolean;
  idempotencyKey?: string;
  /**
   * A 429 here limits this one resource (e.g. Moneyhub's "synced too recently" per connection), not
   * the client: the request gate is not paused for everyone.
   */
  rateLimitsResourceOnly?: boolean;
  /** Statuses the caller handles itself instead of receiving a ProviderError (e.g. 404 for a fallback). */
  passStatuses?: number[];
}

export interface ProviderResponse extends ProviderAnswer {
  /**
   * An earlier attempt of this request got no answer or a 5xx: it may have acted with its answer
   * lost. Only the operation knows what that makes of this answer (see `lost-answer.ts`).
   */
  mayFollowLostAnswer: boolean;
}

export class ProviderTransport {
  private readonly fetch: typeof fetch;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: TransportOptions) {
    this.fetch = options.fetch ?? globalThis.fetch;
    // Looked up at each call, not captured: a test's fake clock replaces the global Date.
    this.now = options.now ?? (() => Date.now());
    this.random = options.random ?? Math.random;
    this.sleep = options.sleep ?? ((ms) => sleep(ms));
  }

  get provider(): ProviderName {
    return this.options.provider;
  }

  async send(request: ProviderRequest): Promise<ProviderResponse> {
    const maxAttempts = request.retry ? this.options.maxAttempts : 1;
    let last: AttemptFailureDetails | undefined;
    let mayFollowLostAnswer = false;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const gate = request.call.requestGate;
      const outcome = gate
        ? await gate.run(() => this.attempt(request, attempt))
        : await this.attempt(request, attempt);
      if (!(outcome instanceof AttemptFailure)) return { ...outcome, mayFollowLostAnswer };
      last = outcome.details;
      if (last.status === undefined || last.status >= 500) mayFollowLostAnswer = true;
      if (last.status === 429 && !request.rateLimitsResourceOnly) {
        gate?.rateLimited((last.retryAfterSeconds ?? 1) * 1000);
      }
      if (!last.retryable || attempt === maxAttempts) break;
      const waitMs = this.backoffMs(attempt, last.retryAfterSeconds);
      if (waitMs === undefined || this.now() + waitMs >= request.call.deadlineAtMs) break;
      await this.sleep(waitMs);
    }
    throw providerErrorOf(this.options.provider, request.operation, last as AttemptFailureDetails);
  }

  /** Sends the request and parses a JSON body with the schema; a body that fails it is a provider fault. */
  async json<Schema extends z.ZodType>(request: ProviderRequest, schema: Schema): Promise<z.output<Schema>> {
    const response = await this.send(request);
    return decodeJson({ provider: this.options.provider, operation: request.operation }, response, schema);
  }

  /**
   * Sends a request whose success needs no body (a 204 in the contract). A body that comes anyway
   * must still be well-formed JSON (any JSON is accepted).
   */
  async acknowledged(request: ProviderRequest): Promise<ProviderResponse> {
    const response = await this.send(request);
    checkAcknowledgement({ provider: this.options.provider, operation: request.operation }, response);
    return response;
  }

  /**
   * The wait before attempt `attempt + 1`: exponential, jittered between half and the whole of the
   * step (full jitter could retry at once). A Retry-After is honoured, but never shorter than that
   * half step; one longer than the cap is the caller's to wait (undefined: answer 429 instead).
   */
  private backoffMs(attempt: number, retryAfterSeconds: number | undefined): number | undefined {
    const stepMs = this.options.retryBaseMs * 2 ** (attempt - 1);
    const minimumMs = stepMs / 2;
    if (retryAfterSeconds === undefined) return minimumMs + this.random() * (stepMs - minimumMs);
    if (retryAfterSeconds > this.options.retryAfterCapSeconds) return undefined;
    return Math.max(minimumMs, retryAfterSeconds * 1000);
  }

  private async attempt(request: ProviderRequest, attempt: number): Promise<ProviderAnswer | AttemptFailure> {
    const startedMs = this.now();
    const remainingMs = request.call.deadlineAtMs - startedMs;
    if (remainingMs <= 0) {
      return new AttemptFailure({
        failure: ProviderFailure.timeout,
        detail: 'The deadline passed before the provider answered',
        retryable: false,
      });
    }
    const timeoutMs = Math.min(this.options.attemptTimeoutMs, remainingMs);
    const url = requestUrl(this.options.baseUrl, request.path, request.query);
    const { contentType, payload } = encodeBody(
      request.bodyForAttempt ? await request.bodyForAttempt() : request.body,
    );
    const headers: Record<string, string> = { Accept: 'application/json', ...request.headers };
    if (contentType) headers['Content-Type'] = contentType;
    if (this.options.traceHeader) headers[this.options.traceHeader] = request.call.requestId;
    if (request.idempotencyKey) headers['Idempotency-Key'] = request.idempotencyKey;

    const logFields = {
      provider: this.options.provider,
      operation: request.operation,
      method: request.method,
      path: url.pathname,
      attempt,
    };
    try {
      const response = await this.fetch(url, {
        method: request.method,
        headers,
        body: payload,
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'error',
      });
      const text = await readCappedText(response, this.options.maxBodyBytes);
      const durationMs = this.now() - startedMs;
      const providerRequestId = response.headers.get('x-request-id') ?? undefined;
      timingMetric('ProviderLatency', durationMs, {
        provider: this.options.provider,
        status: String(response.status),
      });
      logger.info('Provider call', { ...logFields, status: response.status, durationMs, providerRequestId });
      if (response.ok || request.passStatuses?.includes(response.status)) {
        return { status: response.status, text, providerRequestId };
      }
      return new AttemptFailure(
        failureOfAnswer(
          { status: response.status, text, providerRequestId },
          response.headers.get('retry-after'),
          this.now(),
          this.options.parseErrorBody,
        ),
      );
    } catch (error) {
      const details = failureOfUnanswered(error, timeoutMs, this.now() >= request.call.deadlineAtMs);
      const durationMs = this.now() - startedMs;
      if (error instanceof ResponseTooLargeError) {
        countMetric('ProviderResponseTooLarge', { provider: this.options.provider });
        logger.warn('Provider response too large', { ...logFields, durationMs, maxBytes: error.maxBytes });
      } else {
        logger.warn('Provider call failed', {
          ...logFields,
          durationMs,
          reason: details.failure,
          error: (error as Error)?.message,
        });
      }
      return new AttemptFailure(details);
    }
  }

  /**
   * The error the transport would have thrown for a response the caller let through with
   * `passStatuses` and then decided not to handle after all (e.g. a fallback that also failed).
   */
  errorFor(request: ProviderRequest, response: ProviderResponse): ProviderError {
    const details = failureOfAnswer(response, null, this.now(), this.options.parseErrorBody);
    return providerErrorOf(this.options.provider, request.operation, details);
  }
}
