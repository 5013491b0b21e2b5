// Provider secrets: straight from the environment locally; on AWS from an SSM SecureString whose
// name is in the environment, read through the AWS Parameters and Secrets Lambda Extension (a layer
// serving Parameter Store over localhost) and kept in memory for `secretMaxAgeMs`. The extension
// keeps the SSM client out of every bundle: it was a fifth of each zip and most of its load time.
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigError } from './config';

/** How long a secret read from Parameter Store is kept in the process before it is read again. */
export const secretMaxAgeMs = 15 * 60 * 1000;
/** The extension's own default port (PARAMETERS_SECRETS_EXTENSION_HTTP_PORT changes it). */
const defaultExtensionPort = 2773;
/** The extension answers 400 until it has finished starting; a cold start may ask that early. */
const notReadyRetries = 5;
const notReadyPauseMs = 50;
const requestTimeoutMs = 2000;

export class SecretReadError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SecretReadError';
  }
}

interface CachedSecret {
  value: Promise<string>;
  readAtMs: number;
}

const cache = new Map<string, CachedSecret>();

function extensionUrl(parameterName: string): string {
  const port = Number(process.env.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT ?? defaultExtensionPort);
  const query = new URLSearchParams({ name: parameterName, withDecryption: 'true' });
  return `http://localhost:${port}/systemsmanager/parameters/get?${query}`;
}

async function readParameter(name: string, parameterName: string): Promise<string> {
  // The extension authenticates its callers by the invocation's session token.
  const sessionToken = process.env.AWS_SESSION_TOKEN;
  if (!sessionToken) throw new SecretReadError(`Cannot read ${name} from Parameter Store: no AWS session`);
  for (let attempt = 1; ; attempt++) {
    let response: Response;
    try {
      response = await fetch(extensionUrl(parameterName), {
        headers: { 'X-Aws-Parameters-Secrets-Token': sessionToken },
        signal: AbortSignal.timeout(requestTimeoutMs),
      });
    } catch (error) {
      throw new SecretReadError(`Cannot read ${name}: the Parameters and Secrets extension did not answer`, {
        cause: error,
      });
    }
    if (response.ok) {
      const body = (await response.json().catch(() => undefined)) as
        | { Parameter?: { Value?: unknown } }
        | undefined;
      const value = body?.Parameter?.Value;
      if (typeof value !== 'string' || value === '')
        throw new ConfigError(`Invalid configuration: SSM parameter for ${name} is empty or missing`);
      return value;
    }
    // Drained, never logged: an error body may echo the parameter.
    await response.body?.cancel();
    if (response.status === 400 && attempt < notReadyRetries) {
      await sleep(notReadyPauseMs * attempt);
      continue;
    }
    if (response.status === 404 || response.status === 400)
      throw new ConfigError(`Invalid configuration: SSM parameter for ${name} is empty or missing`);
    throw new SecretReadError(`Cannot read ${name}: Parameter Store answered ${response.status}`);
  }
}

/**
 * The secret `name`: its value from the environment, else the Parameter Store parameter named by
 * `parameterName`, read once per `secretMaxAgeMs` however many callers ask at once.
 */
export async function resolveSecret(
  name: string,
  value: string | undefined,
  parameterName: string | undefined,
  nowMs = Date.now(),
): Promise<string> {
  if (value) return value;
  if (!parameterName) throw new ConfigError(`Invalid configuration: ${name} is not set`);
  const cached = cache.get(parameterName);
  if (cached && nowMs - cached.readAtMs < secretMaxAgeMs) return cached.value;
  const entry: CachedSecret = { value: readParameter(name, parameterName), readAtMs: nowMs };
  cache.set(parameterName, entry);
  // A failed read is not kept: the next caller asks again.
  entry.value.catch(() => {
    if (cache.get(parameterName) === entry) cache.delete(parameterName);
  });
  return entry.value;
}

/** Forgets every secret read so far (tests; a rotated secret is picked up after `secretMaxAgeMs`). */
export function forgetSecrets() {
  cache.clear();
}
