// fetch() against the e2e lane's serverless-offline (E2E_BASE_URL) with a local dev bearer token, as
// a caller behind the JWT authorizer would send. Tokens are minted once per scope set and reused.
// Every response is checked against docs/openapi.json: one the document does not describe fails the test.
import { allScopes, mintDevToken } from '../../local/dev-token';
import { assertDescribed } from './contract';

export interface ApiAuth {
  /** Scopes of the dev token sent; default all three. */
  scopes?: readonly string[];
  /** Send exactly this token instead (a wrong issuer, an expired one…); `null` sends no Authorization header. */
  token?: string | null;
}

const tokens = new Map<string, Promise<string>>();

function tokenFor(scopes: readonly string[]): Promise<string> {
  const key = [...scopes].sort().join(' ');
  let token = tokens.get(key);
  if (!token) {
    token = mintDevToken({ scopes });
    tokens.set(key, token);
  }
  return token;
}

export async function api(path: string, init: RequestInit = {}, auth: ApiAuth = {}): Promise<Response> {
  const baseUrl = process.env.E2E_BASE_URL;
  if (!baseUrl) throw new Error('E2E_BASE_URL is not set: run this through the e2e lane');
  const token = auth.token === undefined ? await tokenFor(auth.scopes ?? allScopes) : auth.token;
  const headers = new Headers(init.headers);
  if (token !== null) headers.set('Authorization', `Bearer ${token}`);
  const response = await fetch(`${baseUrl}${path}`, { ...init, headers });
  assertDescribed({
    method: init.method ?? 'GET',
    path,
    status: response.status,
    headers: response.headers,
    body: await response.clone().text(),
  });
  return response;
}

export interface ApiJsonResponse {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: e2e tests assert response bodies field by field
  body: any;
}

/** `api()` with a JSON body in and a parsed body out. */
export async function apiJson(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<ApiJsonResponse> {
  const response = await api(path, {
    method,
    headers: body === undefined ? headers : { 'Content-Type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text === '' ? undefined : JSON.parse(text),
  };
}
