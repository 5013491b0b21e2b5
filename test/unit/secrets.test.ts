// Provider secrets read through the AWS Parameters and Secrets Lambda Extension. The extension only
// runs on Lambda, so a loopback server stands in for its localhost endpoint, answering the way its
// documentation says it does: the session token checked, `{Parameter: {Value}}` on success, 400
// while it is still starting, 404 for a parameter that does not exist.
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../lib/config';
import { forgetSecrets, resolveSecret, SecretReadError, secretMaxAgeMs } from '../../lib/secrets';

const sessionToken = randomBytes(24).toString('base64url');
const parameters = new Map<string, string>();
const requests: { name: string | null; withDecryption: string | null; token: string | undefined }[] = [];
/** How many requests the stand-in answers 400 ("not ready") before it serves. */
let notReadyAnswers = 0;
let server: Server;
const previousEnv = {
  port: process.env.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT,
  token: process.env.AWS_SESSION_TOKEN,
};

beforeAll(async () => {
  server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const token = request.headers['x-aws-parameters-secrets-token'] as string | undefined;
    requests.push({
      name: url.searchParams.get('name'),
      withDecryption: url.searchParams.get('withDecryption'),
      token,
    });
    if (token !== sessionToken) return response.writeHead(401).end('unauthorized');
    if (notReadyAnswers > 0) {
      notReadyAnswers -= 1;
      return response.writeHead(400).end('not ready to serve traffic, please wait');
    }
    const value = parameters.get(url.searchParams.get('name') ?? '');
    if (value === undefined) return response.writeHead(404).end('parameter not found');
    response.writeHead(200, { 'Content-Type': 'application/json' });
    response.end(
      JSON.stringify({
        Parameter: { Name: url.searchParams.get('name'), Type: 'SecureString', Value: value },
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  process.env.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT = String((server.address() as AddressInfo).port);
  process.env.AWS_SESSION_TOKEN = sessionToken;
});

afterEach(() => {
  forgetSecrets();
  parameters.clear();
  requests.length = 0;
  notReadyAnswers = 0;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  for (const [name, value] of [
    ['PARAMETERS_SECRETS_EXTENSION_HTTP_PORT', previousEnv.port],
    ['AWS_SESSION_TOKEN', previousEnv.token],
  ] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

describe('Function: resolveSecret', () => {
  it('prefers the value from the environment and asks the extension nothing', async () => {
    expect(await resolveSecret('TINK_CLIENT_SECRET', 'from-env', '/app/dev/tink/client-secret')).toBe(
      'from-env',
    );
    expect(requests).toHaveLength(0);
  });

  it('reads the parameter decrypted, with the session token, once for concurrent callers', async () => {
    const secret = randomBytes(16).toString('hex');
    parameters.set('/app/dev/tink/client-secret', secret);

    const values = await Promise.all(
      Array.from({ length: 5 }, () =>
        resolveSecret('TINK_CLIENT_SECRET', undefined, '/app/dev/tink/client-secret'),
      ),
    );

    expect(values).toEqual(Array(5).fill(secret));
    expect(requests).toEqual([
      { name: '/app/dev/tink/client-secret', withDecryption: 'true', token: sessionToken },
    ]);
  });

  it('keeps a secret for its maximum age, then reads it again (a rotation is picked up)', async () => {
    parameters.set('/p', 'first');
    const readAtMs = 1_000_000;
    await resolveSecret('S', undefined, '/p', readAtMs);
    parameters.set('/p', 'second');

    const withinAge = await resolveSecret('S', undefined, '/p', readAtMs + secretMaxAgeMs - 1);
    const afterAge = await resolveSecret('S', undefined, '/p', readAtMs + secretMaxAgeMs);

    expect([withinAge, afterAge]).toEqual(['first', 'second']);
    expect(requests).toHaveLength(2);
  });

  it('waits for an extension that is still starting', async () => {
    parameters.set('/p', 'value');
    notReadyAnswers = 2;

    expect(await resolveSecret('S', undefined, '/p')).toBe('value');
    expect(requests).toHaveLength(3);
  });

  it('reports a missing parameter as configuration, naming the setting and not the value', async () => {
    const error = await resolveSecret('MONEYHUB_PRIVATE_JWK', undefined, '/absent').catch((caught) => caught);

    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toBe(
      'Invalid configuration: SSM parameter for MONEYHUB_PRIVATE_JWK is empty or missing',
    );
  });

  it('fails without a session token, asking nothing, and does not keep the failure', async () => {
    parameters.set('/p', 'value');
    delete process.env.AWS_SESSION_TOKEN;
    const error = await resolveSecret('S', undefined, '/p').catch((caught) => caught);
    process.env.AWS_SESSION_TOKEN = sessionToken;

    expect(error).toBeInstanceOf(SecretReadError);
    expect(requests).toHaveLength(0);
    expect(await resolveSecret('S', undefined, '/p')).toBe('value');
  });

  it('fails when the extension does not answer', async () => {
    const port = process.env.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT;
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    process.env.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT = String((closed.address() as AddressInfo).port);
    await new Promise((resolve) => closed.close(resolve));

    const error = await resolveSecret('S', undefined, '/p').catch((caught) => caught);
    process.env.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT = port;

    expect(error).toBeInstanceOf(SecretReadError);
    expect(error.message).toBe('Cannot read S: the Parameters and Secrets extension did not answer');
  });

  it('needs a value or a parameter name', async () => {
    await expect(resolveSecret('TINK_CLIENT_SECRET', undefined, undefined)).rejects.toThrow(
      'Invalid configuration: TINK_CLIENT_SECRET is not set',
    );
  });
});
