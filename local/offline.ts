// Runs serverless-offline (osls + serverless-esbuild) as a child process in its own process group,
// waits until it serves — this service's /health body, from a child still alive — and stops it by
// its PID.

import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface RunningOffline {
  url: string;
  lambdaUrl: string;
  pid: number;
  output(): string;
  /** Settles with the exit code (or signal) if serverless-offline stops on its own. */
  exited: Promise<string>;
  stop(): Promise<void>;
}

export interface OfflineOptions {
  httpPort: number;
  lambdaPort: number;
  env: Record<string, string>;
  /** Called with each line of offline's output as it comes (npm start); tests only keep it. */
  echo?: (line: string) => void;
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
  const collector = () => {
    let partialLine = '';
    return (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      output = (output + text).slice(-200_000);
      if (!options.echo) return;
      const lines = (partialLine + text).split('\n');
      partialLine = lines.pop() ?? '';
      for (const line of lines) options.echo(line);
    };
  };
  child.stdout?.on('data', collector());
  child.stderr?.on('data', collector());
  const pid = child.pid;
  if (pid === undefined) throw new Error('serverless-offline did not start');
  const exited = new Promise<string>((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ?? String(code))),
  );

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

  // Bundling every function can take minutes on a busy machine; a taken port fails before this.
  const deadline = Date.now() + (options.timeoutMs ?? 240_000);
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`serverless-offline exited (${child.exitCode ?? child.signalCode}):\n${output}`);
    try {
      const response = await fetch(`${url}/health`);
      if (isOurHealth(response.status, await response.text()))
        return {
          url,
          lambdaUrl: `http://127.0.0.1:${options.lambdaPort}`,
          pid,
          output: () => output,
          exited,
          stop,
        };
    } catch {
      // not listening yet
    }
    await sleep(250);
  }
  await stop();
  throw new Error(`serverless-offline was not ready within the timeout:\n${output}`);
}

/**
 * This service's /health answer (200 ok, or 503 while the table is unreachable) on stage local — not
 * another server's page that happens to hold the port.
 */
function isOurHealth(status: number, body: string): boolean {
  if (status !== 200 && status !== 503) return false;
  try {
    const health = JSON.parse(body) as { status?: unknown; stage?: unknown; table?: unknown };
    return health.stage === 'local' && typeof health.table === 'string' && typeof health.status === 'string';
  } catch {
    return false;
  }
}
