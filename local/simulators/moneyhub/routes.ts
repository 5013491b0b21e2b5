// The routes a Moneyhub API client calls: OIDC discovery, JWKS and token on the identity service;
// users, connections and syncs at the identity service's root; the sync trigger on the data API
// (`/v3`, and `/v2.0`, the base the official 5.x client's README configures). Route patterns are the
// keys call counts and fault rules use. A path no route matches answers the harness's plain
// `Not found`, never a resource's "User not found".
import type { JWK } from 'jose';
import { type Route, SimHttpError, type SimRequest } from '../harness';
import { acceptedScopes, advertisedScopes, requireAnyScope, requireToken, tokenHandler } from './auth';
import {
  type ConnectionSync,
  type IssuedToken,
  isoNow,
  type MoneyhubState,
  newUserId,
  signingAlgs,
  type UserRecord,
} from './state';

export interface MoneyhubUrls {
  /** Identity service root (users routes live here). */
  url: string;
  issuer: string;
  tokenEndpoint: string;
  jwksUri: string;
}

const notFound = (message: string) => new SimHttpError(404, message, { code: 'NotFound' });
const badRequest = (message: string) => new SimHttpError(400, message, { code: 'BadRequest' });

/** A user-scoped token may only address its own user; a client-level token any user. */
function findUser(state: MoneyhubState, token: IssuedToken, userId: string): UserRecord {
  if (token.sub !== undefined && token.sub !== userId)
    throw new SimHttpError(403, 'Token is scoped to another user', { code: 'Forbidden' });
  const record = state.users.get(userId);
  if (!record) throw notFound('User not found');
  return record;
}

function parseBoundedInt(request: SimRequest, name: string, fallback: number, min: number, max: number) {
  const raw = request.query.get(name);
  if (raw === null) return fallback;
  if (!/^\d{1,9}$/.test(raw)) throw badRequest(`${name} must be a non-negative integer`);
  const value = Number(raw);
  if (value < min || value > max) throw badRequest(`${name} must be between ${min} and ${max}`);
  return value;
}

/** A connection id in a URL keeps its `:`, as Moneyhub's own client sends it. */
const connectionPathId = (connectionId: string) => encodeURIComponent(connectionId).replace(/%3A/gi, ':');

/** `limit`/`offset` from the query, bounded like Moneyhub's. */
function pageOf(request: SimRequest, defaultLimit: number, maxLimit: number) {
  return {
    limit: parseBoundedInt(request, 'limit', defaultLimit, 1, maxLimit),
    offset: parseBoundedInt(request, 'offset', 0, 0, 999_999_999),
  };
}

/** Moneyhub's list envelope for one page: `{data, links: {self, next?, prev?}, meta: {limit, offset, total}}`. */
function pagedList<T>(items: T[], page: { limit: number; offset: number }, listUrl: string) {
  const { limit, offset } = page;
  const total = items.length;
  const url = (at: number) => `${listUrl}?limit=${limit}&offset=${at}`;
  return {
    data: items.slice(offset, offset + limit),
    links: {
      self: url(offset),
      ...(offset + limit < total ? { next: url(offset + limit) } : {}),
      ...(offset > 0 ? { prev: url(Math.max(0, offset - limit)) } : {}),
    },
    meta: { limit, offset, total },
  };
}

function discoveryDocument(state: MoneyhubState, urls: MoneyhubUrls) {
  return {
    issuer: urls.issuer,
    authorization_endpoint: `${urls.issuer}/auth`,
    token_endpoint: urls.tokenEndpoint,
    jwks_uri: urls.jwksUri,
    userinfo_endpoint: `${urls.issuer}/me`,
    scopes_supported: advertisedScopes(state.settings.scopeFamily),
    response_types_supported: ['code', 'code id_token', 'id_token'],
    grant_types_supported: ['authorization_code', 'client_credentials', 'refresh_token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: signingAlgs,
    token_endpoint_auth_methods_supported: [
      'client_secret_basic',
      'private_key_jwt',
      'none',
      'self_signed_tls_client_auth',
    ],
    token_endpoint_auth_signing_alg_values_supported: signingAlgs,
    request_object_signing_alg_values_supported: signingAlgs,
    claims_parameter_supported: true,
    request_parameter_supported: true,
  };
}

export function moneyhubRoutes(state: MoneyhubState, urls: MoneyhubUrls, publicJwk: JWK): Route[] {
  const deleteConnection = (path: 'singular' | 'plural') => (request: SimRequest) => {
    const configured = state.settings.deleteConnectionPath;
    if (configured !== 'both' && configured !== path) {
      const status = state.settings.unsupportedPathStatus;
      throw new SimHttpError(status, status === 405 ? 'Method not allowed' : 'Not found', {
        code: status === 405 ? 'MethodNotAllowed' : 'NotFound',
      });
    }
    const token = requireAnyScope(state, request, acceptedScopes(state.settings.scopeFamily, 'delete'));
    const record = findUser(state, token, request.params.userId ?? '');
    if (!state.deleteConnection(record, request.params.connectionId ?? ''))
      throw notFound('Connection not found');
    return { status: 204 };
  };

  const readScopes = () => acceptedScopes(state.settings.scopeFamily, 'read');
  const userUrl = (record: UserRecord) => `${urls.url}/users/${encodeURIComponent(record.user.userId)}`;

  /** `POST {data API}/sync/:connectionId`: `{data: {status: "ok" | "error", syncId}, links, meta}`. */
  const syncConnection = (base: string) => (request: SimRequest) => {
    const token = requireToken(state, request, ['accounts:read', 'accounts:write:all']);
    if (token.sub === undefined)
      throw new SimHttpError(403, 'A token for the user (sub) is required', { code: 'Forbidden' });
    const connectionId = request.params.connectionId ?? '';
    if (state.connectionOwners.get(connectionId) !== token.sub) throw notFound('Connection not found');
    const lastAtMs = state.lastSyncAtMs.get(connectionId);
    const waitMs = lastAtMs === undefined ? 0 : lastAtMs + state.settings.syncMinIntervalMs - Date.now();
    if (waitMs > 0)
      throw new SimHttpError(
        429,
        'Connection was synced too recently',
        { code: 'TooManyRequests' },
        { 'Retry-After': String(Math.ceil(waitMs / 1000)) },
      );
    const started = state.startSync(token.sub, connectionId);
    return {
      status: 200,
      body: {
        data: { ...started, connectionId },
        links: { self: `${urls.url}${base}/sync/${connectionPathId(connectionId)}` },
        meta: {},
      },
    };
  };

  return [
    {
      method: 'GET',
      pattern: '/oidc/.well-known/openid-configuration',
      handler: () => ({ status: 200, body: discoveryDocument(state, urls) }),
    },
    {
      method: 'GET',
      pattern: '/oidc/certs',
      handler: () => ({ status: 200, body: { keys: [publicJwk] } }),
    },
    {
      method: 'POST',
      pattern: '/oidc/token',
      // Endpoints read at request time: the port is known only once the server listens.
      handler: tokenHandler(state, urls),
    },
    {
      method: 'GET',
      pattern: '/users',
      handler: (request) => {
        const token = requireToken(state, request, ['user:read']);
        const page = pageOf(request, state.settings.defaultUsersLimit, 1000);
        // The API client's own users; a token for one user (`sub`) sees only that user.
        const users = [...state.users.values()]
          .filter((record) => record.user.clientId === token.clientId)
          .filter((record) => token.sub === undefined || record.user.userId === token.sub)
          .map((record) => state.userView(record));
        return { status: 200, body: pagedList(users, page, `${urls.url}/users`) };
      },
    },
    {
      method: 'POST',
      pattern: '/users',
      honoursIdempotencyKey: true,
      handler: (request) => {
        const token = requireToken(state, request, ['user:create']);
        const body = request.json();
        if (typeof body !== 'object' || body === null || Array.isArray(body))
          throw badRequest('Body must be a JSON object');
        const { clientUserId } = body as { clientUserId?: unknown };
        if (clientUserId !== undefined && (typeof clientUserId !== 'string' || clientUserId.length > 256))
          throw badRequest('clientUserId must be a string of at most 256 characters');
        const now = isoNow();
        const client = state.clients.get(token.clientId);
        const record: UserRecord = {
          user: {
            userId: newUserId(),
            ...(clientUserId === undefined ? {} : { clientUserId }),
            clientId: token.clientId,
            ...(client?.clientName === undefined ? {} : { clientName: client.clientName }),
            createdAt: now,
            updatedAt: now,
            lastAccessed: now,
            scopes: 'openid id:any accounts:read transactions:read:all',
            managedBy: 'client',
            userType: 'test',
          },
          connections: new Map(),
          syncs: [],
        };
        state.putUser(record);
        return { status: 201, body: state.userView(record) };
      },
    },
    {
      method: 'GET',
      pattern: '/users/:userId',
      handler: (request) => {
        const token = requireToken(state, request, ['user:read']);
        return { status: 200, body: state.userView(findUser(state, token, request.params.userId ?? '')) };
      },
    },
    {
      method: 'DELETE',
      pattern: '/users/:userId',
      handler: (request) => {
        const token = requireToken(state, request, ['user:delete']);
        const record = findUser(state, token, request.params.userId ?? '');
        state.deleteUser(record.user.userId);
        return { status: 204 };
      },
    },
    {
      method: 'GET',
      pattern: '/users/:userId/connections',
      handler: (request) => {
        const token = requireAnyScope(state, request, readScopes());
        const record = findUser(state, token, request.params.userId ?? '');
        return { status: 200, body: { data: state.connectionsOf(record), meta: {} } };
      },
    },
    {
      method: 'PATCH',
      pattern: '/users/:userId/connections/:connectionId',
      handler: (request) => {
        const token = requireAnyScope(state, request, acceptedScopes(state.settings.scopeFamily, 'update'));
        const record = findUser(state, token, request.params.userId ?? '');
        const entry = record.connections.get(request.params.connectionId ?? '');
        if (!entry) throw notFound('Connection not found');
        const { expiresAt } = request.json() as { expiresAt?: unknown };
        if (typeof expiresAt !== 'string' || Number.isNaN(Date.parse(expiresAt)))
          throw badRequest('expiresAt must be an ISO date-time');
        entry.connection.expiresAt = new Date(expiresAt).toISOString();
        return { status: 204 };
      },
    },
    {
      method: 'GET',
      pattern: '/users/:userId/connections/:connectionId/syncs',
      handler: (request) => {
        const token = requireAnyScope(state, request, readScopes());
        const record = findUser(state, token, request.params.userId ?? '');
        const connectionId = request.params.connectionId ?? '';
        if (!record.connections.has(connectionId)) throw notFound('Connection not found');
        const { defaultSyncsLimit, maxSyncsLimit } = state.settings;
        const syncs = record.syncs.filter((sync) => sync.connectionId === connectionId);
        const connectionUrl = `${userUrl(record)}/connections/${connectionPathId(connectionId)}`;
        return {
          status: 200,
          body: pagedList(syncs, pageOf(request, defaultSyncsLimit, maxSyncsLimit), `${connectionUrl}/syncs`),
        };
      },
    },
    {
      method: 'DELETE',
      pattern: '/users/:userId/connection/:connectionId',
      handler: deleteConnection('singular'),
    },
    {
      method: 'DELETE',
      pattern: '/users/:userId/connections/:connectionId',
      handler: deleteConnection('plural'),
    },
    {
      method: 'GET',
      pattern: '/users/:userId/syncs',
      handler: (request) => {
        const token = requireAnyScope(state, request, readScopes());
        const record = findUser(state, token, request.params.userId ?? '');
        const { defaultSyncsLimit, maxSyncsLimit } = state.settings;
        const page = pageOf(request, defaultSyncsLimit, maxSyncsLimit);
        return { status: 200, body: pagedList(record.syncs, page, `${userUrl(record)}/syncs`) };
      },
    },
    {
      method: 'GET',
      pattern: '/users/:userId/syncs/:syncId',
      handler: (request) => {
        const token = requireAnyScope(state, request, readScopes());
        const record = findUser(state, token, request.params.userId ?? '');
        const sync: ConnectionSync | undefined = record.syncs.find(
          (item) => item.id === request.params.syncId,
        );
        if (!sync) throw notFound('Sync not found');
        return { status: 200, body: { data: sync } };
      },
    },
    { method: 'POST', pattern: '/v3/sync/:connectionId', handler: syncConnection('/v3') },
    { method: 'POST', pattern: '/v2.0/sync/:connectionId', handler: syncConnection('/v2.0') },
  ];
}
