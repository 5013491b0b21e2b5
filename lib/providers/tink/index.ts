// The process's Tink client and operations, built from configuration on first use, and what the
// rest of the service imports from the Tink provider.
import { responseCache } from '../../cache';
import { coreConfig, tinkConfig } from '../../config';
import { enrollmentRegistry } from '../../registry';
import { TinkClient } from './client';
import { TinkOperations } from './operations';

let client: TinkClient | undefined;
let operations: TinkOperations | undefined;

/** The process's Tink client (one token cache for every caller in the process). */
export function tinkClient(): TinkClient {
  client ??= new TinkClient({ tink: tinkConfig(), core: coreConfig() });
  return client;
}

/** The process's Tink operations with their cache rules. */
export function tinkOperations(): TinkOperations {
  if (!operations) {
    const core = coreConfig();
    operations = new TinkOperations({
      client: tinkClient(),
      cache: responseCache(),
      registry: enrollmentRegistry(),
      credentialsFreshSeconds: core.CACHE_TTL_TINK_CREDENTIALS_SECONDS,
      inProgressFreshSeconds: core.CACHE_TTL_TINK_CREDENTIALS_IN_PROGRESS_SECONDS,
    });
  }
  return operations;
}

export type {
  TinkAuthorizationInput,
  TinkClientOptions,
  TinkCreateUserInput,
  TinkRefreshOptions,
} from './client';
export { TinkClient } from './client';
export type { TinkOperationsOptions, TinkUser, TinkUserAccessToken } from './operations';
export { TinkOperations } from './operations';
export type { TinkCredential, TinkCredentialList } from './schemas';
export { inProgressStatuses, parseTinkErrorBody } from './schemas';
