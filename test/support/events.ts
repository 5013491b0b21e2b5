// Builds API Gateway HTTP API (payload 2.0) events and Lambda contexts, so handler tests call the
// handler the way Lambda does, with no framework in between.
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';

export interface EventInput {
  method?: string;
  path?: string;
  routeKey?: string;
  pathParameters?: Record<string, string>;
  query?: Record<string, string>;
  /** The query as sent, when it differs from `query` (a repeated parameter API Gateway joined). */
  rawQueryString?: string;
  headers?: Record<string, string>;
  body?: unknown;
}

export function httpEvent(input: EventInput = {}): APIGatewayProxyEventV2 {
  const method = input.method ?? 'GET';
  const rawBody =
    input.body === undefined
      ? undefined
      : typeof input.body === 'string'
        ? input.body
        : JSON.stringify(input.body);
  const headers: Record<string, string> = { ...(input.headers ?? {}) };
  if (rawBody !== undefined && !Object.keys(headers).some((name) => name.toLowerCase() === 'content-type')) {
    headers['content-type'] = 'application/json';
  }
  const path = input.path ?? '/';
  return {
    version: '2.0',
    routeKey: input.routeKey ?? `${method} ${path}`,
    rawPath: path,
    rawQueryString: input.rawQueryString ?? new URLSearchParams(input.query ?? {}).toString(),
    headers,
    queryStringParameters: input.query,
    pathParameters: input.pathParameters,
    body: rawBody,
    isBase64Encoded: false,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: '127.0.0.1',
      domainPrefix: '127',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'vitest' },
      requestId: randomUUID(),
      routeKey: input.routeKey ?? `${method} ${path}`,
      stage: '$default',
      time: new Date().toISOString(),
      timeEpoch: Date.now(),
    },
  } as APIGatewayProxyEventV2;
}

export function lambdaContext(options: { remainingMs?: number; functionName?: string } = {}): Context {
  const startedMs = Date.now();
  const budgetMs = options.remainingMs ?? 10_000;
  const functionName = options.functionName ?? 'open-banking-users-test';
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:eu-west-1:000000000000:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'test',
    getRemainingTimeInMillis: () => Math.max(0, budgetMs - (Date.now() - startedMs)),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export interface HandlerResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  json: <T = Record<string, unknown>>() => T;
}

type AnyHandler = (event: never, context: Context) => Promise<unknown>;

/** Invokes a handler with an event and returns its response with a JSON helper. */
export async function invoke(
  handler: AnyHandler,
  input: EventInput = {},
  context = lambdaContext(),
): Promise<HandlerResponse> {
  const response = (await handler(httpEvent(input) as never, context)) as Omit<HandlerResponse, 'json'>;
  return { ...response, json: <T>() => (response.body ? JSON.parse(response.body) : undefined) as T };
}
