// Which scope set a Moneyhub call asks for. Moneyhub accepts both scope families on the connection
// and sync routes (`user:*` or `connection:*`, see docs/providers.md "Scopes"), but an API client may
// be registered for one family only, and its token server then refuses the other with
// `invalid_scope`. So the configured family is asked for first and the other only after that
// refusal. A refused set is remembered for the process, so a tenant registered with one family costs
// one extra token request per process, not one per call. What a route answers (a 403 included) is
// never a reason to switch: only the token server speaks for the registration.
import type { MoneyhubConfig } from '../../config';
import { logger } from '../../observability';
import { ProviderError } from '../errors';

export type ScopeFamily = MoneyhubConfig['MONEYHUB_CONNECTION_SCOPE_FAMILY'];

/** The calls that share a choice of scope sets (docs/providers.md, Moneyhub "Scopes"). */
export type ScopeGroup = 'register' | 'getUser' | 'deleteUser' | 'readConnections' | 'deleteConnection';

function scopeSets(primaryFamily: ScopeFamily): Record<ScopeGroup, string[]> {
  const families = primaryFamily === 'connection' ? ['connection', 'user'] : ['user', 'connection'];
  return {
    register: ['user:create'],
    getUser: ['user:read'],
    deleteUser: ['user:delete', 'user:read user:delete'],
    readConnections: families.map((family) => `${family}:read`),
    deleteConnection: families.map((family) => `${family}:delete`),
  };
}

/** The token server refused the scope set: this API client is not registered for it. */
const isInvalidScope = (error: unknown) =>
  error instanceof ProviderError && error.providerCode === 'invalid_scope';

export class ScopeFamilyFallback {
  private readonly sets: Record<ScopeGroup, string[]>;
  /** Scope sets the token server refused: not asked for again by this process. */
  private readonly refused = new Set<string>();

  constructor(primaryFamily: ScopeFamily) {
    this.sets = scopeSets(primaryFamily);
  }

  /** Runs `action` with the group's first scope set not refused, moving on only on `invalid_scope`. */
  async run<T>(group: ScopeGroup, action: (scope: string) => Promise<T>): Promise<T> {
    const configured = this.sets[group];
    const untried = configured.filter((scope) => !this.refused.has(scope));
    // Every set refused before: the API client's registration may have changed since, so ask again.
    const candidates = untried.length > 0 ? untried : configured;
    let refusal: unknown;
    for (const scope of candidates) {
      try {
        return await action(scope);
      } catch (error) {
        if (!isInvalidScope(error)) throw error;
        this.refused.add(scope);
        refusal = error;
        logger.warn('Moneyhub refused a scope set', { group, scope });
      }
    }
    throw refusal;
  }

  /** Back to the configured order, as after a cold start. */
  forget() {
    this.refused.clear();
  }
}
