// What this API accepts on its Moneyhub routes, shared by the handlers: ids in paths, the register
// body, the syncs page. Everything is checked before any provider call; objects are strict (an
// unknown key is a 400).
import * as z from 'zod';
import { moneyhubConnectionId, moneyhubUserId } from '../../lib/ids';

export const moneyhubUserPath = z.strictObject({ userId: moneyhubUserId });

export const moneyhubConnectionPath = z.strictObject({
  userId: moneyhubUserId,
  connectionId: moneyhubConnectionId,
});

/** Routes that take no query parameters refuse any. */
export const noQuery = z.strictObject({});

/** `{clientUserId?}`; an absent body registers a user without one. */
export const registerUserBody = z
  .strictObject({
    clientUserId: z
      .string()
      .min(1, 'clientUserId must not be empty')
      .max(256, 'clientUserId is at most 256 characters')
      // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
      .regex(/^[^\u0000-\u001f\u007f]+$/, 'clientUserId must not contain control characters')
      .optional(),
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
