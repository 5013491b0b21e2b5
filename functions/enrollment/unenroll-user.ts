import { createHandler } from '../../lib/http/handler';
import { emptyResponse } from '../../lib/http/responses';
import { enrollmentRegistry } from '../../lib/registry';
import { noQuery } from '../route-shapes';
import { enrollmentPath, enrollmentTarget } from './enrollment-route';

export const handler = createHandler({
  operation: 'enrollment.unenroll',
  path: enrollmentPath,
  query: noQuery,
  run: async ({ path, rawPath, call }) => {
    const { provider, userId } = enrollmentTarget(rawPath, path.userId);
    await enrollmentRegistry().unenroll(provider, userId, call);
    return emptyResponse(204);
  },
});
