// The process's Moneyhub client and operations, built from configuration on first use, and what
// the rest of the service imports from the Moneyhub provider.
import { responseCache } from '../../cache';
import { coreConfig, moneyhubConfig } from '../../config';
import { enrollmentRegistry } from '../../registry';
import { MoneyhubClient } from './client';
import { DeleteConnectionPaths } from './delete-connection-path';
import { MoneyhubOperations } from './operations';
import { ScopeFamilyFallback } from './scope-family-fallback';

let client: MoneyhubClient | undefined;
let learned: { scopeFamilies: ScopeFamilyFallback; deleteConnectionPaths: DeleteConnectionPaths } | undefined;
let operations: MoneyhubOperations | undefined;

/** The process's Moneyhub client: one token cache, and one memory of what it learned, per process. */
export function moneyhubClient(): MoneyhubClient {
  if (!client) {
    const moneyhub = moneyhubConfig();
    learned = {
      scopeFamilies: new ScopeFamilyFallback(moneyhub.MONEYHUB_CONNECTION_SCOPE_FAMILY),
      deleteConnectionPaths: new DeleteConnectionPaths(moneyhub.MONEYHUB_DELETE_CONNECTION_PATH),
    };
    client = new MoneyhubClient({ moneyhub, core: coreConfig(), ...learned });
  }
  return client;
}

/**
 * Sends the process's client back to the configured scope family and delete-connection path, as
 * after a cold start. Nothing in the service calls it: what the client learned holds for the life of
 * the process. Tests that change the simulator's registration between cases do, so that what they
 * count does not depend on the cases before.
 */
export function forgetLearnedMoneyhubFallbacks() {
  learned?.scopeFamilies.forget();
  learned?.deleteConnectionPaths.forget();
}

/** The process's Moneyhub operations with their cache rules. */
export function moneyhubOperations(): MoneyhubOperations {
  if (!operations) {
    const core = coreConfig();
    operations = new MoneyhubOperations({
      client: moneyhubClient(),
      cache: responseCache(),
      registry: enrollmentRegistry(),
      userFreshSeconds: core.CACHE_TTL_MONEYHUB_USER_SECONDS,
      connectionsFreshSeconds: core.CACHE_TTL_MONEYHUB_CONNECTIONS_SECONDS,
      syncsFreshSeconds: core.CACHE_TTL_MONEYHUB_SYNCS_SECONDS,
    });
  }
  return operations;
}

export type { MoneyhubClientOptions, RegisterUserInput, SyncPage } from './client';
export { MoneyhubClient } from './client';
export type { ClientAuthentication } from './client-auth';
export type { DeleteConnectionPath } from './delete-connection-path';
export type { MoneyhubOperationsOptions } from './operations';
export { MoneyhubOperations } from './operations';
export type {
  ConnectionSync,
  ConnectionSyncList,
  MoneyhubUser,
  SyncStarted,
  UserConnection,
  UserConnectionList,
} from './schemas';
export { parseMoneyhubErrorBody } from './schemas';
