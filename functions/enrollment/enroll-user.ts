import type { CallContext } from '../../lib/call-context';
import { createHandler } from '../../lib/http/handler';
import { idempotentRequests } from '../../lib/http/idempotency';
import { jsonResponse } from '../../lib/http/responses';
import type { ProviderName } from '../../lib/provider-name';
import { moneyhubOperations } from '../../lib/providers/moneyhub';
import { tinkOperations } from '../../lib/providers/tink';
import { enrollmentRegistry } from '../../lib/registry';
import { noQuery } from '../route-shapes';
import { enrollmentPath, enrollmentTarget } from './enrollment-route';

/** One cached read of the user at its provider: an unknown user is the provider's 404, and no ghost is enrolled. */
async function readUser(call: CallContext, provider: ProviderName, userId: string): Promise<void> {
  if (provider === 'tink') await tinkOperations().listCredentials(call, userId);
  else await moneyhubOperations().getUser(call, userId);
}

export const handler = createHandler({
  operation: 'enrollment.enroll',
  idempotency: idempotentRequests(),
  path: enrollmentPath,
  query: noQuery,
  run: async ({ path, rawPath, call }) => {
    const { provider, userId } = enrollmentTarget(rawPath, path.userId);
    await readUser(call, provider, userId);
    await enrollmentRegistry().enroll(provider, userId, call);
    return jsonResponse(200, { provider, userId, enrolled: true });
  },
});
