// Runs serverless-offline (osls + serverless-esbuild) as a child process in its own process group,
// waits until it serves, and stops it by its PID.
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';

export interface RunningOffline {
  url: string;
  lambdaUrl: string;
  pid: number;
  output(): string;
  stop(): Promise<void>;
}

export interface OfflineOptions {
  httpPort: number;
  lambdaPort: number;
  env: Record<string, string>;
  /** Print offline's output as it comes (npm start) instead of only keeping it (tests). */
  echo?: boolean;
  readyPath?: string;
  timeoutMs?: number;
}

const root = path.resolve(__dirname, '..');

export async function startOffline(options: OfflineOptions): Promise<RunningOffline> {
  const sls = path.join(root, 'node_modules', '.bin', 'sls');
  const child: ChildProcess = spawn(sls, ['offline', 'start', '--stage', 'local'], {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      ...options.env,
      OFFLINE_HTTP_PORT: String(options.httpPort),
      OFFLINE_LAMBDA_PORT: String(options.lambdaPort),
      SLS_TELEMETRY_DISABLED: '1',
      SLS_NOTIFICATIONS_MODE: 'off',
    },
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    output = (output + text).slice(-200_000);
    if (options.echo) process.stdout.write(text);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const pid = child.pid;
  if (pid === undefined) throw new Error('serverless-offline did not start');

  const url = `http://127.0.0.1:${options.httpPort}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      process.kill(-pid, 'SIGTERM');
    } catch {
      return;
    }
    const done = await Promise.race([exited.then(() => true), sleep(5000).then(() => false)]);
    if (!done) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  };

  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`serverless-offline exited (${child.exitCode}):\n${output}`);
    try {
      const response = await fetch(`${url}${options.readyPath ?? '/health'}`);
      if (response.status < 500 || response.status === 503) {
        await response.arrayBuffer();
        return { url, lambdaUrl: `http://127.0.0.1:${options.lambdaPort}`, pid, output: () => output, stop };
      }
    } catch {
      // not listening yet
    }
    await sleep(250);
  }
  await stop();
  throw new Error(`serverless-offline was not ready within the timeout:\n${output}`);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
