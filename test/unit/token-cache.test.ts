import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { ProviderError, ProviderFailure } from '../../lib/providers/errors';
import { TokenCache } from '../../lib/providers/token-cache';

describe('Class: TokenCache', () => {
  describe('Method: get', () => {
    it('shares one token request between concurrent callers (single flight)', async () => {
      const cache = new TokenCache();
      let mints = 0;
      const mint = async () => {
        mints += 1;
        await sleep(20);
        return { accessToken: `token-${mints}`, expiresInSeconds: 1800 };
      };

      const tokens = await Promise.all(
        Array.from({ length: 10 }, () => cache.get('client:user:create', mint)),
      );

      expect(mints).toBe(1);
      expect(new Set(tokens)).toEqual(new Set(['token-1']));
    });

    it('keeps a token until expires_in minus the skew, then mints a new one', async () => {
      const clock = { nowMs: 1_000_000 };
      const cache = new TokenCache({ skewSeconds: 60, now: () => clock.nowMs });
      let mints = 0;
      const mint = async () => ({ accessToken: `token-${++mints}`, expiresInSeconds: 1800 });

      await cache.get('k', mint);
      clock.nowMs += 1739_999;
      const beforeSkew = await cache.get('k', mint);
      clock.nowMs += 1;
      const afterSkew = await cache.get('k', mint);

      expect([beforeSkew, afterSkew]).toEqual(['token-1', 'token-2']);
    });

    it('keys tokens apart (scope sets, users)', async () => {
      const cache = new TokenCache();
      const first = await cache.get('user:a', async () => ({ accessToken: 'a', expiresInSeconds: 100 }));
      const second = await cache.get('user:b', async () => ({ accessToken: 'b', expiresInSeconds: 100 }));
      expect([first, second]).toEqual(['a', 'b']);
    });

    it('does not cache a failed mint', async () => {
      const cache = new TokenCache();
      await expect(cache.get('k', async () => Promise.reject(new Error('down')))).rejects.toThrow('down');
      expect(await cache.get('k', async () => ({ accessToken: 'ok', expiresInSeconds: 100 }))).toBe('ok');
    });
  });

  describe('Method: use', () => {
    it('drops a token the provider refuses with 401 and retries once with a new one', async () => {
      const cache = new TokenCache();
      let mints = 0;
      const mint = async () => ({ accessToken: `token-${++mints}`, expiresInSeconds: 1800 });
      const used: string[] = [];

      const result = await cache.use('k', mint, async (token) => {
        used.push(token);
        if (token === 'token-1') {
          throw new ProviderError({
            provider: 'tink',
            operation: 'x',
            failure: ProviderFailure.credentialsRejected,
            detail: 'refused',
            providerStatus: 401,
          });
        }
        return 'done';
      });

      expect(result).toBe('done');
      expect(used).toEqual(['token-1', 'token-2']);
    });
  });
  describe('Option: maxTokens', () => {
    it('keeps at most maxTokens, dropping expired tokens first, then the least recently minted', async () => {
      // Prepare
      const clock = { nowMs: 1_000_000 };
      const cache = new TokenCache({ skewSeconds: 0, maxTokens: 3, now: () => clock.nowMs });
      const mint = (accessToken: string, expiresInSeconds: number) => async () => ({
        accessToken,
        expiresInSeconds,
      });
      await cache.get('short-lived', mint('short', 10));
      await cache.get('oldest', mint('oldest', 3600));
      await cache.get('newer', mint('newer', 3600));
      clock.nowMs += 10_000;

      // Act: two more keys; the expired token goes first, then the oldest live one
      await cache.get('fourth', mint('fourth', 3600));
      await cache.get('fifth', mint('fifth', 3600));

      // Assess
      expect(cache.size).toBe(3);
      let minted = 0;
      const counting = (name: string) => async () => {
        minted += 1;
        return { accessToken: name, expiresInSeconds: 3600 };
      };
      expect(await cache.get('newer', counting('again'))).toBe('newer');
      expect(await cache.get('fourth', counting('again'))).toBe('fourth');
      expect(await cache.get('fifth', counting('again'))).toBe('fifth');
      expect(minted).toBe(0);
      expect(await cache.get('oldest', counting('re-minted'))).toBe('re-minted');
      expect(minted).toBe(1);
    });
  });
});
