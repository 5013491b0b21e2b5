// Schemas that exist only to describe this API: the problem+json body, the bodies this API shapes
// itself (the provider pass-through bodies come from lib/providers/*/schemas.ts) and the headers.
// Nothing here is imported by a handler, so none of it reaches a Lambda bundle.
import * as z from 'zod';
import {
  connectionSyncList,
  moneyhubUser,
  userConnection,
  userConnectionList,
} from '../lib/providers/moneyhub/schemas';
import { tinkCredential, tinkCredentialList } from '../lib/providers/tink/schemas';

const validationIssue = z
  .strictObject({
    location: z.enum(['path', 'query', 'body', 'header']),
    field: z.string().max(200).meta({ description: 'Dotted path of the field; empty for the whole body.' }),
    message: z.string().max(200),
  })
  .meta({ id: 'ValidationIssue' });

/** RFC 9457 problem details, as lib/http/problem.ts and lib/providers/errors.ts write them. */
export const problem = z
  .looseObject({
    type: z.url().meta({ example: 'https://open-banking-users.dev/problems/invalid-request' }),
    title: z.string(),
    status: z.number().int().min(400).max(599),
    detail: z.string().meta({ description: 'Written by this service; never a provider’s own text.' }),
    requestId: z.string().optional().meta({ description: 'Quote it when reporting a problem.' }),
    issues: z
      .array(validationIssue)
      .max(10)
      .optional()
      .meta({ description: 'Invalid requests: what was refused, at most ten entries.' }),
    provider: z.enum(['tink', 'moneyhub']).optional().meta({ description: 'Provider failures: which one.' }),
    providerStatus: z
      .number()
      .int()
      .optional()
      .meta({ description: 'The HTTP status the provider answered.' }),
    providerRequestId: z.string().optional(),
  })
  .meta({
    id: 'Problem',
    description: 'RFC 9457 problem details. Further members may be added; clients must ignore unknown ones.',
  });

/** The body API Gateway's JWT authorizer sends on 401/403: its own, not problem+json (an HTTP API cannot change it). */
export const authorizerRefusal = z
  .looseObject({ message: z.string().meta({ example: 'Unauthorized' }) })
  .meta({ id: 'AuthorizerRefusal' });

export const tinkUser = z
  .strictObject({
    userId: z.string(),
    externalUserId: z.string().nullable(),
  })
  .meta({ id: 'TinkUser' });

export const tinkAuthorizationCode = z
  .strictObject({
    code: z.string().meta({ description: 'Single use, short-lived: exchange it at POST /tink/oauth/token.' }),
  })
  .meta({ id: 'TinkAuthorizationCode' });

export const tinkUserAccessToken = z
  .strictObject({
    accessToken: z.string(),
    tokenType: z.string(),
    expiresIn: z.number().meta({ description: 'Seconds.' }),
    scope: z.string().optional(),
    idHint: z.string().optional(),
  })
  .meta({ id: 'TinkUserAccessToken' });

export const enrollment = z
  .strictObject({
    provider: z.enum(['tink', 'moneyhub']),
    userId: z.string(),
    enrolled: z.literal(true),
  })
  .meta({ id: 'Enrollment' });

export const health = z
  .strictObject({
    status: z.enum(['ok', 'degraded']),
    version: z.string(),
    stage: z.string(),
    table: z.string().meta({ description: 'The cache table’s status, or UNREACHABLE.' }),
  })
  .meta({ id: 'Health' });

/** The document itself (GET /openapi.json): described, not repeated. */
export const openApiDocument = z.looseObject({
  openapi: z.string(),
  info: z.looseObject({}),
  paths: z.looseObject({}),
});

export const headers = {
  cacheStatus: z.string().meta({
    description:
      'RFC 9211: how the cache served this read (hit; fwd=miss/request/stale; stored; ttl). See docs/cache.md.',
    example: 'open-banking-users; hit; ttl=42',
  }),
  age: z
    .string()
    .regex(/^\d+$/)
    .meta({ description: 'Seconds since the provider answered this response.', example: '18' }),
  retryAfter: z
    .string()
    .regex(/^\d+$/)
    .meta({ description: 'Seconds to wait before retrying (when the provider said so).', example: '30' }),
  requestId: z.string().meta({ description: 'This request’s id; quote it when reporting a problem.' }),
  cacheControl: z.string().meta({ example: 'no-store' }),
  allow: z.string().meta({ description: 'The methods the path accepts.', example: 'GET, DELETE' }),
};

export const idempotencyKey = z.string().min(1).max(255).meta({
  description:
    'Optional. The same key with the same body within 24 hours replays the first response without calling the provider; the same key with another body is a 422, and a key whose first request is still running a 409.',
  example: '5f1d7c1e-8a55-4d7b-9a3b-2b4f0c6e9d10',
});

/** The provider bodies passed through, named as components (fields the provider adds pass through too). */
export const providerSchemas = {
  TinkCredential: tinkCredential,
  TinkCredentialList: tinkCredentialList,
  MoneyhubUser: moneyhubUser,
  MoneyhubConnection: userConnection,
  MoneyhubConnectionList: userConnectionList,
  MoneyhubSyncList: connectionSyncList,
};
