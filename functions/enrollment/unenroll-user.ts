import { createHandler } from '../../lib/http/handler';
import { emptyResponse } from '../../lib/http/responses';
import { enrollmentRegistry } from '../../lib/registry';
import { enrollmentPath, providerOf } from './enrollment-route';

export const handler = createHandler({
  operation: 'enrollment.unenroll',
  path: enrollmentPath,
  run: async ({ path, rawPath }) => {
    await enrollmentRegistry().unenroll(providerOf(rawPath), path.userId);
    return emptyResponse(204);
  },
});
