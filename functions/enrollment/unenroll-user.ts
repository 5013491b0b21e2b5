import { createHandler } from '../../lib/http/handler';
import { emptyResponse } from '../../lib/http/responses';
import { enrollmentRegistry } from '../../lib/registry';
import { enrollmentPath, enrollmentQuery, providerOf } from './enrollment-route';

export const handler = createHandler({
  operation: 'enrollment.unenroll',
  path: enrollmentPath,
  query: enrollmentQuery,
  run: async ({ path, rawPath }) => {
    await enrollmentRegistry().unenroll(providerOf(rawPath), path.userId);
    return emptyResponse(204);
  },
});
