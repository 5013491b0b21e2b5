import { createHandler } from '../../lib/http/handler';
import { idempotentRequests } from '../../lib/http/idempotency';
import { emptyResponse } from '../../lib/http/responses';
import { tinkOperations } from '../../lib/providers/tink';
import { noQuery } from '../route-shapes';
import { refreshCredentialBody } from './refresh-credential-body';
import { tinkCredentialPath } from './tink-route';

const tink = tinkOperations();

export const handler = createHandler({
  operation: 'tink.refreshCredential',
  idempotency: idempotentRequests(),
  path: tinkCredentialPath,
  query: noQuery,
  body: refreshCredentialBody,
  run: async ({ path, body, call }) => {
    await tink.refreshCredential(call, path.userId, path.credentialId, body);
    return emptyResponse(202);
  },
});
