// What this API accepts on its Moneyhub routes, shared by the handlers: ids in paths, the register
// body, the syncs page. Everything is checked before any provider call; objects are strict (an
// unknown key is a 400).
import * as z from 'zod';
import { moneyhubConnectionId, moneyhubUserId } from '../../lib/ids';
import { boundedText } from '../route-shapes';

export const moneyhubUserPath = z.strictObject({ userId: moneyhubUserId });

export const moneyhubConnectionPath = z.strictObject({
  userId: moneyhubUserId,
  connectionId: moneyhubConnectionId,
});

/** `{clientUserId?}`; an absent body registers a user without one. */
export const registerUserBody = z
  .strictObject({
    clientUserId: boundedText('clientUserId', 256).optional(),
  })
  .optional()
  .transform((body) => body ?? {});

const wholeNumber = (label: string, min: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,10}$/, `${label} must be a whole number`)
    .transform(Number)
    .pipe(
      z
        .number()
        .int()
        .min(min, `${label} must be at least ${min}`)
        .max(max, `${label} must be at most ${max}`),
    );

/** A page of syncs; absent values are left to Moneyhub's defaults. */
export const syncsQuery = z.strictObject({
  limit: wholeNumber('limit', 1, 1000).optional(),
  offset: wholeNumber('offset', 0, 1_000_000_000).optional(),
});
