// What this API accepts on its Tink routes, shared by the handlers: ids in paths, markets, locales,
// scopes. Everything is checked before any provider call; objects are strict (an unknown key is a 400).
import * as z from 'zod';
import { tinkId, tinkUserId } from '../../lib/ids';

export const tinkUserPath = z.strictObject({ userId: tinkUserId });

export const tinkCredentialPath = z.strictObject({
  userId: tinkUserId,
  credentialId: tinkId('credentialId'),
});

/** ISO 3166-1 alpha-2, upper case (Tink answers 400 for a market it does not serve). */
export const market = z
  .string()
  .regex(/^[A-Z]{2}$/, 'market must be an ISO 3166-1 alpha-2 code such as "SE"');

export const locale = z.string().regex(/^[a-z]{2}_[A-Z]{2}$/, 'locale must look like "sv_SE"');

/**
 * Tink's scope vocabulary is open (`accounts.parties:readonly`, `balance-refresh`, …) and what an
 * app may use is Tink's to decide (its entitlements), so only the FORMAT is checked here: lower-case
 * words of letters, digits, `.`, `_` and `-`, joined by `:`, bounded. No comma: Tink joins scopes
 * with commas, so an item holding one would smuggle in another scope.
 */
export const maxScopeLength = 64;
export const maxScopeCount = 50;
const scopePattern = /^[a-z0-9][a-z0-9._-]*(:[a-z0-9][a-z0-9._-]*)*$/;

export const tinkScope = z
  .string()
  .min(1, 'a scope must not be empty')
  .max(maxScopeLength, `a scope is at most ${maxScopeLength} characters`)
  .regex(
    scopePattern,
    'a scope is lower-case letters, digits, ".", "_" and "-" in parts joined by ":" (e.g. "accounts:read")',
  );

export const scopeList = z
  .array(tinkScope)
  .min(1, 'scope must name at least one scope')
  .max(maxScopeCount, `scope names at most ${maxScopeCount} scopes`)
  .refine((scopes) => new Set(scopes).size === scopes.length, 'scope must not repeat a scope');
