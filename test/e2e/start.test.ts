// `npm start` with one of its fixed ports taken: it stops before starting anything, with an error
// that names the port and the variable that moves it, a non-zero exit, and nothing left listening
// on the other ports. Each case runs local/start.ts as `npm start` does, on ports of its own.
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultPorts, type PortVariable } from '../../local/endpoints';
import { freePort } from '../../local/ports';

const root = path.resolve(__dirname, '../..');
const variables = Object.keys(defaultPorts) as PortVariable[];

function occupy(port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer((socket) => socket.end('HTTP/1.1 404 Not Found\r\n\r\nnot ours'));
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Runs local/start.ts with these ports; resolves with its exit code and output, killed after 60 s. */
function start(ports: Record<PortVariable, number>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(path.join(root, 'node_modules', '.bin', 'tsx'), ['local/start.ts'], {
      cwd: root,
      env: {
        ...process.env,
        ...Object.fromEntries(Object.entries(ports).map(([key, port]) => [key, String(port)])),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('Script: npm start', () => {
  it.each(variables)('stops with a clear error when the %s port is taken', async (variable) => {
    // Prepare: ports of this test's own, one of them held by a server that is not ours
    const ports = {} as Record<PortVariable, number>;
    for (const name of variables) ports[name] = await freePort();
    const blocker = await occupy(ports[variable]);

    try {
      // Act
      const { code, output } = await start(ports);

      // Assess
      expect(code).toBe(1);
      expect(output).toContain(`Port ${ports[variable]} (${variable}) is already in use`);
      expect(output).toContain(`${variable}=${ports[variable] + 100} npm start`);
      expect(output).not.toContain('local stack is up');
      for (const name of variables.filter((other) => other !== variable))
        expect(await canBind(ports[name]), `${name} left bound`).toBe(true);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});
