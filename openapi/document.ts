// Builds the OpenAPI 3.1 document from the route specs (routes.ts) with zod-openapi, which reads zod 4's
// own JSON Schema conversion: the schemas the handlers validate with are the schemas described.
// Build and test time only (npm run openapi): no handler imports this module.
import * as z from 'zod';
import {
  createDocument,
  type ZodOpenApiOperationObject,
  type ZodOpenApiPathsObject,
  type ZodOpenApiResponseObject,
} from 'zod-openapi';
import { apiScopes } from '../local/dev-token';
import { pathParameterExamples } from './examples';
import { Access, type ApiRoute } from './routes';
import { authorizerRefusal, headers, idempotencyKey, problem, providerSchemas } from './schemas';

export const securitySchemeName = 'jwt';

const problemContent = { 'application/problem+json': { schema: problem } };

const problemResponse = (
  id: string,
  description: string,
  extraHeaders: Record<string, z.ZodType> = {},
): ZodOpenApiResponseObject => ({
  id,
  description,
  headers: z.object({ 'X-Request-ID': headers.requestId, ...extraHeaders }),
  content: problemContent,
});

/** Every error response this API can give, registered once and referenced by status. */
const errorResponses = {
  400: problemResponse(
    'InvalidRequest',
    'The request was refused before any provider call; `issues` says why.',
  ),
  401: {
    id: 'Unauthorized',
    description:
      "No valid bearer token. API Gateway's JWT authorizer answers with its own body, not problem+json (an HTTP API cannot change it).",
    content: { 'application/json': { schema: authorizerRefusal } },
  },
  403: {
    id: 'Forbidden',
    description: "The token lacks the route's scope. API Gateway's own body, as for 401.",
    content: { 'application/json': { schema: authorizerRefusal } },
  },
  404: problemResponse('NotFound', 'Not found (at the provider, or here), or a path this API does not have.'),
  405: problemResponse(
    'MethodNotAllowed',
    'The path exists, the method does not; `Allow` lists the methods.',
    {
      Allow: headers.allow,
    },
  ),
  409: problemResponse(
    'Conflict',
    'A conflict at the provider, or a request with the same `Idempotency-Key` is still in progress.',
  ),
  413: problemResponse('PayloadTooLarge', 'The body is over 64 KiB; it was refused before parsing.'),
  415: problemResponse('UnsupportedMediaType', 'The body must be `application/json`.'),
  422: problemResponse(
    'Unprocessable',
    'The provider could not process the request, or the `Idempotency-Key` was used with another body.',
  ),
  429: problemResponse(
    'RateLimited',
    'The provider is rate limiting; retry after `Retry-After` seconds if given.',
    {
      'Retry-After': headers.retryAfter.optional(),
    },
  ),
  503: problemResponse(
    'Unavailable',
    "A dependency (the table, the provider's key set) is unavailable; the provider may deliver again.",
  ),
  500: problemResponse('InternalError', 'An error in this service; quote the `requestId`.'),
  502: problemResponse(
    'BadGateway',
    'The provider failed, refused this service, or sent an invalid response.',
  ),
  504: problemResponse(
    'Timeout',
    'The provider or this function ran out of time; retrying is safe for reads.',
  ),
} satisfies Record<number, ZodOpenApiResponseObject>;
type ErrorStatus = keyof typeof errorResponses;

/** A webhook whose signature, timestamp or token failed: one answer, never saying which part. */
const webhookRefusal = problemResponse(
  'WebhookUnauthenticated',
  'The signature (Tink) or the signed token (Moneyhub) could not be verified; which check failed is not said.',
);

function errorStatusesOf(route: ApiRoute): ErrorStatus[] {
  if (route.staticPage) return [500];
  // A webhook reads its body as bytes (no JSON parser: no 415) and refuses with its own 401 problem.
  if (route.signedWebhook) return [400, 413, 500, 503];
  // Every other route parses a JSON body whenever one is sent: a malformed one is a 400, another
  // media type a 415, one over the size limit a 413.
  const statuses: ErrorStatus[] = [400, 413, 415, 500, 504];
  if (route.access !== Access.public) statuses.push(401, 403);
  if (route.callsProvider || route.request?.path) statuses.push(404);
  if (route.callsProvider) statuses.push(409, 422, 429, 502);
  if (route.idempotent) statuses.push(409, 422);
  return [...new Set(statuses)].sort();
}

function successResponses(route: ApiRoute): Record<string, ZodOpenApiResponseObject> {
  const responses: Record<string, ZodOpenApiResponseObject> = {};
  for (const success of route.success) {
    const cacheHeaders = route.cached ? { 'Cache-Status': headers.cacheStatus, Age: headers.age } : {};
    responses[String(success.status)] = {
      description: success.description,
      headers: z.object({
        'Cache-Control': headers.cacheControl,
        'X-Request-ID': headers.requestId,
        ...cacheHeaders,
      }),
      ...(success.schema || success.contentType
        ? {
            content: {
              [success.contentType ?? 'application/json']: {
                schema: success.schema ?? z.string(),
                ...(success.example === undefined ? {} : { example: success.example }),
              },
            },
          }
        : {}),
    };
  }
  return responses;
}

const cacheBypassHeader = z
  .literal('no-cache')
  .meta({ description: 'Skip the cached response and refill it from the provider.' });

function operationOf(route: ApiRoute): ZodOpenApiOperationObject {
  const requestHeaders = {
    ...(route.cached ? { 'Cache-Control': cacheBypassHeader.optional() } : {}),
    ...(route.idempotent ? { 'Idempotency-Key': idempotencyKey.optional() } : {}),
  };
  const responses = successResponses(route);
  for (const status of errorStatusesOf(route)) responses[String(status)] = errorResponses[status];
  if (route.signedWebhook) responses['401'] = webhookRefusal;
  return {
    operationId: route.operationId,
    tags: [route.tag],
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    security: route.access === Access.public ? [] : [{ [securitySchemeName]: [apiScopes[route.access]] }],
    requestParams: {
      ...(route.request?.path ? { path: route.request.path } : {}),
      ...(route.request?.query ? { query: route.request.query } : {}),
      ...(Object.keys(requestHeaders).length > 0 ? { header: z.object(requestHeaders) } : {}),
    },
    ...(route.signedWebhook
      ? {
          requestBody: {
            required: true,
            content: {
              [route.signedWebhook.contentType]: {
                schema: z.string().meta({ description: route.signedWebhook.description }),
              },
            },
          },
        }
      : {}),
    ...(route.request?.body
      ? {
          requestBody: {
            required: route.request.bodyRequired ?? false,
            content: {
              'application/json': {
                schema: route.request.body,
                ...(route.request.bodyExample === undefined ? {} : { example: route.request.bodyExample }),
              },
            },
          },
        }
      : {}),
    responses,
  };
}

/** The demo ids as path parameter examples, by the path's provider. */
function addPathParameterExamples(document: ReturnType<typeof createDocument>): void {
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    const provider = path.startsWith('/moneyhub/')
      ? 'moneyhub'
      : path.startsWith('/tink/')
        ? 'tink'
        : undefined;
    if (!provider) continue;
    const examples: Record<string, string> = pathParameterExamples[provider];
    for (const operation of Object.values(item)) {
      for (const parameter of (operation as { parameters?: unknown[] }).parameters ?? []) {
        const param = parameter as { in?: string; name?: string; example?: unknown };
        if (param.in === 'path' && param.name && examples[param.name]) param.example = examples[param.name];
      }
    }
  }
}

export interface DocumentOptions {
  version: string;
}

export function buildOpenApiDocument(routes: readonly ApiRoute[], options: DocumentOptions) {
  const paths: ZodOpenApiPathsObject = {};
  for (const route of routes) {
    paths[route.path] = { ...paths[route.path], [route.method]: operationOf(route) };
  }
  const document = createDocument({
    openapi: '3.1.0',
    info: {
      title: 'open-banking-users',
      version: options.version,
      summary: 'One HTTP API over Tink and Moneyhub user management, with a cache in front of the providers.',
      description: [
        'Every error is `application/problem+json` (RFC 9457) written by this service, except 401 and 403,',
        "which API Gateway's JWT authorizer answers itself. A path this API does not have is a 404 problem;",
        'a known path with another method a 405 problem with `Allow`.',
        '',
        'Reads are cached: `Cache-Status` (RFC 9211) and `Age` say how; send `Cache-Control: no-cache` to',
        'skip the cache. See docs/cache.md and docs/providers.md in the repository.',
      ].join('\n'),
    },
    servers: [{ url: '/', description: 'This deployment (the origin serving /docs)' }],
    tags: [
      { name: 'Tink', description: 'Tink users, credentials, grants and tokens.' },
      { name: 'Moneyhub', description: 'Moneyhub users, connections and syncs.' },
      { name: 'Enrolment', description: 'Which users the scheduled refresh keeps up to date.' },
      { name: 'Service', description: 'Health and this description.' },
      { name: 'Webhooks', description: 'Events the providers send; authenticated by their signatures.' },
    ],
    paths,
    components: {
      securitySchemes: {
        [securitySchemeName]: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: `A JWT from the stage's issuer. Each operation lists the scope it needs: ${Object.values(apiScopes).join(', ')}. Locally: \`npm run -s token\`.`,
        },
      },
      schemas: providerSchemas,
      responses: { NotFound: errorResponses[404], MethodNotAllowed: errorResponses[405] },
    },
  });
  addPathParameterExamples(document);
  return document;
}
