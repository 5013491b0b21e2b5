import { createHandler } from '../../lib/http/handler';
import { withLocalPageLinks } from '../../lib/http/paging';
import { cachedJsonResponse } from '../../lib/http/responses';
import { moneyhubOperations } from '../../lib/providers/moneyhub';
import { moneyhubUserPath, syncsQuery } from './moneyhub-route';

const moneyhub = moneyhubOperations();

export const handler = createHandler({
  operation: 'moneyhub.listSyncs',
  path: moneyhubUserPath,
  query: syncsQuery,
  run: async ({ path, query, call, noCache, requestUrl }) =>
    cachedJsonResponse(await moneyhub.listSyncs(call, path.userId, query, { noCache }), (page) =>
      withLocalPageLinks(page, requestUrl),
    ),
});
