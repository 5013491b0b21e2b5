import { createHandler } from '../../lib/http/handler';
import { emptyResponse } from '../../lib/http/responses';
import { enrollmentRegistry } from '../../lib/registry';
import { enrollmentPath, enrollmentQuery, enrollmentTarget } from './enrollment-route';

export const handler = createHandler({
  operation: 'enrollment.unenroll',
  path: enrollmentPath,
  query: enrollmentQuery,
  run: async ({ path, rawPath, call }) => {
    const { provider, userId } = enrollmentTarget(rawPath, path.userId);
    await enrollmentRegistry().unenroll(provider, userId, call);
    return emptyResponse(204);
  },
});
