// Concurrent cold reads of one key from several processes at once (each a bench/stampede-reader.ts
// child with its own DynamoDB client and ResponseCache, as Lambda instances are): what the
// cross-process coalescing is measured and tested by. Every child is started, waits until all are
// ready, gets "go" at the same moment, and is killed if it has not finished in time.

import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startSimulator } from '../local/simulators/harness';

export interface StampedeOptions {
  dynamoEndpoint: string;
  tableName: string;
  /** The provider resource every reader loads on a miss (GET). */
  providerUrl: string;
  partition: string;
  processes: number;
  readsPerProcess: number;
  timeoutMs?: number;
}

const tsx = path.join(__dirname, '..', 'node_modules', '.bin', 'tsx');
const reader = path.join(__dirname, 'stampede-reader.ts');

function lineFrom(child: ChildProcess, wanted: (line: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      const found = lines.find(wanted);
      if (found !== undefined) {
        child.stdout?.off('data', onData);
        resolve(found);
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`stampede reader exited with ${code}`)));
  });
}

/** Returns the cache statuses every read got, per process. */
export async function runStampede(options: StampedeOptions): Promise<string[][]> {
  const children = Array.from({ length: options.processes }, () =>
    spawn(tsx, [reader], {
      env: {
        ...process.env,
        DYNAMODB_ENDPOINT: options.dynamoEndpoint,
        CACHE_TABLE_NAME: options.tableName,
        PROVIDER_URL: options.providerUrl,
        PARTITION: options.partition,
        READS: String(options.readsPerProcess),
      },
      stdio: ['pipe', 'pipe', 'inherit'],
    }),
  );
  // A child killed by the timer must not fail the parent with EPIPE when "go" is written to it.
  for (const child of children) child.stdin?.on('error', () => undefined);
  const timer = setTimeout(() => {
    for (const child of children) child.kill();
  }, options.timeoutMs ?? 120_000);
  try {
    await Promise.all(children.map((child) => lineFrom(child, (line) => line === 'ready')));
    const results = children.map((child) => lineFrom(child, (line) => line.startsWith('{')));
    for (const child of children) child.stdin?.write('go\n');
    const lines = await Promise.all(results);
    return lines.map((line) => (JSON.parse(line) as { statuses: string[] }).statuses);
  } finally {
    clearTimeout(timer);
    for (const child of children) if (child.exitCode === null) child.kill();
  }
}

/**
 * A provider whose one resource (`GET /thing`) answers after 200 ms, so that reads started together
 * in several processes overlap; its control API counts the calls.
 */
export function startSlowProvider(name: string) {
  return startSimulator({
    name,
    errorBody: () => ({}),
    routes: [
      {
        method: 'GET',
        pattern: '/thing',
        handler: async () => {
          await sleep(200);
          return { status: 200, body: { thing: 'value' } };
        },
      },
    ],
  });
}
