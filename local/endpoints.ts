// Where the parts of a running `npm start` stack listen: the fixed ports (each moved by its
// environment variable), as `npm start` binds them and the sandbox, sweep and cache commands find them.

export const defaultPorts = {
  HTTP_PORT: 3000,
  LAMBDA_PORT: 3002,
  DYNAMODB_PORT: 8000,
  TINK_PORT: 4010,
  MONEYHUB_PORT: 4020,
} as const;

export type PortVariable = keyof typeof defaultPorts;

export function portOf(variable: PortVariable, env: NodeJS.ProcessEnv = process.env): number {
  const value = env[variable];
  if (value === undefined || value === '') return defaultPorts[variable];
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65_535)
    throw new Error(`${variable} must be a port number (1-65535), not "${value}"`);
  return port;
}

const loopback = (port: number) => `http://127.0.0.1:${port}`;

/** The running stack's URLs; the *_URL variables (set by the e2e lane) win over the ports. */
export function localEndpoints(env: NodeJS.ProcessEnv = process.env) {
  return {
    api: env.E2E_BASE_URL ?? loopback(portOf('HTTP_PORT', env)),
    lambda: env.E2E_LAMBDA_URL ?? loopback(portOf('LAMBDA_PORT', env)),
    dynamodb: env.DYNAMODB_ENDPOINT ?? loopback(portOf('DYNAMODB_PORT', env)),
    tink: env.TINK_SIMULATOR_URL ?? loopback(portOf('TINK_PORT', env)),
    moneyhub: env.MONEYHUB_SIMULATOR_URL ?? loopback(portOf('MONEYHUB_PORT', env)),
  };
}

/** The cache table `npm start` creates (serverless.yml's name for stage local). */
export const localTableName = 'open-banking-users-local-cache';
