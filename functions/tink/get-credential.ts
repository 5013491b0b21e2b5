import { createHandler } from '../../lib/http/handler';
import { cachedJsonResponse } from '../../lib/http/responses';
import { tinkOperations } from '../../lib/providers/tink';
import { noQuery } from '../route-shapes';
import { tinkCredentialPath } from './tink-route';

const tink = tinkOperations();

export const handler = createHandler({
  operation: 'tink.getCredential',
  path: tinkCredentialPath,
  query: noQuery,
  run: async ({ path, call, noCache }) =>
    cachedJsonResponse(await tink.getCredential(call, path.userId, path.credentialId, { noCache })),
});
