// What this API accepts on its Tink routes, shared by the handlers: ids in paths, markets, locales,
// scopes. Everything is checked before any provider call; objects are strict (an unknown key is a 400).
import * as z from 'zod';
import { tinkId, tinkUserId } from '../../http/ids';
import { tinkScopes } from './schemas';

export const tinkUserPath = z.strictObject({ userId: tinkUserId });

export const tinkCredentialPath = z.strictObject({
  userId: tinkUserId,
  credentialId: tinkId('credentialId'),
});

/** Routes that take no query parameters refuse any. */
export const noQuery = z.strictObject({});

/** ISO 3166-1 alpha-2, upper case (Tink answers 400 for a market it does not serve). */
export const market = z
  .string()
  .regex(/^[A-Z]{2}$/, 'market must be an ISO 3166-1 alpha-2 code such as "SE"');

export const locale = z.string().regex(/^[a-z]{2}_[A-Z]{2}$/, 'locale must look like "sv_SE"');

/** Printable text without control characters, bounded. */
export const boundedText = (label: string, max: number) =>
  z
    .string()
    .min(1, `${label} must not be empty`)
    .max(max, `${label} is at most ${max} characters`)
    // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
    .regex(/^[^\u0000-\u001f\u007f]+$/, `${label} must not contain control characters`);

export const tinkScope = z.enum(tinkScopes, { error: `scope must be one of ${tinkScopes.join(', ')}` });

export const scopeList = z
  .array(tinkScope)
  .min(1, 'scope must name at least one scope')
  .max(tinkScopes.length)
  .refine((scopes) => new Set(scopes).size === scopes.length, 'scope must not repeat a scope');
