import { describe, expect, it } from 'vitest';
import { ProviderError, ProviderFailure } from '../../lib/providers/errors';
import { ScopeFamilyFallback } from '../../lib/providers/moneyhub/scope-family-fallback';

/** What the token request raises when the token server refuses a scope set (see token-endpoint.ts). */
const refusal = (providerCode: string) =>
  new ProviderError({
    provider: 'moneyhub',
    operation: 'clientToken',
    failure: ProviderFailure.credentialsRejected,
    detail: "The provider refused this service's token request (status 400); the caller is not at fault",
    providerStatus: 400,
    providerCode,
  });

/** A token server that refuses the given scope sets with `invalid_scope`, recording what was asked. */
function tokenServer(refused: Set<string>) {
  const asked: string[] = [];
  const action = async (scope: string) => {
    asked.push(scope);
    if (refused.has(scope)) throw refusal('invalid_scope');
    return `answered with ${scope}`;
  };
  return { asked, action };
}

describe('Class: ScopeFamilyFallback', () => {
  describe('Method: run', () => {
    it('asks for the configured family first, and only for it when it is accepted', async () => {
      const fallback = new ScopeFamilyFallback('user');
      const server = tokenServer(new Set());

      const answer = await fallback.run('readConnections', server.action);

      expect(answer).toBe('answered with user:read');
      expect(server.asked).toEqual(['user:read']);
    });

    it('moves to the other family on invalid_scope and does not ask for the refused set again', async () => {
      const fallback = new ScopeFamilyFallback('connection');
      const server = tokenServer(new Set(['connection:read']));

      const first = await fallback.run('readConnections', server.action);
      const second = await fallback.run('readConnections', server.action);

      expect([first, second]).toEqual(['answered with user:read', 'answered with user:read']);
      expect(server.asked).toEqual(['connection:read', 'user:read', 'user:read']);
    });

    it('asks for every set again once all of them were refused (the registration may have changed)', async () => {
      const fallback = new ScopeFamilyFallback('connection');
      const refused = new Set(['connection:delete', 'user:delete']);
      const server = tokenServer(refused);
      const failed = await fallback.run('deleteConnection', server.action).catch((error: unknown) => error);
      refused.clear();

      const answer = await fallback.run('deleteConnection', server.action);

      expect(failed).toBeInstanceOf(ProviderError);
      expect((failed as ProviderError).providerCode).toBe('invalid_scope');
      expect(answer).toBe('answered with connection:delete');
      expect(server.asked).toEqual(['connection:delete', 'user:delete', 'connection:delete']);
    });

    it('never switches family over another failure', async () => {
      const fallback = new ScopeFamilyFallback('connection');
      const asked: string[] = [];

      const failed = await fallback
        .run('readConnections', async (scope) => {
          asked.push(scope);
          throw refusal('invalid_client');
        })
        .catch((error: unknown) => error);

      expect((failed as ProviderError).providerCode).toBe('invalid_client');
      expect(asked).toEqual(['connection:read']);
    });
  });

  describe('Method: forget', () => {
    it('goes back to the configured family first', async () => {
      const fallback = new ScopeFamilyFallback('connection');
      const refused = new Set(['connection:read']);
      const server = tokenServer(refused);
      await fallback.run('readConnections', server.action);
      refused.clear();

      fallback.forget();
      const answer = await fallback.run('readConnections', server.action);

      expect(answer).toBe('answered with connection:read');
      expect(server.asked).toEqual(['connection:read', 'user:read', 'connection:read']);
    });
  });
});
