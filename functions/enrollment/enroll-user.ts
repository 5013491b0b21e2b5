import { createHandler } from '../../lib/http/handler';
import { jsonResponse } from '../../lib/http/responses';
import { enrollmentRegistry } from '../../lib/registry';
import { enrollmentPath, enrollmentQuery, providerOf } from './enrollment-route';

export const handler = createHandler({
  operation: 'enrollment.enroll',
  path: enrollmentPath,
  query: enrollmentQuery,
  run: async ({ path, rawPath }) => {
    const provider = providerOf(rawPath);
    await enrollmentRegistry().enroll(provider, path.userId);
    return jsonResponse(200, { provider, userId: path.userId, enrolled: true });
  },
});
