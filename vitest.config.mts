import { defineConfig } from 'vitest/config';
import SecretScanLastSequencer from './test/support/secret-scan-last.mts';

// Four lanes. `npm test` (scripts/test.ts) runs each in its own vitest process: the integration and
// e2e global setups export different environments, which must not meet in one process. Unit tests
// run in parallel; the lanes that share one dynalite and one pair of simulators (integration, e2e)
// run their files one at a time, so that fault injection and call counts never leak between files.
export default defineConfig({
  test: {
    // Vitest's order, but test/integration/secret-hygiene.test.ts last: its scan of the cache table
    // runs after every other integration file (a sequencer is root-level; it moves only that file).
    sequence: { sequencer: SecretScanLastSequencer },
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          setupFiles: ['test/support/unit-env.ts'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/support/integration-setup.ts'],
          fileParallelism: false,
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['test/support/e2e-setup.ts'],
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 180_000,
        },
      },
      {
        test: {
          name: 'package',
          include: ['test/package/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
