import { describe, expect, it } from 'vitest';
import { maxRetryAfterSeconds, parseRetryAfterSeconds } from '../../lib/providers/retry-after';

describe('Function: parseRetryAfterSeconds', () => {
  const nowMs = Date.parse('2026-01-05T10:00:00Z');

  it.each([
    ['0', 0],
    ['7', 7],
    [' 12 ', 12],
    ['Mon, 05 Jan 2026 10:00:30 GMT', 30],
    ['Mon, 05 Jan 2026 10:00:00 GMT', 0],
    ['Sun, 04 Jan 2026 10:00:00 GMT', 0],
    ['99999999999999999999', maxRetryAfterSeconds],
    ['Tue, 05 Jan 2027 10:00:00 GMT', maxRetryAfterSeconds],
  ])('reads %j as %i seconds', (value, seconds) => {
    expect(parseRetryAfterSeconds(value, nowMs)).toBe(seconds);
  });

  it.each([
    null,
    undefined,
    '',
    '-5',
    '1.5',
    '3, 4',
    '1e3',
    'soon',
    '2026-01-05T10:00:30Z',
    'Mon, 05 Jan 2026 10:00:30',
  ])('ignores %j', (value) => {
    expect(parseRetryAfterSeconds(value, nowMs)).toBeUndefined();
  });
});
