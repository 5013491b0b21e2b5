// Captures what the process writes to stdout/stderr (Powertools logs and EMF metrics), so tests can
// assert that something was logged, or that no secret ever was.
import { vi } from 'vitest';

export interface CapturedLogs {
  lines(): string[];
  text(): string;
  /** Parsed JSON log records (non-JSON lines are skipped). */
  records(): Record<string, unknown>[];
  restore(): void;
}

export function captureLogs(): CapturedLogs {
  const chunks: string[] = [];
  const capture = (chunk: unknown) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
    return true;
  };
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(capture as typeof process.stdout.write);
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(capture as typeof process.stderr.write);
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
      stdout.mockRestore();
      stderr.mockRestore();
    },
  };
}
