import net from 'node:net';

/** A loopback port free right now (the OS picks it), for servers that cannot bind port 0 themselves. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** A port the stack needs is taken; names the environment variable that moves it. */
export class PortInUseError extends Error {
  constructor(readonly taken: { variable: string; port: number }[]) {
    super(
      taken
        .map(
          ({ variable, port }) =>
            `Port ${port} (${variable}) is already in use by another process: stop it, or move this ` +
            `stack's port, e.g. ${variable}=${port + 100} npm start`,
        )
        .join('\n'),
    );
    this.name = 'PortInUseError';
  }
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * Fails before anything starts when a fixed port is taken: serverless-offline, for one, does not
 * stop when its port is in use, and a stack half up on someone else's server answers wrongly.
 * Each port is checked on 127.0.0.1, where every part of the stack binds.
 */
export async function assertPortsFree(ports: Record<string, number>): Promise<void> {
  const taken: { variable: string; port: number }[] = [];
  for (const [variable, port] of Object.entries(ports)) {
    if (!(await isFree(port))) taken.push({ variable, port });
  }
  if (taken.length > 0) throw new PortInUseError(taken);
}
