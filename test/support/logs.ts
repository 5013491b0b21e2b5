// Captures what the process writes to stdout/stderr (Powertools logs and EMF metrics), so tests can
// assert that something was logged, or that no secret ever was. Captures nest: a file may capture
// everything its fault tests print (so a passing run prints no error records), while a test inside
// it captures the lines it asserts on; each write goes to the innermost open capture only.
import type { MockInstance } from 'vitest';
import { vi } from 'vitest';

export interface CapturedLogs {
  lines(): string[];
  text(): string;
  /** Parsed JSON log records (non-JSON lines are skipped). */
  records(): Record<string, unknown>[];
  restore(): void;
}

/** The chunk lists of the open captures, innermost last. */
const open: string[][] = [];
let spies: MockInstance[] = [];

function capture(chunk: unknown) {
  open.at(-1)?.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
  return true;
}

export function captureLogs(): CapturedLogs {
  const chunks: string[] = [];
  open.push(chunks);
  if (spies.length === 0)
    spies = [
      vi.spyOn(process.stdout, 'write').mockImplementation(capture as typeof process.stdout.write),
      vi.spyOn(process.stderr, 'write').mockImplementation(capture as typeof process.stderr.write),
    ];
  const lines = () =>
    chunks
      .join('')
      .split('\n')
      .filter((line) => line.trim() !== '');
  return {
    lines,
    text: () => chunks.join(''),
    records: () =>
      lines().flatMap((line) => {
        try {
          return [JSON.parse(line) as Record<string, unknown>];
        } catch {
          return [];
        }
      }),
    restore: () => {
      const index = open.lastIndexOf(chunks);
      if (index >= 0) open.splice(index, 1);
      if (open.length === 0) {
        for (const spy of spies) spy.mockRestore();
        spies = [];
      }
    },
  };
}
