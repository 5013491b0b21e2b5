// Vitest's own order (failed first, then slowest first), except that the secret-hygiene file always
// runs last: its scan of the cache table must see what every other integration file left there.
// The lanes that share a dynalite run one file at a time, in this order.
import { BaseSequencer, type TestSpecification } from 'vitest/node';

export const lastFiles = ['test/integration/secret-hygiene.test.ts'];

const runsLast = (spec: TestSpecification) =>
  lastFiles.some((file) => spec.moduleId.replaceAll('\\', '/').endsWith(`/${file}`));

export default class SecretScanLastSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    return [...sorted.filter((spec) => !runsLast(spec)), ...sorted.filter(runsLast)];
  }
}
