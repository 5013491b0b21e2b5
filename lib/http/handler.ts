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
import httpSecurityHeaders from '@middy/http-security-headers';
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
import type { HttpResult } from './responses';

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
   * Leave the body unparsed, for routes that verify a signature over its bytes (webhooks): no JSON
   * parser, no body schema; the handler reads `rawBody`.
   */
  rawBody?: boolean;
  run: (input: RouteInput<Path, Query, Body>) => Promise<HttpResult>;
}

type HttpEvent = Omit<APIGatewayProxyEventV2, 'body'> & { body?: unknown };

interface Parsed {
  path: unknown;
  query: unknown;
  body: unknown;
}

function issuesFrom(location: ValidationIssue['location'], error: z.ZodError): ValidationIssue[] {
  return error.issues.map((issue) => ({ location, field: issue.path.join('.'), message: issue.message }));
}

function validate(contract: RouteContract<unknown, unknown, unknown>, event: HttpEvent): Parsed {
  const issues: ValidationIssue[] = [];
  const parse = (location: ValidationIssue['location'], schema: z.ZodType | undefined, input: unknown) => {
    if (!schema) return undefined;
    const result = schema.safeParse(input);
    if (result.success) return result.data;
    issues.push(...issuesFrom(location, result.error));
    return undefined;
  };
  const parsed = {
    path: parse('path', contract.path, event.pathParameters ?? {}),
    query: parse('query', contract.query, event.queryStringParameters ?? {}),
    body: parse('body', contract.body, event.body),
  };
  if (issues.length > 0) throw new RequestValidationError(issues);
  return parsed;
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

/** Middy answers in our place just before the Lambda times out (provider deadlines keep this rare). */
function isInvocationTimeout(error: unknown): boolean {
  const cause = (error as { cause?: { package?: unknown } } | undefined)?.cause;
  return (error as Error | undefined)?.name === 'TimeoutError' && cause?.package === '@middy/core';
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
      const known = isProblemSource(error);
      const problem = known
        ? error.toProblem()
        : isInvocationTimeout(error)
          ? timeoutProblem()
          : internalProblem();
      if (problem.status >= 500) logger.error('Request failed', { problem, error });
      else logger.info('Request rejected', { problem });
      request.response = {
        statusCode: problem.status,
        headers: {
          'Content-Type': 'application/problem+json',
          'Cache-Control': 'no-store',
          'X-Request-ID': request.context.awsRequestId,
          ...(known ? (error.problemHeaders?.() ?? {}) : {}),
        },
        body: JSON.stringify({ ...problem, requestId: request.context.awsRequestId }),
      };
    },
  };
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
  return middy<HttpEvent, HttpResult, Error, Context>()
    .use(injectLambdaContext(logger, { resetKeys: true, ...(contract.sensitive ? { logEvent: false } : {}) }))
    .use(logMetrics(metrics))
    .use(httpHeaderNormalizer())
    .use(httpEventNormalizer())
    .use(httpSecurityHeaders())
    .use(optionalJsonBody(!contract.rawBody))
    .use(problemHandler())
    .handler(async (event, context) => {
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
        rawBody: contract.rawBody ? rawBodyOf(event) : Buffer.alloc(0),
      });
      return {
        ...result,
        headers: { 'Cache-Control': 'no-store', 'X-Request-ID': context.awsRequestId, ...result.headers },
      };
    });
}
