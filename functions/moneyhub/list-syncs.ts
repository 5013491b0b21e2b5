import { createHandler } from '../../lib/http/handler';
import { cachedJsonResponse } from '../../lib/http/responses';
import { moneyhubUsers } from '../../lib/providers/moneyhub';
import { moneyhubUserPath, syncsQuery } from '../../lib/providers/moneyhub/requests';

const moneyhub = moneyhubUsers();

export const handler = createHandler({
  operation: 'moneyhub.listSyncs',
  path: moneyhubUserPath,
  query: syncsQuery,
  run: async ({ path, query, call, noCache }) =>
    cachedJsonResponse(await moneyhub.listSyncs(call, path.userId, query, { noCache })),
});
