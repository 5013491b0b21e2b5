// Tink's HTTP API as docs/providers.md describes it: OAuth token and authorization-grant endpoints,
// user create/delete, and the credentials endpoints. Handlers translate HTTP to TinkState calls.
import type { Route, SimRequest } from '../harness';
import { SimHttpError } from '../harness';
import { authorize, TinkAuth, type TokenRecord } from './auth';
import { TinkErrorCode } from './error-codes';
import { TinkState } from './state';

const refreshItemPattern = /^[A-Z][A-Z_]*$/;

/** The user behind a user token (tokens of deleted users are already gone, so it exists). */
const userOf = (record: TokenRecord) => record.userId ?? '';

const badRequest = (message: string) =>
  new SimHttpError(400, message, { errorCode: TinkErrorCode.badRequest });

/** Client credentials from the form (Tink's documented way) or, tolerated, HTTP Basic. */
function clientCredentials(request: SimRequest, form: URLSearchParams) {
  const header = request.headers.authorization;
  const basic = typeof header === 'string' ? /^Basic\s+(\S+)$/i.exec(header)?.[1] : undefined;
  if (basic && !form.has('client_id')) {
    const decoded = Buffer.from(basic, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0)
      return {
        clientId: decodeURIComponent(decoded.slice(0, colon)),
        clientSecret: decodeURIComponent(decoded.slice(colon + 1)),
      };
  }
  return { clientId: form.get('client_id'), clientSecret: form.get('client_secret') };
}

/** A token endpoint answer; `id_hint` only for a token exchanged from a delegated grant's code. */
const tokenAnswer = (issued: {
  accessToken: string;
  expiresIn: number;
  scopes: string[];
  idHint?: string;
}) => ({
  status: 200,
  headers: { 'Cache-Control': 'no-store' },
  body: {
    access_token: issued.accessToken,
    token_type: 'bearer',
    expires_in: issued.expiresIn,
    scope: issued.scopes.join(','),
    ...(issued.idHint === undefined ? {} : { id_hint: issued.idHint }),
  },
});

function token(state: TinkState) {
  return (request: SimRequest) => {
    const form = request.form();
    const grantType = form.get('grant_type');
    if (!grantType) throw new SimHttpError(400, 'grant_type is required', { oauthError: 'invalid_request' });
    if (grantType !== 'client_credentials' && grantType !== 'authorization_code')
      throw new SimHttpError(400, `Unsupported grant_type: ${grantType}`, {
        oauthError: 'unsupported_grant_type',
      });
    const { clientId, clientSecret } = clientCredentials(request, form);
    const client = state.auth.authenticateClient(clientId, clientSecret);
    if (grantType === 'client_credentials') {
      // Without `scope` the token carries the app's own scopes ("defaults to the client scope").
      return tokenAnswer(state.auth.issueClientToken(client, TinkAuth.parseScopes(form.get('scope'))));
    }
    return tokenAnswer(state.auth.exchangeCode(client, form.get('code')));
  };
}

function authorizationGrant(state: TinkState, delegated: boolean) {
  return (request: SimRequest) => {
    const record = authorize(state.auth, request, { scope: 'authorization:grant', kind: 'client' });
    const form = request.form();
    const userId = form.get('user_id') || null;
    const externalUserId = form.get('external_user_id') || null;
    if ((userId === null) === (externalUserId === null))
      throw badRequest('Exactly one of user_id and external_user_id is required');
    const scopes = TinkAuth.parseScopes(form.get('scope'));
    if (!scopes) throw badRequest('scope is required');
    // Tink checks the app's entitlements, not a vocabulary: a scope the app may not use is a 401.
    const [denied] = state.auth.notEntitled(record.clientId, scopes);
    if (denied !== undefined)
      throw new SimHttpError(401, `Client ${record.clientId} isn't allowed to use the scope ${denied}`, {
        errorCode: TinkErrorCode.unauthorized,
      });
    let delegation: { idHint: string; actorClientId: string } | undefined;
    if (delegated) {
      const idHint = form.get('id_hint');
      const actorClientId = form.get('actor_client_id');
      if (!idHint) throw badRequest('id_hint is required');
      if (!actorClientId) throw badRequest('actor_client_id is required');
      delegation = { idHint, actorClientId };
    }
    const code = state.createAuthorizationCode(
      record.clientId,
      { userId, externalUserId },
      scopes,
      delegation,
    );
    return { status: 200, body: { code } };
  };
}

function createUser(state: TinkState) {
  return (request: SimRequest) => {
    authorize(state.auth, request, { scope: 'user:create', kind: 'client' });
    const body = request.json();
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      throw badRequest('The request body must be a JSON object');
    const input = body as Record<string, unknown>;
    if (input.market === undefined) throw badRequest('market is required');
    const market = TinkState.validateMarket(input.market);
    const locale = input.locale === undefined ? undefined : TinkState.validateLocale(input.locale);
    const retentionClass =
      input.retention_class === undefined
        ? undefined
        : TinkState.validateRetentionClass(input.retention_class);
    const externalUserId = input.external_user_id;
    if (
      externalUserId !== undefined &&
      externalUserId !== null &&
      (typeof externalUserId !== 'string' || externalUserId.length === 0 || externalUserId.length > 255)
    )
      throw badRequest('external_user_id must be a non-empty string of at most 255 characters');
    const user = state.createUser({
      market,
      locale,
      retentionClass,
      externalUserId: (externalUserId as string | null | undefined) ?? null,
    });
    return { status: 200, body: { user_id: user.userId, external_user_id: user.externalUserId } };
  };
}

function deleteUser(state: TinkState) {
  return (request: SimRequest) => {
    const record = authorize(state.auth, request, { scope: 'user:delete', kind: 'user' });
    state.deleteUser(userOf(record));
    return { status: 204 };
  };
}

function parseRefreshRequest(request: SimRequest) {
  const items = request.query.getAll('items');
  const invalid = items.filter((item) => !refreshItemPattern.test(item));
  if (invalid.length > 0) throw badRequest(`Invalid items: ${invalid.join(',')}`);
  const rawAuthenticate = request.query.get('authenticate');
  if (rawAuthenticate !== null && rawAuthenticate !== 'true' && rawAuthenticate !== 'false')
    throw badRequest('authenticate must be true or false');
  let body: unknown = null;
  if (request.rawBody.trim() !== '') {
    body = request.json();
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      throw badRequest('The request body must be a JSON object');
    const availability = (body as Record<string, unknown>).userAvailability;
    if (availability !== undefined) {
      const fields = availability as Record<string, unknown> | null;
      if (
        typeof fields !== 'object' ||
        fields === null ||
        typeof fields.userAvailableForInteraction !== 'boolean' ||
        typeof fields.userPresent !== 'boolean'
      )
        throw badRequest('userAvailability needs boolean userAvailableForInteraction and userPresent');
    }
  }
  return { items, authenticate: rawAuthenticate === 'true', body };
}

export function tinkRoutes(state: TinkState): Route[] {
  return [
    { method: 'POST', pattern: '/api/v1/oauth/token', handler: token(state) },
    {
      method: 'POST',
      pattern: '/api/v1/oauth/authorization-grant',
      handler: authorizationGrant(state, false),
      honoursIdempotencyKey: true,
    },
    {
      method: 'POST',
      pattern: '/api/v1/oauth/authorization-grant/delegate',
      handler: authorizationGrant(state, true),
      honoursIdempotencyKey: true,
    },
    {
      method: 'POST',
      pattern: '/api/v1/user/create',
      handler: createUser(state),
      honoursIdempotencyKey: true,
    },
    { method: 'POST', pattern: '/api/v1/user/delete', handler: deleteUser(state) },
    // Registered before `/credentials/:id` so that `list` is never read as an id.
    {
      method: 'GET',
      pattern: '/api/v1/credentials/list',
      handler: (request) => {
        const record = authorize(state.auth, request, { scope: 'credentials:read', kind: 'user' });
        return { status: 200, body: { credentials: state.listCredentials(userOf(record)) } };
      },
    },
    {
      method: 'GET',
      pattern: '/api/v1/credentials/:id',
      handler: (request) => {
        const record = authorize(state.auth, request, { scope: 'credentials:read', kind: 'user' });
        return { status: 200, body: state.getCredential(userOf(record), request.params.id ?? '') };
      },
    },
    {
      method: 'DELETE',
      pattern: '/api/v1/credentials/:id',
      handler: (request) => {
        const record = authorize(state.auth, request, { scope: 'credentials:write', kind: 'user' });
        state.deleteCredential(userOf(record), request.params.id ?? '');
        return { status: 204 };
      },
    },
    {
      method: 'POST',
      pattern: '/api/v1/credentials/:id/refresh',
      honoursIdempotencyKey: true,
      handler: (request) => {
        const record = authorize(state.auth, request, { scope: 'credentials:refresh', kind: 'user' });
        state.refreshCredential(userOf(record), request.params.id ?? '', parseRefreshRequest(request));
        return { status: 204 };
      },
    },
  ];
}
