// `npm test`: lint, typecheck, then every vitest lane (unit, integration, e2e, package), and a
// closing line `N passed, N failed` that CI reads. Lint and typecheck count as one check each.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '..');
// vitest's colour check ignores whether stdout is a terminal: a log file or a CI capture would be
// full of ANSI codes. Not a terminal, no colours (FORCE_COLOR still wins for those who want them).
const childEnv: NodeJS.ProcessEnv =
  process.stdout.isTTY || process.env.FORCE_COLOR !== undefined
    ? process.env
    : { ...process.env, NO_COLOR: '1' };
const bin = (name: string) => path.join(root, 'node_modules', '.bin', name);
let passed = 0;
let failed = 0;

function check(name: string, command: string, args: string[]) {
  console.log(`\n▶ ${name}: ${path.basename(command)} ${args.join(' ')}`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: childEnv });
  if (result.status === 0) passed += 1;
  else {
    failed += 1;
    console.log(`✗ ${name} failed`);
  }
}

check('lint', bin('biome'), ['check', '.']);
check('typecheck', bin('tsc'), ['--noEmit', '-p', 'tsconfig.json']);

/** Runs vitest (directly or through a wrapper script) with a JSON report, and adds up its counts. */
function vitestLane(name: string, command: string, args: string[]) {
  const report = path.join(root, `.vitest-report-${name}.json`);
  rmSync(report, { force: true });
  console.log(`\n▶ ${name}`);
  const run = spawnSync(
    command,
    [...args, '--reporter=default', '--reporter=json', `--outputFile.json=${report}`],
    {
      cwd: root,
      stdio: 'inherit',
      env: childEnv,
    },
  );
  let laneFailed = 0;
  if (existsSync(report)) {
    const results = JSON.parse(readFileSync(report, 'utf8')) as {
      numPassedTests: number;
      numFailedTests: number;
    };
    passed += results.numPassedTests;
    laneFailed = results.numFailedTests;
    rmSync(report, { force: true });
  }
  // A crash or a failed suite setup can fail a run with no failed test: count it once.
  if (run.status !== 0 && laneFailed === 0) laneFailed = 1;
  failed += laneFailed;
}

// One vitest process per lane: the integration and e2e global setups each export the environment
// their handlers read (simulator URLs, table, endpoint); sharing one process would mix them.
const lanes = (process.env.TEST_LANES ?? 'unit,integration,e2e,package').split(',');
for (const lane of lanes) vitestLane(lane, bin('vitest'), ['run', '--project', lane]);
// CI adds the conformance lane (the cache suite on AWS's DynamoDB Local) where Java is present.
if (process.env.TEST_CONFORMANCE === '1') {
  vitestLane('conformance (DynamoDB Local)', bin('tsx'), [path.join(root, 'scripts', 'conformance.ts')]);
}

console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
