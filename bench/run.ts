// `npm run bench`: runs every benchmark in turn. Not part of `npm test`.
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const benches = (process.env.BENCHES ?? 'cache-read,workload,sweep,sweep-scale,cold-start').split(',');
let failed = false;
for (const name of benches) {
  const file = path.join(__dirname, `${name}.ts`);
  console.log(`\n▶ bench/${name}`);
  const result = spawnSync(path.join(__dirname, '..', 'node_modules', '.bin', 'tsx'), [file], {
    stdio: 'inherit',
  });
  if (result.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
