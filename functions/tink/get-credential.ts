import { createHandler } from '../../lib/http/handler';
import { cachedJsonResponse } from '../../lib/http/responses';
import { tinkUsers } from '../../lib/providers/tink';
import { noQuery } from '../route-shapes';
import { tinkCredentialPath } from './tink-route';

const tink = tinkUsers();

export const handler = createHandler({
  operation: 'tink.getCredential',
  path: tinkCredentialPath,
  query: noQuery,
  run: async ({ path, call, noCache }) =>
    cachedJsonResponse(await tink.getCredential(call, path.userId, path.credentialId, { noCache })),
});
