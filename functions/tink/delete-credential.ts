import { createHandler } from '../../lib/http/handler';
import { emptyResponse } from '../../lib/http/responses';
import { tinkOperations } from '../../lib/providers/tink';
import { noQuery } from '../route-shapes';
import { tinkCredentialPath } from './tink-route';

const tink = tinkOperations();

export const handler = createHandler({
  operation: 'tink.deleteCredential',
  path: tinkCredentialPath,
  query: noQuery,
  run: async ({ path, call }) => {
    await tink.deleteCredential(call, path.userId, path.credentialId);
    return emptyResponse(204);
  },
});
