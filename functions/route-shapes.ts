// What the route contracts of every area share (the areas' own shapes stay in
// functions/<area>/<area>-route.ts). Checked before any provider call; objects are strict.
import * as z from 'zod';

/** Routes that take no query parameters refuse any. */
export const noQuery = z.strictObject({});

/** Printable text without control characters, bounded. */
export const boundedText = (label: string, max: number) =>
  z
    .string()
    .min(1, `${label} must not be empty`)
    .max(max, `${label} is at most ${max} characters`)
    // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
    .regex(/^[^\u0000-\u001f\u007f]+$/, `${label} must not contain control characters`);
