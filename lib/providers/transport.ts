// The one HTTP transport for both providers: a deadline per call derived from the invocation (never
// outliving the Lambda), retries with exponential backoff and jitter for calls that are safe
// to repeat, Retry-After honoured up to a cap, the provider's request id captured for errors and
// logs. Headers and bodies are never logged: they carry tokens and personal data.
import type * as z from 'zod';
import type { CallContext } from '../call-context';
import { countMetric, logger, redactSecrets, timingMetric } from '../observability';
import { ResponseTooLargeError, readCappedText } from './capped-body';
import { failureForStatus, ProviderError, ProviderFailure, type ProviderName } from './errors';
import { parseRetryAfterSeconds } from './retry-after';

export interface ProviderErrorBody {
  message?: string;
  code?: string;
  requestId?: string;
}

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

export type RequestBody = { json: unknown } | { form: Record<string, string | string[] | undefined> };

export interface ProviderRequest {
  /** Names the call in logs, metrics and errors, e.g. `listCredentials`. */
  operation: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path under the base URL; every id in it must already be encoded (see `encodePathSegment`). */
  path: string;
  query?: Record<string, string | string[] | undefined>;
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

export interface ProviderResponse {
  status: number;
  text: string;
  providerRequestId?: string;
  /**
   * An earlier attempt of this request got no answer or a 5xx: it may have acted with its answer
   * lost. Only the operation knows what that makes of this answer (see `lost-answer.ts`).
   */
  mayFollowLostAnswer: boolean;
}

const retryableStatuses = new Set([429, 502, 503, 504]);
const maxErrorDetailLength = 300;

export function encodePathSegment(segment: string): string {
  return encodeURIComponent(segment);
}

function encodeBody(body: RequestBody | undefined): { contentType?: string; payload?: string } {
  if (!body) return {};
  if ('json' in body) return { contentType: 'application/json', payload: JSON.stringify(body.json) };
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries(body.form)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) form.append(key, item);
  }
  return { contentType: 'application/x-www-form-urlencoded', payload: form.toString() };
}

interface AttemptFailureDetails {
  failure: ProviderFailure;
  detail: string;
  retryable: boolean;
  status?: number;
  providerRequestId?: string;
  providerCode?: string;
  retryAfterSeconds?: number;
  cause?: unknown;
}

class AttemptFailure {
  constructor(readonly details: AttemptFailureDetails) {}
}

export class ProviderTransport {
  private readonly fetch: typeof fetch;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: TransportOptions) {
    this.fetch = options.fetch ?? globalThis.fetch;
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
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
    throw this.toError(request, last as AttemptFailureDetails);
  }

  /** Sends the request and parses a JSON body with the schema; a body that fails it is a provider fault. */
  async json<Schema extends z.ZodType>(request: ProviderRequest, schema: Schema): Promise<z.output<Schema>> {
    const response = await this.send(request);
    return this.parse(request, response, schema);
  }

  /**
   * Sends a request whose success needs no body (a 204 in the contract). A body that comes anyway
   * must still be well-formed JSON (any JSON is accepted): a success with a corrupted body leaves
   * what happened unknown, so the caller must not hear that it worked.
   */
  async acknowledged(request: ProviderRequest): Promise<ProviderResponse> {
    const response = await this.send(request);
    const succeeded = response.status >= 200 && response.status < 300;
    if (succeeded && response.text.trim() !== '') this.parseJsonText(request, response);
    return response;
  }

  parse<Schema extends z.ZodType>(
    request: ProviderRequest,
    response: ProviderResponse,
    schema: Schema,
  ): z.output<Schema> {
    const parsed = this.parseJsonText(request, response);
    const result = schema.safeParse(parsed);
    if (!result.success) {
      const where = result.error.issues
        .slice(0, 3)
        .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
        .join('; ');
      throw this.badResponse(
        request,
        response,
        `The provider's response did not match its schema (${where})`,
        result.error,
      );
    }
    return result.data;
  }

  private parseJsonText(request: ProviderRequest, response: ProviderResponse): unknown {
    try {
      return JSON.parse(response.text);
    } catch {
      // Not the parser's own error: its message quotes the start of the body, which may be a token.
      const cause = new SyntaxError(`Malformed JSON in a body of ${response.text.length} characters`);
      throw this.badResponse(request, response, 'The provider answered with malformed JSON', cause);
    }
  }

  private badResponse(request: ProviderRequest, response: ProviderResponse, detail: string, cause: unknown) {
    return new ProviderError({
      provider: this.options.provider,
      operation: request.operation,
      failure: ProviderFailure.badResponse,
      detail,
      providerStatus: response.status,
      providerRequestId: response.providerRequestId,
      cause,
    });
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

  private async attempt(
    request: ProviderRequest,
    attempt: number,
  ): Promise<Omit<ProviderResponse, 'mayFollowLostAnswer'> | AttemptFailure> {
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
    const url = new URL(this.options.baseUrl.replace(/\/$/, '') + request.path);
    for (const [key, value] of Object.entries(request.query ?? {})) {
      if (value === undefined) continue;
      for (const item of Array.isArray(value) ? value : [value]) url.searchParams.append(key, item);
    }
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
        this.failureOf(
          { status: response.status, text, providerRequestId },
          response.headers.get('retry-after'),
        ),
      );
    } catch (error) {
      const durationMs = this.now() - startedMs;
      if (error instanceof ResponseTooLargeError) {
        countMetric('ProviderResponseTooLarge', { provider: this.options.provider });
        logger.warn('Provider response too large', { ...logFields, durationMs, maxBytes: error.maxBytes });
        // Not retried: the same request would bring the same body.
        return new AttemptFailure({
          failure: ProviderFailure.badResponse,
          detail: `The provider's response exceeded ${error.maxBytes} bytes`,
          retryable: false,
          cause: error,
        });
      }
      const timedOut = (error as Error)?.name === 'TimeoutError' || (error as Error)?.name === 'AbortError';
      const deadlinePassed = this.now() >= request.call.deadlineAtMs;
      logger.warn('Provider call failed', {
        ...logFields,
        durationMs,
        reason: timedOut ? 'timeout' : 'network',
        error: (error as Error)?.message,
      });
      if (timedOut) {
        return new AttemptFailure({
          failure: ProviderFailure.timeout,
          detail: `The provider did not answer within ${timeoutMs} ms`,
          retryable: !deadlinePassed,
          cause: error,
        });
      }
      return new AttemptFailure({
        failure: ProviderFailure.unavailable,
        detail: 'The provider could not be reached or dropped the connection',
        retryable: true,
        cause: error,
      });
    }
  }

  /**
   * The error the transport would have thrown for a response the caller let through with
   * `passStatuses` and then decided not to handle after all (e.g. a fallback that also failed).
   */
  errorFor(request: ProviderRequest, response: ProviderResponse): ProviderError {
    return this.toError(request, this.failureOf(response, null));
  }

  private failureOf(
    response: Omit<ProviderResponse, 'mayFollowLostAnswer'>,
    retryAfter: string | null,
  ): AttemptFailureDetails {
    const errorBody = this.safeParseErrorBody(response.text);
    return {
      failure: failureForStatus(response.status),
      detail: this.describe(response.status, errorBody),
      retryable: retryableStatuses.has(response.status),
      status: response.status,
      providerRequestId: response.providerRequestId ?? errorBody.requestId,
      providerCode: errorBody.code,
      retryAfterSeconds: parseRetryAfterSeconds(retryAfter, this.now()),
    };
  }

  private safeParseErrorBody(text: string): ProviderErrorBody {
    try {
      return this.options.parseErrorBody(text);
    } catch {
      return {};
    }
  }

  private describe(status: number, body: ProviderErrorBody): string {
    if (status === 401 || status === 403) {
      return `The provider refused this service's credentials (status ${status}); the caller is not at fault`;
    }
    if (status === 429) return 'The provider is rate limiting this service; retry later';
    if (status >= 500) return `The provider failed (status ${status})`;
    // The provider's own words, after the log redaction and bounded: a 4xx message may quote what
    // it was sent, tokens included.
    const message =
      body.message === undefined ? '' : redactSecrets(body.message).slice(0, maxErrorDetailLength);
    return message ? `The provider answered ${status}: ${message}` : `The provider answered ${status}`;
  }

  private toError(request: ProviderRequest, last: AttemptFailureDetails): ProviderError {
    return new ProviderError({
      provider: this.options.provider,
      operation: request.operation,
      failure: last.failure,
      detail: last.detail,
      providerStatus: last.status,
      providerRequestId: last.providerRequestId,
      providerCode: last.providerCode,
      retryAfterSeconds:
        last.failure === ProviderFailure.rateLimited ? (last.retryAfterSeconds ?? 1) : undefined,
      cause: last.cause,
    });
  }
}
