// Moneyhub's identity service as far as API clients see it: the client_credentials token endpoint
// (private_key_jwt verified with jose against the client's registered public JWKS, or
// client_secret_basic) and the bearer-token and scope checks every API route makes.
import { timingSafeEqual } from 'node:crypto';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, errors, jwtVerify } from 'jose';
import { SimHttpError, type SimRequest, type SimResponse } from '../harness';
import type { IssuedToken, MoneyhubState, RegisteredClient, ScopeFamily } from './state';

export const clientAssertionType = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** Not-too-strict clock skew between the assertion's signer and the simulator. */
const clockToleranceSeconds = 5;

const baseScopes = [
  'openid',
  'offline_access',
  'user:create',
  'user:read',
  'user:update',
  'user:delete',
  'accounts:read',
  'accounts:write',
  'accounts:write:all',
  'transactions:read:all',
  'transactions:write:all',
];
const connectionScopes = ['connection:read', 'connection:update', 'connection:delete'];

/** The `user` family hides `connection:*` so a client's fallback to `user:*` gets exercised. */
export function advertisedScopes(family: ScopeFamily): string[] {
  return family === 'user' ? baseScopes : [...baseScopes, ...connectionScopes];
}

/**
 * The scopes a connection/sync route accepts, any one of them: Moneyhub's reference gives
 * `user:<action>` or `connection:<action>`; a one-family setting narrows that to its own.
 */
export function acceptedScopes(family: ScopeFamily, action: 'read' | 'update' | 'delete'): string[] {
  if (family === 'either') return [`user:${action}`, `connection:${action}`];
  return [`${family}:${action}`];
}

class OAuthError extends Error {
  constructor(
    readonly status: 400 | 401,
    readonly error: string,
    description: string,
  ) {
    super(description);
  }
}

const invalidClient = (description: string) => new OAuthError(401, 'invalid_client', description);

function safeEqual(a: string, b: string) {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** RFC 6749 §2.3.1: both halves are form-urlencoded before base64. */
function parseBasic(header: string): { clientId: string; clientSecret: string } {
  const decoded = Buffer.from(header.slice('basic '.length).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw invalidClient('malformed Basic authorization header');
  const formDecode = (value: string) => {
    try {
      return decodeURIComponent(value.replace(/\+/g, ' '));
    } catch {
      throw invalidClient('malformed Basic authorization header');
    }
  };
  return {
    clientId: formDecode(decoded.slice(0, colon)),
    clientSecret: formDecode(decoded.slice(colon + 1)),
  };
}

function describeJoseError(error: unknown): string {
  if (error instanceof errors.JWTExpired)
    return error.claim === 'iat' ? 'client_assertion iat is too old' : 'client_assertion has expired';
  if (error instanceof errors.JWTClaimValidationFailed)
    return `client_assertion claim ${error.claim} is invalid: ${error.message}`;
  if (error instanceof errors.JWKSNoMatchingKey)
    return 'no registered key of the client matches the client_assertion (kid/alg)';
  if (error instanceof errors.JWKSMultipleMatchingKeys)
    return 'client_assertion has no kid and several registered keys match';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'client_assertion signature is invalid';
  if (error instanceof errors.JOSEAlgNotAllowed) return 'client_assertion alg is not the registered one';
  if (error instanceof errors.JOSEError) return `client_assertion is invalid: ${error.message}`;
  return 'client_assertion is invalid';
}

interface Endpoints {
  issuer: string;
  tokenEndpoint: string;
}

async function authenticateWithAssertion(
  state: MoneyhubState,
  form: URLSearchParams,
  endpoints: Endpoints,
): Promise<RegisteredClient> {
  if (form.get('client_assertion_type') !== clientAssertionType)
    throw invalidClient(`client_assertion_type must be ${clientAssertionType}`);
  const assertion = form.get('client_assertion') ?? '';
  if (assertion !== '') state.rememberValue(assertion);
  let header: ReturnType<typeof decodeProtectedHeader>;
  let unverifiedIssuer: unknown;
  try {
    header = decodeProtectedHeader(assertion);
    unverifiedIssuer = decodeJwt(assertion).iss;
  } catch {
    throw invalidClient('client_assertion is not a JWT');
  }
  const clientId = form.get('client_id') ?? (typeof unverifiedIssuer === 'string' ? unverifiedIssuer : '');
  const client = state.clients.get(clientId);
  if (!client) throw invalidClient('unknown client');
  if (client.tokenEndpointAuthMethod !== 'private_key_jwt')
    throw invalidClient(`client is registered for ${client.tokenEndpointAuthMethod}`);
  if (header.alg !== client.signingAlg)
    throw invalidClient(`client_assertion alg ${header.alg} is not the registered ${client.signingAlg}`);
  const maxLifetimeSeconds = state.settings.maxAssertionLifetimeSeconds;
  let payload: Awaited<ReturnType<typeof jwtVerify>>['payload'];
  try {
    ({ payload } = await jwtVerify(assertion, createLocalJWKSet(client.jwks ?? { keys: [] }), {
      algorithms: [client.signingAlg],
      issuer: client.clientId,
      subject: client.clientId,
      audience: [endpoints.issuer, endpoints.tokenEndpoint],
      requiredClaims: ['jti', 'iat', 'exp'],
      maxTokenAge: maxLifetimeSeconds,
      clockTolerance: clockToleranceSeconds,
    }));
  } catch (error) {
    throw invalidClient(describeJoseError(error));
  }
  const nowSeconds = Math.floor(Date.now() / 1000);
  const exp = payload.exp as number;
  if (exp - nowSeconds > maxLifetimeSeconds + clockToleranceSeconds)
    throw invalidClient(`client_assertion lives longer than ${maxLifetimeSeconds} s`);
  if ((payload.iat as number) > nowSeconds + clockToleranceSeconds)
    throw invalidClient('client_assertion iat is in the future');
  if (typeof payload.jti !== 'string' || payload.jti === '')
    throw invalidClient('client_assertion jti is missing');
  if (!state.rememberJti(client.clientId, payload.jti, (exp + clockToleranceSeconds) * 1000))
    throw invalidClient('client_assertion jti has already been used');
  return client;
}

function authenticateWithSecret(state: MoneyhubState, authorization: string, form: URLSearchParams) {
  const { clientId, clientSecret } = parseBasic(authorization);
  const client = state.clients.get(clientId);
  if (!client) throw invalidClient('unknown client');
  if (client.tokenEndpointAuthMethod !== 'client_secret_basic')
    throw invalidClient(`client is registered for ${client.tokenEndpointAuthMethod}`);
  if (!safeEqual(clientSecret, client.clientSecret ?? '')) throw invalidClient('invalid client secret');
  const formClientId = form.get('client_id');
  if (formClientId !== null && formClientId !== clientId) throw invalidClient('client_id mismatch');
  return client;
}

async function issue(state: MoneyhubState, request: SimRequest, endpoints: Endpoints): Promise<SimResponse> {
  const contentType = request.headers['content-type'] ?? '';
  if (!contentType.toLowerCase().startsWith('application/x-www-form-urlencoded'))
    throw new OAuthError(400, 'invalid_request', 'body must be application/x-www-form-urlencoded');
  const form = request.form();
  const authorization = request.headers.authorization ?? '';
  const usesBasic = authorization.toLowerCase().startsWith('basic ');
  const usesAssertion = form.has('client_assertion');
  if (usesBasic && usesAssertion)
    throw new OAuthError(400, 'invalid_request', 'client authentication must use only one mechanism');
  if (!usesBasic && !usesAssertion) throw invalidClient('no client authentication included');
  const client = usesBasic
    ? authenticateWithSecret(state, authorization, form)
    : await authenticateWithAssertion(state, form, endpoints);

  if (form.get('grant_type') !== 'client_credentials')
    throw new OAuthError(400, 'unsupported_grant_type', 'only client_credentials is supported');
  const requested = [...new Set((form.get('scope') ?? '').split(' ').filter(Boolean))];
  if (requested.length === 0) throw new OAuthError(400, 'invalid_request', 'scope is required');
  const advertised = new Set(advertisedScopes(state.settings.scopeFamily));
  const unknown = requested.filter((scope) => !advertised.has(scope));
  if (unknown.length > 0)
    throw new OAuthError(400, 'invalid_scope', `unsupported scope: ${unknown.join(' ')}`);

  const sub = form.get('sub') ?? undefined;
  if (sub !== undefined && !state.users.has(sub))
    throw new OAuthError(400, 'invalid_request', 'sub does not identify a known user');
  const scope = requested.join(' ');
  const { accessToken, expiresIn } = state.issueToken({
    clientId: client.clientId,
    scopes: new Set(requested),
    scope,
    ...(sub === undefined ? {} : { sub }),
  });
  return {
    status: 200,
    headers: { 'Cache-Control': 'no-store', Pragma: 'no-cache' },
    body: { access_token: accessToken, token_type: 'Bearer', expires_in: expiresIn, scope },
  };
}

/** `POST /oidc/token`: errors are OAuth-shaped (`{error, error_description}`), not Moneyhub's `{code}`. */
export function tokenHandler(state: MoneyhubState, endpoints: Endpoints) {
  return async (request: SimRequest): Promise<SimResponse> => {
    try {
      return await issue(state, request, endpoints);
    } catch (error) {
      if (!(error instanceof OAuthError)) throw error;
      return {
        status: error.status,
        headers: {
          'Cache-Control': 'no-store',
          ...(error.status === 401 ? { 'WWW-Authenticate': 'Basic realm="moneyhub-simulator"' } : {}),
        },
        body: { error: error.error, error_description: error.message },
      };
    }
  };
}

/** Bearer check for API routes: 401 for a missing/unknown/expired token, 403 for a missing scope. */
export function requireToken(state: MoneyhubState, request: SimRequest, scopes: string[]): IssuedToken {
  const token = bearerToken(state, request);
  const missing = scopes.filter((scope) => !token.scopes.has(scope));
  if (missing.length > 0) throw insufficientScope(missing.join(' '));
  return token;
}

/** Like `requireToken`, for routes that accept any one of several scopes. */
export function requireAnyScope(state: MoneyhubState, request: SimRequest, accepted: string[]): IssuedToken {
  const token = bearerToken(state, request);
  if (!accepted.some((scope) => token.scopes.has(scope))) throw insufficientScope(accepted.join(' or '));
  return token;
}

const insufficientScope = (wanted: string) =>
  new SimHttpError(403, `Insufficient scope: requires ${wanted}`, { code: 'Forbidden' });

function bearerToken(state: MoneyhubState, request: SimRequest): IssuedToken {
  const authorization = request.headers.authorization ?? '';
  const match = /^Bearer\s+(\S+)$/i.exec(authorization);
  const unauthorized = (message: string) =>
    new SimHttpError(401, message, { code: 'Unauthorized' }, { 'WWW-Authenticate': 'Bearer' });
  if (!match?.[1]) throw unauthorized('Missing bearer token');
  const token = state.tokens.get(match[1]);
  if (!token) throw unauthorized('Invalid access token');
  if (token.expiresAtMs <= Date.now()) throw unauthorized('Access token expired');
  return token;
}
