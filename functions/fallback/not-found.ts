// API Gateway's `$default` route: whatever no other route takes. The answer is a problem+json like
// every other error of this API, never API Gateway's own `{"message":"Not Found"}`.
import { createHandler } from '../../lib/http/handler';
import { MethodNotAllowedError, RouteNotFoundError } from '../../lib/http/problem';
import { methodsFor } from './route-table';

export const handler = createHandler({
  operation: 'fallback',
  ignoresBody: true,
  run: async ({ rawPath }) => {
    const allowed = methodsFor(rawPath);
    if (allowed.length === 0) throw new RouteNotFoundError();
    throw new MethodNotAllowedError(allowed);
  },
});
