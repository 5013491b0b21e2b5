// Moneyhub's token endpoint (`POST /oidc/token`, grant `client_credentials`): a token for a scope
// set, or with `sub` for one user's data. Its refusals (400: `invalid_scope`, `invalid_request`…)
// are this service's fault, never the caller's, so they become `credentialsRejected`; Moneyhub's
// code is kept, for ./scope-family-fallback.ts to recognise `invalid_scope`.
import type { CallContext } from '../../call-context';
import { mintedToken } from '../access-tokens';
import { ProviderError, ProviderFailure } from '../errors';
import type { MintedToken } from '../token-cache';
import type { ProviderTransport } from '../transport';
import type { ClientAuthentication } from './client-auth';
import { moneyhubTokenResponse } from './schemas';

/** Space-separated, de-duplicated and sorted, so one scope set is one token. */
export const normaliseScope = (scope: string) =>
  [...new Set(scope.split(' ').filter(Boolean))].sort().join(' ');

export async function requestToken(
  transport: ProviderTransport,
  authentication: ClientAuthentication,
  call: CallContext,
  scope: string,
  sub?: string,
): Promise<MintedToken> {
  const operation = sub === undefined ? 'clientToken' : 'userToken';
  try {
    const token = await transport.json(
      {
        operation,
        method: 'POST',
        path: '/oidc/token',
        headers: await authentication.headers(),
        bodyForAttempt: async () => ({
          form: {
            grant_type: 'client_credentials',
            scope: normaliseScope(scope),
            sub,
            ...(await authentication.form()),
          },
        }),
        call,
        // Minting a token twice is harmless; each attempt signs a fresh assertion.
        retry: true,
      },
      moneyhubTokenResponse,
    );
    return mintedToken('moneyhub', sub === undefined ? 'client' : 'user', scope, token);
  } catch (error) {
    if (error instanceof ProviderError && error.providerStatus === 400) {
      throw new ProviderError({
        provider: 'moneyhub',
        operation,
        failure: ProviderFailure.credentialsRejected,
        detail: "The provider refused this service's token request (status 400); the caller is not at fault",
        providerStatus: error.providerStatus,
        providerRequestId: error.providerRequestId,
        providerCode: error.providerCode,
        cause: error,
      });
    }
    throw error;
  }
}
