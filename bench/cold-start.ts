// Benchmark: cold starts of the packaged functions against a bare `node -e 0`. Packages the service
// (`sls package`, or reads COLD_START_PACKAGE_DIR), unpacks every zip, and in interleaved rounds
// spawns, per round: bare node, then each cached-read function as a fresh process that loads its
// bundle and serves one cache hit (dynalite on loopback; the cache filled beforehand, so no provider
// is called), then every other function loading its bundle only. Prints per function the zipped
// size against its budget, the module-load ms and, for the reads, the cold start as a ratio to bare
// node (medians); then one summary line. Bounded: a fixed number of rounds. Loopback only.
import './quiet';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createCacheTable, startDynalite } from '../local/dynamodb';
import { coldStartGoals, zippedBudgetKiB } from './budgets';
import { runBench } from './run-bench';
import { startSimulatedProviders } from './simulated-providers';
import { readZippedBundle } from './zip';

const rounds = Number(process.env.BENCH_ROUNDS ?? 7);
const root = path.resolve(__dirname, '..');
const nodeBinary = process.execPath;

function packageService(): string {
  if (process.env.COLD_START_PACKAGE_DIR) return process.env.COLD_START_PACKAGE_DIR;
  const packageDir = mkdtempSync(path.join(tmpdir(), 'obu-cold-start-package-'));
  console.log('packaging (sls package --stage dev) …');
  const result = spawnSync(
    path.join(root, 'node_modules', '.bin', 'sls'),
    ['package', '--stage', 'dev', '--package', packageDir],
    {
      cwd: root,
      encoding: 'utf8',
      // The deploy guard refuses a stage with placeholder settings; these name no real issuer or
      // client (the bundles run below with the loopback settings instead).
      env: {
        JWT_ISSUER: 'https://issuer.bench.invalid/',
        JWT_AUDIENCE: 'bench-audience',
        TINK_CLIENT_ID: 'bench-tink',
        MONEYHUB_CLIENT_ID: 'bench-moneyhub',
        ...process.env,
        SLS_TELEMETRY_DISABLED: '1',
      },
      timeout: 300_000,
    },
  );
  if (result.status !== 0) throw new Error(`sls package failed:\n${result.stdout}\n${result.stderr}`);
  return packageDir;
}

/** What the child process runs: load the bundle, optionally invoke it once, report, exit. */
const childScript = `
const loadStartMs = performance.now();
const { handler } = require(process.env.BENCH_BUNDLE);
const loadedMs = performance.now();
const report = (result) => {
  process.stdout.write(JSON.stringify({ loadMs: loadedMs - loadStartMs, servedAtMs: performance.now(), ...result }));
  process.exit(0);
};
if (!process.env.BENCH_EVENT) report({});
else {
  const startedMs = Date.now();
  const context = {
    awsRequestId: require('node:crypto').randomUUID(), functionName: 'cold-start', functionVersion: '$LATEST',
    memoryLimitInMB: '512', callbackWaitsForEmptyEventLoop: false,
    invokedFunctionArn: 'arn:aws:lambda:eu-west-1:000000000000:function:cold-start',
    getRemainingTimeInMillis: () => 10000 - (Date.now() - startedMs),
  };
  handler(JSON.parse(process.env.BENCH_EVENT), context).then(
    (response) => report({ status: response.statusCode, cacheStatus: response.headers?.['Cache-Status'] }),
    (error) => report({ error: String(error) }),
  );
}`;

interface ChildResult {
  wallMs: number;
  loadMs?: number;
  status?: number;
  cacheStatus?: string;
  error?: string;
}

function run(args: string[], env: NodeJS.ProcessEnv): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const startedMs = performance.now();
    const child = spawn(nodeBinary, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      const wallMs = performance.now() - startedMs;
      if (code !== 0) return reject(new Error(`exit ${code}: ${stderr.slice(0, 500)}`));
      // The bundle's own log and metric lines come first; the report is the last JSON object.
      const report = stdout.slice(stdout.lastIndexOf('{"loadMs"'));
      resolve({ wallMs, ...(report ? (JSON.parse(report) as Omit<ChildResult, 'wallMs'>) : {}) });
    });
  });
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};

function httpEvent(routeKey: string, rawPath: string, pathParameters: Record<string, string>) {
  return {
    version: '2.0',
    routeKey,
    rawPath,
    rawQueryString: '',
    headers: { accept: 'application/json' },
    pathParameters,
    isBase64Encoded: false,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: '127.0.0.1',
      domainPrefix: '127',
      http: { method: 'GET', path: rawPath, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'bench' },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: new Date().toISOString(),
      timeEpoch: Date.now(),
    },
  };
}

async function main() {
  const packageDir = packageService();
  const unpackDir = mkdtempSync(path.join(tmpdir(), 'obu-cold-start-'));
  const dynamo = await startDynalite();
  const providers = await startSimulatedProviders();
  try {
    const tableName = 'bench-cold-start';
    await createCacheTable(dynamo.endpoint, tableName);
    const { tink, moneyhub } = providers;
    const [tinkUser] = (await tink.seed({ users: [{ market: 'SE', credentials: [{ status: 'UPDATED' }] }] }))
      .users;
    const [moneyhubUser] = await moneyhub.seed({ users: [{ connections: [{ status: 'ok', error: null }] }] });
    if (!tinkUser || !moneyhubUser) throw new Error('seeding failed');

    // The Lambda environment of serverless.yml, pointed at loopback; entries fresh for the whole run.
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      STAGE: 'bench',
      CACHE_TABLE_NAME: tableName,
      DYNAMODB_ENDPOINT: dynamo.endpoint,
      CACHE_TTL_TINK_CREDENTIALS_SECONDS: '3600',
      CACHE_TTL_MONEYHUB_USER_SECONDS: '3600',
      CACHE_TTL_MONEYHUB_CONNECTIONS_SECONDS: '3600',
      CACHE_TTL_MONEYHUB_SYNCS_SECONDS: '3600',
      CACHE_JITTER_RATIO: '0',
      POWERTOOLS_SERVICE_NAME: 'open-banking-users',
      POWERTOOLS_METRICS_NAMESPACE: 'OpenBankingUsers',
      POWERTOOLS_LOG_LEVEL: 'INFO',
      ...providers.env,
      // Every bundle is loaded, the Tink webhook's too: it refuses to start without its secret.
      TINK_WEBHOOK_SECRET: randomBytes(24).toString('base64url'),
    };

    const tinkUserPath = `/tink/users/${tinkUser.userId}`;
    const moneyhubUserPath = `/moneyhub/users/${moneyhubUser.userId}`;
    const credentialId = tinkUser.credentialIds[0] as string;
    const connectionId = moneyhubUser.connectionIds[0] as string;
    const reads: Record<string, ReturnType<typeof httpEvent>> = {
      tinkListCredentials: httpEvent('GET /tink/users/{userId}/credentials', `${tinkUserPath}/credentials`, {
        userId: tinkUser.userId,
      }),
      tinkGetCredential: httpEvent(
        'GET /tink/users/{userId}/credentials/{credentialId}',
        `${tinkUserPath}/credentials/${credentialId}`,
        { userId: tinkUser.userId, credentialId },
      ),
      moneyhubGetUser: httpEvent('GET /moneyhub/users/{userId}', moneyhubUserPath, {
        userId: moneyhubUser.userId,
      }),
      moneyhubListConnections: httpEvent(
        'GET /moneyhub/users/{userId}/connections',
        `${moneyhubUserPath}/connections`,
        { userId: moneyhubUser.userId },
      ),
      moneyhubGetConnection: httpEvent(
        'GET /moneyhub/users/{userId}/connections/{connectionId}',
        `${moneyhubUserPath}/connections/${encodeURIComponent(connectionId)}`,
        { userId: moneyhubUser.userId, connectionId },
      ),
      moneyhubListSyncs: httpEvent('GET /moneyhub/users/{userId}/syncs', `${moneyhubUserPath}/syncs`, {
        userId: moneyhubUser.userId,
      }),
    };

    const functions = readdirSync(packageDir)
      .filter((file) => file.endsWith('.zip'))
      .map((zip) => {
        const name = zip.replace(/\.zip$/, '');
        const { name: bundleName, code: bundle } = readZippedBundle(path.join(packageDir, zip));
        const bundlePath = path.join(unpackDir, name, bundleName);
        mkdirSync(path.dirname(bundlePath), { recursive: true });
        writeFileSync(bundlePath, bundle);
        const zippedKiB = readFileSync(path.join(packageDir, zip)).length / 1024;
        return { name, bundlePath, zippedKiB, bundleKiB: bundle.length / 1024 };
      })
      .sort((a, b) => a.name.localeCompare(b.name));
    const missing = Object.keys(reads).filter((name) => !functions.some((fn) => fn.name === name));
    if (missing.length > 0) throw new Error(`not packaged: ${missing.join(', ')}`);

    // Fill the cache: one miss per read, in a process of its own; every later read is a hit.
    for (const fn of functions.filter((candidate) => reads[candidate.name])) {
      const fill = await run(['-e', childScript], {
        ...env,
        BENCH_BUNDLE: fn.bundlePath,
        BENCH_EVENT: JSON.stringify(reads[fn.name]),
      });
      if (fill.status !== 200) throw new Error(`${fn.name} did not fill the cache: ${JSON.stringify(fill)}`);
    }
    await Promise.all([tink.resetCalls(), moneyhub.resetCalls()]);

    const bare: number[] = [];
    const figures = new Map(
      functions.map((fn) => [fn.name, { loadMs: [] as number[], wallMs: [] as number[] }]),
    );
    for (let round = 0; round < rounds; round++) {
      bare.push((await run(['-e', '0'], env)).wallMs);
      for (const fn of functions) {
        const event = reads[fn.name];
        const result = await run(['-e', childScript], {
          ...env,
          BENCH_BUNDLE: fn.bundlePath,
          ...(event ? { BENCH_EVENT: JSON.stringify(event) } : {}),
        });
        if (event && (result.status !== 200 || !result.cacheStatus?.includes('; hit'))) {
          throw new Error(`${fn.name} did not serve a cache hit: ${JSON.stringify(result)}`);
        }
        const figure = figures.get(fn.name);
        figure?.loadMs.push(result.loadMs ?? Number.NaN);
        figure?.wallMs.push(result.wallMs);
      }
    }
    const [tinkCalls, moneyhubCalls] = await Promise.all([tink.calls(), moneyhub.calls()]);
    const providerCalls = tinkCalls.total + moneyhubCalls.total;

    const bareMs = median(bare);
    console.log(
      `cold-start: ${functions.length} packaged functions, ${rounds} interleaved rounds, medians; ` +
        `bare node -e 0 ${bareMs.toFixed(1)} ms; goals: ratio ≤ ${coldStartGoals.ratioToBareNode}, zip ≤ ${coldStartGoals.zippedKiB} KiB`,
    );
    console.log(
      `  ${'function'.padEnd(26)} ${'zip KiB'.padStart(8)} ${'budget'.padStart(7)} ${'bundle KiB'.padStart(10)} ` +
        `${'load ms'.padStart(8)} ${'cold hit ms'.padStart(11)} ${'ratio'.padStart(6)}`,
    );
    const ratios: number[] = [];
    const loads: number[] = [];
    for (const fn of functions) {
      const figure = figures.get(fn.name) as { loadMs: number[]; wallMs: number[] };
      const loadMs = median(figure.loadMs);
      loads.push(loadMs);
      const isRead = Boolean(reads[fn.name]);
      const wallMs = median(figure.wallMs);
      if (isRead) ratios.push(wallMs / bareMs);
      console.log(
        `  ${fn.name.padEnd(26)} ${fn.zippedKiB.toFixed(1).padStart(8)} ${String(zippedBudgetKiB(fn.name)).padStart(7)} ` +
          `${fn.bundleKiB.toFixed(0).padStart(10)} ${loadMs.toFixed(1).padStart(8)} ` +
          `${(isRead ? wallMs.toFixed(1) : '—').padStart(11)} ${(isRead ? `${(wallMs / bareMs).toFixed(2)}x` : '—').padStart(6)}`,
      );
    }
    const sizes = functions.map((fn) => fn.zippedKiB);
    const worstRatio = Math.max(...ratios);
    const largestKiB = Math.max(...sizes);
    console.log(`  provider calls during the cold hits: ${providerCalls} (every read served from the cache)`);
    console.log(
      `cold-start summary: ratio to bare node ${Math.min(...ratios).toFixed(2)}–${worstRatio.toFixed(2)}x ` +
        `(goal ≤ ${coldStartGoals.ratioToBareNode}: ${worstRatio <= coldStartGoals.ratioToBareNode ? 'met' : 'NOT met'}), ` +
        `module load ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)} ms, ` +
        `zipped ${Math.min(...sizes).toFixed(1)}–${largestKiB.toFixed(1)} KiB ` +
        `(goal ≤ ${coldStartGoals.zippedKiB}: ${largestKiB <= coldStartGoals.zippedKiB ? 'met' : 'NOT met'})`,
    );
    if (providerCalls > 0)
      throw new Error('A cold read went to the provider: the figures are not cache hits');
  } finally {
    await providers.close();
    await dynamo.close();
    rmSync(unpackDir, { recursive: true, force: true });
    if (!process.env.COLD_START_PACKAGE_DIR) rmSync(packageDir, { recursive: true, force: true });
  }
}

runBench(main);
