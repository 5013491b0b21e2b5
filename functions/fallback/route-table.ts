// Every route this API serves, as API Gateway route keys: the one list of routes. The catch-all
// answers from it (a path that matches a template under another method is a 405 with `Allow`,
// anything else a 404); the OpenAPI route specs (openapi/routes.ts) are keyed by it, so the compiler
// refuses a route described there and missing here, or the reverse; the packaging test checks it
// against the routes actually deployed, so it cannot drift from functions/*.yml. Plain strings only:
// this file is all the catch-all's bundle carries besides the handler factory.
export const apiRoutes = [
  'GET /health',
  'GET /openapi.json',
  'GET /docs',
  'GET /docs/{asset}',
  'POST /tink/users',
  'POST /tink/users/{userId}/authorization-grants',
  'POST /tink/oauth/token',
  'GET /tink/users/{userId}/credentials',
  'GET /tink/users/{userId}/credentials/{credentialId}',
  'DELETE /tink/users/{userId}/credentials/{credentialId}',
  'POST /tink/users/{userId}/credentials/{credentialId}/refresh',
  'DELETE /tink/users/{userId}',
  'PUT /tink/users/{userId}/enrollment',
  'DELETE /tink/users/{userId}/enrollment',
  'POST /moneyhub/users',
  'GET /moneyhub/users/{userId}',
  'DELETE /moneyhub/users/{userId}',
  'GET /moneyhub/users/{userId}/connections',
  'GET /moneyhub/users/{userId}/connections/{connectionId}',
  'DELETE /moneyhub/users/{userId}/connections/{connectionId}',
  'GET /moneyhub/users/{userId}/syncs',
  'PUT /moneyhub/users/{userId}/enrollment',
  'DELETE /moneyhub/users/{userId}/enrollment',
  'POST /webhooks/tink',
  'POST /webhooks/moneyhub',
] as const;
export type RouteKey = (typeof apiRoutes)[number];

const segmentsOf = (path: string) => path.split('/').filter((segment) => segment !== '');

/** Whether a request path fits a template: same depth, literal segments equal, `{param}` any segment. */
function fits(template: string, path: string): boolean {
  const expected = segmentsOf(template);
  const actual = segmentsOf(path);
  return (
    expected.length === actual.length &&
    expected.every((segment, index) => segment.startsWith('{') || segment === actual[index])
  );
}

/** The methods the API serves on a path (none: the path is unknown). */
export function methodsFor(path: string): string[] {
  const methods = apiRoutes
    .map((route) => route.split(' ') as [string, string])
    .filter(([, template]) => fits(template, path))
    .map(([method]) => method);
  return [...new Set(methods)].sort();
}
