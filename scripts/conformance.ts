// The conformance lane: the cache suite against AWS's DynamoDB Local (real transactions, TTL and
// validation) instead of dynalite. DynamoDB Local binds every interface, so when we are root and
// `unshare` works, it runs inside a private network namespace with only loopback up.
import { spawnSync } from 'node:child_process';

const suite = [
  'vitest',
  'run',
  '--project',
  'integration',
  'test/integration/cache.test.ts',
  ...process.argv.slice(2),
];
const env = { ...process.env, CACHE_BACKEND: 'dynamodb-local' };

function hasJava(): boolean {
  return spawnSync('java', ['-version'], { stdio: 'ignore' }).status === 0;
}

function canUnshare(): boolean {
  if (process.getuid?.() !== 0) return false;
  return spawnSync('unshare', ['-n', 'sh', '-c', 'ip link set lo up'], { stdio: 'ignore' }).status === 0;
}

if (!hasJava()) {
  console.error('Conformance lane needs Java 17+ for DynamoDB Local; none found.');
  process.exit(1);
}

const isolated = canUnshare();
console.log(
  `DynamoDB Local conformance lane (${isolated ? 'private network namespace' : 'host network, loopback port'})`,
);
const command = suite.map((part) => `'${part}'`).join(' ');
const result = isolated
  ? spawnSync('unshare', ['-n', 'sh', '-c', `ip link set lo up && exec npx ${command}`], {
      stdio: 'inherit',
      env,
    })
  : spawnSync('npx', suite, { stdio: 'inherit', env });
process.exit(result.status ?? 1);
