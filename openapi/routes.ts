// What the OpenAPI document says of each route. The routes themselves are the catch-all's route
// table (functions/fallback/route-table.ts, which the package test holds to the deployed routes);
// `routeSpecs` is keyed by its `METHOD /path` keys, so TypeScript refuses a route that is missing
// here or one the table does not have. test/unit/openapi.test.ts checks the generated document
// against the httpApi events of functions/*.yml. A row names the request schemas the handler
// validates with, so the document cannot drift from what the handler accepts.
import type * as z from 'zod';
import { enrollmentPath } from '../functions/enrollment/enrollment-route';
import type { RouteKey } from '../functions/fallback/route-table';
import {
  moneyhubConnectionPath,
  moneyhubUserPath,
  registerUserBody,
  syncsQuery,
} from '../functions/moneyhub/moneyhub-route';
import { noQuery } from '../functions/route-shapes';
import { createAuthorizationBody } from '../functions/tink/create-authorization-body';
import { createUserBody } from '../functions/tink/create-user-body';
import { codeExchangeBody } from '../functions/tink/get-user-access-token-body';
import { refreshCredentialBody } from '../functions/tink/refresh-credential-body';
import { tinkCredentialPath, tinkUserPath } from '../functions/tink/tink-route';
import type { ProviderName } from '../lib/provider-name';
import {
  connectionSyncList,
  moneyhubUser,
  userConnection,
  userConnectionList,
} from '../lib/providers/moneyhub/schemas';
import { tinkCredential, tinkCredentialList } from '../lib/providers/tink/schemas';
import { examples } from './examples';
import {
  enrollment,
  health,
  openApiDocument,
  tinkAuthorizationCode,
  tinkUser,
  tinkUserAccessToken,
} from './schemas';

export const Access = {
  public: 'public',
  read: 'read',
  write: 'write',
  tokens: 'tokens',
} as const;
export type Access = (typeof Access)[keyof typeof Access];

export type Method = 'get' | 'post' | 'put' | 'delete';

export interface RouteSuccess {
  status: number;
  description: string;
  /** Absent: an empty body. */
  schema?: z.ZodType;
  /** Default application/json. */
  contentType?: string;
  example?: unknown;
}

/** A route as the document describes it; its method and path are its key in `routeSpecs`. */
export interface RouteSpec {
  operationId: string;
  tag: 'Tink' | 'Moneyhub' | 'Enrolment' | 'Service' | 'Webhooks';
  summary: string;
  description?: string;
  access: Access;
  request?: {
    path?: z.ZodObject;
    query?: z.ZodObject;
    body?: z.ZodType;
    bodyRequired?: boolean;
    bodyExample?: unknown;
  };
  success: RouteSuccess[];
  /** Served through the response cache: `Cache-Status` and `Age`, `Cache-Control: no-cache` skips it. */
  cached?: boolean;
  /** Calls a provider, so the provider's failures (409, 422, 429, 502…) may come back. */
  callsProvider?: boolean;
  /** Served by a plain handler (the reference page), not the JSON route factory. */
  staticPage?: boolean;
  /** Accepts an `Idempotency-Key` header. */
  idempotent?: boolean;
  /**
   * A provider's webhook: public, authenticated by a signature over the raw body, which arrives in
   * this media type; a refusal is a 401 problem (not the authorizer's body).
   */
  signedWebhook?: { contentType: string; description: string };
}

export interface ApiRoute extends RouteSpec {
  method: Method;
  /** The path as in functions/*.yml (OpenAPI and API Gateway write parameters alike). */
  path: string;
}

/** Served, but not operations of the document: the reference page's static assets. */
export const undocumentedRoutes = ['GET /docs/{asset}'] as const satisfies readonly RouteKey[];
type DocumentedRouteKey = Exclude<RouteKey, (typeof undocumentedRoutes)[number]>;

/** One success answer with a JSON body. */
const jsonSuccess = (
  status: number,
  description: string,
  schema: z.ZodType,
  example: unknown,
): RouteSuccess[] => [{ status, description, schema, example }];

/** Every DELETE of a provider resource: a retry that finds the resource gone succeeds too. */
const deleted: RouteSuccess[] = [
  { status: 204, description: 'Deleted (also when a retry finds it already gone).' },
];

/** The two enrolment routes of a provider: one handler pair serves both providers. */
function userEnrollment(provider: ProviderName): { enrol: RouteSpec; unenrol: RouteSpec } {
  const tag = 'Enrolment';
  const label = provider === 'tink' ? 'Tink' : 'Moneyhub';
  return {
    enrol: {
      operationId: `${provider}EnrollUser`,
      tag,
      summary: `Enrol a ${label} user in the scheduled refresh`,
      description:
        'Idempotent: enrolling an enrolled user changes nothing. The user is first read at its provider (through the cache): a user the provider does not know is a 404 and is not enrolled.',
      access: Access.write,
      callsProvider: true,
      request: { path: enrollmentPath, query: noQuery },
      success: [
        {
          status: 200,
          description: 'The user is enrolled.',
          schema: enrollment,
          example: { ...examples.enrollment, provider },
        },
      ],
      idempotent: true,
    },
    unenrol: {
      operationId: `${provider}UnenrollUser`,
      tag,
      summary: `Take a ${label} user out of the scheduled refresh`,
      access: Access.write,
      request: { path: enrollmentPath, query: noQuery },
      success: [{ status: 204, description: 'The user is not enrolled (whether it was or not).' }],
    },
  };
}

const tinkEnrollment = userEnrollment('tink');
const moneyhubEnrollment = userEnrollment('moneyhub');

const webhookSuccess: RouteSuccess[] = [
  {
    status: 204,
    description: "Verified. A known event invalidated the user's cache; an unknown one was ignored.",
  },
];

export const routeSpecs: Record<DocumentedRouteKey, RouteSpec> = {
  'GET /health': {
    operationId: 'getHealth',
    tag: 'Service',
    summary: 'Cache table reachable, version',
    description: 'Public: for load balancers and uptime checks.',
    access: Access.public,
    success: [
      { status: 200, description: 'The cache table is active.', schema: health, example: examples.health },
      {
        status: 503,
        description: 'The cache table is not reachable or not active.',
        schema: health,
        example: { ...examples.health, status: 'degraded', table: 'UNREACHABLE' },
      },
    ],
  },
  'GET /openapi.json': {
    operationId: 'getOpenApiDocument',
    tag: 'Service',
    summary: 'This document',
    access: Access.public,
    success: [{ status: 200, description: 'The OpenAPI 3.1 document.', schema: openApiDocument }],
  },
  'GET /docs': {
    operationId: 'getReference',
    tag: 'Service',
    summary: 'The API reference page (Swagger UI, served with its assets; no external requests)',
    access: Access.public,
    success: [{ status: 200, description: 'An HTML page.', contentType: 'text/html' }],
    staticPage: true,
  },
  'POST /tink/users': {
    operationId: 'tinkCreateUser',
    tag: 'Tink',
    summary: 'Create a Tink user and enrol it for scheduled refresh',
    access: Access.write,
    request: {
      query: noQuery,
      body: createUserBody,
      bodyRequired: true,
      bodyExample: examples.tinkCreateUserRequest,
    },
    success: jsonSuccess(201, 'Created.', tinkUser, examples.tinkUser),
    callsProvider: true,
    idempotent: true,
  },
  'DELETE /tink/users/{userId}': {
    operationId: 'tinkDeleteUser',
    tag: 'Tink',
    summary: 'Delete a Tink user, purge its cache and un-enrol it',
    access: Access.write,
    request: { path: tinkUserPath, query: noQuery },
    success: deleted,
    callsProvider: true,
  },
  'POST /tink/users/{userId}/authorization-grants': {
    operationId: 'tinkCreateAuthorization',
    tag: 'Tink',
    summary: 'Grant an authorization code for a Tink user (plain, or delegated to Tink Link)',
    description: 'Never idempotent and never stored: a replayed code would be a security bug.',
    access: Access.tokens,
    request: {
      path: tinkUserPath,
      query: noQuery,
      body: createAuthorizationBody,
      bodyRequired: true,
      bodyExample: examples.tinkAuthorizationRequest,
    },
    success: jsonSuccess(
      201,
      'A new authorization code.',
      tinkAuthorizationCode,
      examples.tinkAuthorizationCode,
    ),
    callsProvider: true,
  },
  'POST /tink/oauth/token': {
    operationId: 'tinkGetUserAccessToken',
    tag: 'Tink',
    summary: 'Exchange an authorization code for a Tink user access token',
    description: 'Never retried, never stored, `Cache-Control: no-store`.',
    access: Access.tokens,
    request: {
      query: noQuery,
      body: codeExchangeBody,
      bodyRequired: true,
      bodyExample: examples.tinkCodeExchangeRequest,
    },
    success: jsonSuccess(200, 'The user access token.', tinkUserAccessToken, examples.tinkUserAccessToken),
    callsProvider: true,
  },
  'GET /tink/users/{userId}/credentials': {
    operationId: 'tinkListCredentials',
    tag: 'Tink',
    summary: "List a Tink user's credentials (cached)",
    access: Access.read,
    request: { path: tinkUserPath, query: noQuery },
    success: jsonSuccess(
      200,
      "Tink's credential list, passed through.",
      tinkCredentialList,
      examples.tinkCredentialList,
    ),
    cached: true,
    callsProvider: true,
  },
  'GET /tink/users/{userId}/credentials/{credentialId}': {
    operationId: 'tinkGetCredential',
    tag: 'Tink',
    summary: "Get one of a Tink user's credentials (cached)",
    access: Access.read,
    request: { path: tinkCredentialPath, query: noQuery },
    success: jsonSuccess(200, "Tink's credential, passed through.", tinkCredential, examples.tinkCredential),
    cached: true,
    callsProvider: true,
  },
  'DELETE /tink/users/{userId}/credentials/{credentialId}': {
    operationId: 'tinkDeleteCredential',
    tag: 'Tink',
    summary: "Delete a Tink credential and invalidate the user's cache",
    access: Access.write,
    request: { path: tinkCredentialPath, query: noQuery },
    success: deleted,
    callsProvider: true,
  },
  'POST /tink/users/{userId}/credentials/{credentialId}/refresh': {
    operationId: 'tinkRefreshCredential',
    tag: 'Tink',
    summary: "Start a refresh of a Tink credential and invalidate the user's cache",
    access: Access.write,
    request: {
      path: tinkCredentialPath,
      query: noQuery,
      body: refreshCredentialBody,
      bodyExample: examples.tinkRefreshRequest,
    },
    success: [{ status: 202, description: 'The refresh has started; poll the credential for its status.' }],
    callsProvider: true,
    idempotent: true,
  },
  'POST /moneyhub/users': {
    operationId: 'moneyhubRegisterUser',
    tag: 'Moneyhub',
    summary: 'Register a Moneyhub user ahead of any connection and enrol it for scheduled syncs',
    access: Access.write,
    request: {
      query: noQuery,
      body: registerUserBody,
      bodyExample: examples.moneyhubRegisterRequest,
    },
    success: jsonSuccess(
      201,
      "Registered: Moneyhub's user, passed through.",
      moneyhubUser,
      examples.moneyhubUser,
    ),
    callsProvider: true,
    idempotent: true,
  },
  'GET /moneyhub/users/{userId}': {
    operationId: 'moneyhubGetUser',
    tag: 'Moneyhub',
    summary: 'Get a Moneyhub user (cached)',
    access: Access.read,
    request: { path: moneyhubUserPath, query: noQuery },
    success: jsonSuccess(200, "Moneyhub's user, passed through.", moneyhubUser, examples.moneyhubUser),
    cached: true,
    callsProvider: true,
  },
  'DELETE /moneyhub/users/{userId}': {
    operationId: 'moneyhubDeleteUser',
    tag: 'Moneyhub',
    summary: 'Delete a Moneyhub user, purge its cache and un-enrol it',
    access: Access.write,
    request: { path: moneyhubUserPath, query: noQuery },
    success: deleted,
    callsProvider: true,
  },
  'GET /moneyhub/users/{userId}/connections': {
    operationId: 'moneyhubListConnections',
    tag: 'Moneyhub',
    summary: "List a Moneyhub user's connections (cached)",
    access: Access.read,
    request: { path: moneyhubUserPath, query: noQuery },
    success: jsonSuccess(
      200,
      "Moneyhub's connection list, passed through.",
      userConnectionList,
      examples.moneyhubConnectionList,
    ),
    cached: true,
    callsProvider: true,
  },
  'GET /moneyhub/users/{userId}/connections/{connectionId}': {
    operationId: 'moneyhubGetConnection',
    tag: 'Moneyhub',
    summary: "Get one of a Moneyhub user's connections (served from the cached list)",
    access: Access.read,
    request: { path: moneyhubConnectionPath, query: noQuery },
    success: jsonSuccess(
      200,
      'The connection, from the (cached) connection list.',
      userConnection,
      examples.moneyhubConnection,
    ),
    cached: true,
    callsProvider: true,
  },
  'DELETE /moneyhub/users/{userId}/connections/{connectionId}': {
    operationId: 'moneyhubDeleteConnection',
    tag: 'Moneyhub',
    summary: "Delete a Moneyhub connection and invalidate the user's cache",
    access: Access.write,
    request: { path: moneyhubConnectionPath, query: noQuery },
    success: deleted,
    callsProvider: true,
  },
  'GET /moneyhub/users/{userId}/syncs': {
    operationId: 'moneyhubListSyncs',
    tag: 'Moneyhub',
    summary: "List a page of a Moneyhub user's syncs (cached per page)",
    description: 'Absent `limit` and `offset` take Moneyhub’s defaults.',
    access: Access.read,
    request: { path: moneyhubUserPath, query: syncsQuery },
    success: jsonSuccess(200, 'A page of syncs.', connectionSyncList, examples.moneyhubSyncList),
    cached: true,
    callsProvider: true,
  },
  'PUT /tink/users/{userId}/enrollment': tinkEnrollment.enrol,
  'DELETE /tink/users/{userId}/enrollment': tinkEnrollment.unenrol,
  'PUT /moneyhub/users/{userId}/enrollment': moneyhubEnrollment.enrol,
  'DELETE /moneyhub/users/{userId}/enrollment': moneyhubEnrollment.unenrol,
  'POST /webhooks/tink': {
    operationId: 'tinkWebhook',
    tag: 'Webhooks',
    summary: "Tink's events (refresh finished, accounts and transactions changed)",
    description:
      "Called by Tink, not by clients. Authenticated by `X-Tink-Signature` (HMAC-SHA256 over the raw body, a timestamp within the tolerance); a verified `refresh:finished`, `account:*` or `account-transactions:*` invalidates the user's Tink cache.",
    access: Access.public,
    success: webhookSuccess,
    signedWebhook: {
      contentType: 'application/json',
      description: "Tink's event, exactly as Tink signed it.",
    },
  },
  'POST /webhooks/moneyhub': {
    operationId: 'moneyhubWebhook',
    tag: 'Webhooks',
    summary: "Moneyhub's events (sync completed, transactions changed)",
    description:
      "Called by Moneyhub, not by clients. A Security Event Token signed with a key of Moneyhub's JWKS (RS256, `iss`, `aud`, `iat`, a `jti` never seen before); `syncCompleted`, `newTransactions`, `updatedTransactions` and `deletedAccount` invalidate the user's Moneyhub cache.",
    access: Access.public,
    success: webhookSuccess,
    signedWebhook: { contentType: 'application/jwt', description: 'The signed JWT (compact form).' },
  },
};

/** The documented routes with their method and path, in `routeSpecs` order. */
export const documentedRoutes: ApiRoute[] = Object.entries(routeSpecs).map(([key, spec]) => {
  const [method, path] = key.split(' ') as [Uppercase<Method>, string];
  return { method: method.toLowerCase() as Method, path, ...spec };
});
