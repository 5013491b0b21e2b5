// The handler factory: a route's contract (schemas for path, query and body) plus one call, wrapped
// in the middy stack every route shares. Order: header normaliser → event normaliser → JSON body →
// validation → (handler), with the problem+json error handler registered last so it runs first
// on the way out.
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import httpEventNormalizer from '@middy/http-event-normalizer';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import type * as z from 'zod';
import { type CallContext, callContextFrom } from '../call-context';
import { logger, metrics } from '../observability';
import {
  isProblemSource,
  type Problem,
  problemType,
  RequestValidationError,
  type ValidationIssue,
} from './problem';
import { type ProblemAnswer, providerProblemOf } from './provider-problem';
import { type HttpResult, securityHeaders } from './responses';

export interface RouteInput<Path, Query, Body> {
  path: Path;
  query: Query;
  body: Body;
  call: CallContext;
  /** The caller sent `Cache-Control: no-cache`: skip the cache read and refill it. */
  noCache: boolean;
  headers: Record<string, string | undefined>;
  /** The request path as received, e.g. `/tink/users/abc/enrollment`. */
  rawPath: string;
  /** This request's absolute URL without its query, as the caller addressed it. */
  requestUrl: string;
  /** The body's bytes exactly as sent (base64-decoded when API Gateway encoded them); empty without one. */
  rawBody: Buffer;
}

export interface RouteContract<Path, Query, Body> {
  /** Names the operation in logs and metrics, e.g. `tink.listCredentials`. */
  operation: string;
  path?: z.ZodType<Path>;
  query?: z.ZodType<Query>;
  body?: z.ZodType<Body>;
  /**
   * The request or response carries a credential (an authorization code, a token): the event is
   * never logged, whatever POWERTOOLS_LOGGER_LOG_EVENT says.
   */
  sensitive?: boolean;
  /**
   * For a route that creates or triggers something: `idempotentRequests()` from
   * lib/http/idempotency.ts, so it honours `Idempotency-Key`. Passed in by the route, not imported
   * here, so only those routes' bundles carry Powertools Idempotency. Never on the token and grant
   * routes: replaying a code or token would hand it out twice.
   */
  idempotency?: RouteMiddleware;
  /** The route never reads a body (the catch-all): none is size-checked or parsed. */
  ignoresBody?: boolean;
  /**
   * Leave the body unparsed, for routes that verify a signature over its bytes (webhooks): no JSON
   * parser, no body schema; the handler reads `rawBody`.
   */
  rawBody?: boolean;
  run: (input: RouteInput<Path, Query, Body>) => Promise<HttpResult>;
}

type HttpEvent = Omit<APIGatewayProxyEventV2, 'body'> & { body?: unknown };

/** A middleware a route adds to the shared stack (e.g. Idempotency-Key). */
export type RouteMiddleware = middy.MiddlewareObj<HttpEvent, HttpResult, Error, Context>;

interface Parsed {
  path: unknown;
  query: unknown;
  body: unknown;
}

function issuesFrom(location: ValidationIssue['location'], error: z.ZodError): ValidationIssue[] {
  return error.issues.map((issue) => ({ location, field: issue.path.join('.'), message: issue.message }));
}

/**
 * API Gateway joins a repeated query parameter's values with commas (`limit=5&limit=6` arrives as
 * `limit: "5,6"`); the raw query string still shows the repetition, so it is named as such.
 */
function repeatedQueryIssues(rawQueryString: string | undefined): ValidationIssue[] {
  const counts = new Map<string, number>();
  for (const name of new URLSearchParams(rawQueryString ?? '').keys()) {
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return [...counts]
    .filter(([, count]) => count > 1)
    .map(([name]) => ({ location: 'query', field: name, message: `${name} is given twice; give it once` }));
}

function validate(contract: RouteContract<unknown, unknown, unknown>, event: HttpEvent): Parsed {
  const issues: ValidationIssue[] = [];
  const repeated = repeatedQueryIssues(event.rawQueryString);
  const parse = (location: ValidationIssue['location'], schema: z.ZodType | undefined, input: unknown) => {
    if (!schema) return undefined;
    const result = schema.safeParse(input);
    if (result.success) return result.data;
    const found = issuesFrom(location, result.error);
    // A repeated parameter's joined value would fail its own rule too; the repetition is the issue.
    issues.push(
      ...(location === 'query'
        ? found.filter((issue) => !repeated.some((twice) => twice.field === issue.field))
        : found),
    );
    return undefined;
  };
  const missingBody =
    contract.body !== undefined && event.body === undefined && !contract.body.safeParse(undefined).success;
  const parsed = {
    path: parse('path', contract.path, event.pathParameters ?? {}),
    query: parse('query', contract.query, event.queryStringParameters ?? {}),
    body: missingBody ? undefined : parse('body', contract.body, event.body),
  };
  issues.push(...repeated);
  if (missingBody) issues.push({ location: 'body', field: '', message: 'A JSON body is required' });
  if (issues.length > 0) throw new RequestValidationError(issues);
  return parsed;
}

/**
 * The largest request body this API reads, in bytes. API Gateway would pass up to 10 MB, but the
 * largest body any route accepts (a refresh with every option) is a few kilobytes: 64 KiB leaves
 * ample room and keeps a hostile body from costing JSON parsing time and memory.
 */
export const maxBodyBytes = 64 * 1024;

function bodyBytes(event: HttpEvent): number {
  if (typeof event.body !== 'string') return 0;
  // A base64 body decodes to about three quarters of its length.
  return event.isBase64Encoded ? Math.floor((event.body.length * 3) / 4) : Buffer.byteLength(event.body);
}

/** Refuses an oversized body before anything parses it. */
function bodySizeLimit(): middy.MiddlewareObj<HttpEvent> {
  return {
    before: (request) => {
      if (bodyBytes(request.event) <= maxBodyBytes) return;
      throw new RequestValidationError(
        [{ location: 'body', field: '', message: `The body is larger than ${maxBodyBytes} bytes` }],
        413,
      );
    },
  };
}

/** JSON bodies are parsed only when there is one; an absent body is left for the schema to judge. */
function optionalJsonBody(enabled: boolean): middy.MiddlewareObj<HttpEvent> {
  const parser = httpJsonBodyParser();
  return {
    before: (request) => {
      if (!enabled) return;
      const body = request.event.body;
      if (body === undefined || body === null || body === '') {
        request.event.body = undefined;
        return;
      }
      try {
        // biome-ignore lint/suspicious/noExplicitAny: the parser's event type is the plain v1/v2 union
        return parser.before?.(request as any);
      } catch (error) {
        const status = (error as { statusCode?: number }).statusCode;
        if (status === 415) {
          throw new RequestValidationError(
            [{ location: 'header', field: 'content-type', message: 'The body must be application/json' }],
            415,
          );
        }
        throw new RequestValidationError([
          { location: 'body', field: '', message: 'The body is not valid JSON' },
        ]);
      }
    },
  };
}

function internalProblem(): Problem {
  return {
    type: problemType('internal'),
    title: 'Internal error',
    status: 500,
    detail: 'The request could not be completed. Quote the requestId when reporting it.',
  };
}

/**
 * The invocation ran out of time: middy answers in our place just before the Lambda times out
 * (deadlines keep this rare), or a table call was ended by the invocation's deadline (the SDK's
 * AbortError, caused by the deadline signal's TimeoutError: lib/deadline.ts).
 */
function isOutOfTime(error: unknown): boolean {
  const name = (error as Error | undefined)?.name;
  const cause = (error as { cause?: { package?: unknown; name?: unknown } } | undefined)?.cause;
  if (name === 'TimeoutError') return cause?.package === '@middy/core';
  return name === 'AbortError' && cause?.name === 'TimeoutError';
}

function timeoutProblem(): Problem {
  return {
    type: problemType('timeout'),
    title: 'The request ran out of time',
    status: 504,
    detail: 'The request could not be completed before the function timed out. Retry it.',
  };
}

function problemHandler(): middy.MiddlewareObj<HttpEvent, HttpResult, Error, Context> {
  return {
    onError: (request) => {
      const error = request.error;
      const known: ProblemAnswer | undefined = isProblemSource(error)
        ? { problem: error.toProblem(), headers: error.problemHeaders?.() ?? {} }
        : providerProblemOf(error);
      const problem = known?.problem ?? (isOutOfTime(error) ? timeoutProblem() : internalProblem());
      if (problem.status >= 500) logger.error('Request failed', { problem, error });
      else logger.info('Request rejected', { problem });
      request.response = {
        statusCode: problem.status,
        headers: {
          ...securityHeaders,
          'Content-Type': 'application/problem+json',
          'Cache-Control': 'no-store',
          'X-Request-ID': request.context.awsRequestId,
          ...known?.headers,
        },
        body: JSON.stringify({ ...problem, requestId: request.context.awsRequestId }),
      };
    },
  };
}

const loopbackHost = /^(?:127\.0\.0\.1|localhost|\[::1\])(?::\d+)?$/;

/**
 * The URL the caller used: the Host it sent (API Gateway only routes hosts it serves) and the raw
 * path. API Gateway always serves HTTPS; only the local stack, on a loopback host, speaks plain HTTP.
 */
function requestUrlOf(event: HttpEvent, headers: Record<string, string | undefined>): string {
  const host = headers.host ?? event.requestContext?.domainName ?? 'localhost';
  const scheme = headers['x-forwarded-proto'] ?? (loopbackHost.test(host) ? 'http' : 'https');
  return `${scheme}://${host}${event.rawPath ?? ''}`;
}

function wantsNoCache(headers: Record<string, string | undefined>): boolean {
  return (headers['cache-control'] ?? '')
    .split(',')
    .some((directive) => directive.trim().toLowerCase() === 'no-cache');
}

/** The body as bytes, for routes with `rawBody` (their body is never parsed). */
function rawBodyOf(event: HttpEvent): Buffer {
  if (typeof event.body !== 'string') return Buffer.alloc(0);
  return Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
}

export function createHandler<Path = undefined, Query = undefined, Body = undefined>(
  contract: RouteContract<Path, Query, Body>,
) {
  const stack = middy<HttpEvent, HttpResult, Error, Context>()
    .use(injectLambdaContext(logger, { resetKeys: true, ...(contract.sensitive ? { logEvent: false } : {}) }))
    .use(logMetrics(metrics))
    .use(httpHeaderNormalizer())
    .use(httpEventNormalizer());
  if (!contract.ignoresBody) stack.use(bodySizeLimit()).use(optionalJsonBody(!contract.rawBody));
  stack.use(problemHandler());
  // Last, so its `before` sees the parsed body and its `onError` releases the key before the
  // problem handler answers.
  if (contract.idempotency) stack.use(contract.idempotency);
  return stack.handler(async (event, context) => {
    logger.appendKeys({ operation: contract.operation });
    const parsed = validate(contract as RouteContract<unknown, unknown, unknown>, event);
    const headers = (event.headers ?? {}) as Record<string, string | undefined>;
    const result = await contract.run({
      path: parsed.path as Path,
      query: parsed.query as Query,
      body: parsed.body as Body,
      call: callContextFrom(context),
      noCache: wantsNoCache(headers),
      headers,
      rawPath: event.rawPath ?? '',
      requestUrl: requestUrlOf(event, headers),
      rawBody: contract.rawBody ? rawBodyOf(event) : Buffer.alloc(0),
    });
    return {
      ...result,
      headers: {
        ...securityHeaders,
        'Cache-Control': 'no-store',
        'X-Request-ID': context.awsRequestId,
        ...result.headers,
      },
    };
  });
}
