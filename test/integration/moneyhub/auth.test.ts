// How the Moneyhub client authenticates, against the simulator's token endpoint (which verifies
// private_key_jwt with jose against the registered public JWKS): the assertions the client signs,
// the ones the simulator must refuse (wrong aud, expired, replayed jti, unknown key), a fresh
// assertion per retry, client_secret_basic for development, and no key, assertion, token or secret
// in logs or error bodies.
import { randomUUID } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, type JWK } from 'jose';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { coreConfig, moneyhubConfig } from '../../../lib/config';
import { providerErrorProblem } from '../../../lib/http/provider-problem';
import { logger } from '../../../lib/observability';
import { ProviderError, ProviderFailure } from '../../../lib/providers/errors';
import { MoneyhubClient, moneyhubClient } from '../../../lib/providers/moneyhub';
import {
  clientAssertionType,
  importSigningKey,
  privateKeyJwt,
  signClientAssertion,
} from '../../../lib/providers/moneyhub/client-auth';
import { generateClientKey } from '../../../local/simulators/moneyhub';
import { captureLogs } from '../../support/logs';
import {
  api,
  control,
  expectProblem,
  providerCalls,
  resetWorld,
  route,
  seedUser,
  startCounting,
  warmTokens,
} from './helpers';

const simulatorUrl = process.env.MONEYHUB_SIMULATOR_URL as string;
const clientId = process.env.MONEYHUB_CLIENT_ID as string;
const privateJwkJson = process.env.MONEYHUB_PRIVATE_JWK as string;
const issuer = `${simulatorUrl}/oidc`;
const privateMembers = ['d', 'p', 'q', 'dp', 'dq', 'qi'] as const;

/** The public half of the configured key, as the simulator has it registered. */
function registeredPublicJwks(): { keys: JWK[] } {
  const jwk = JSON.parse(privateJwkJson) as JWK;
  const publicJwk = Object.fromEntries(
    Object.entries(jwk).filter(([member]) => !(privateMembers as readonly string[]).includes(member)),
  );
  return { keys: [{ ...publicJwk, use: 'sig' }] };
}

async function restoreRegisteredClient() {
  await control.registerClient({
    clientId,
    tokenEndpointAuthMethod: 'private_key_jwt',
    jwks: registeredPublicJwks(),
    signingAlg: (JSON.parse(privateJwkJson) as JWK).alg,
  });
}

async function requestToken(assertion: string, scope = 'user:read') {
  const response = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      scope,
      client_id: clientId,
      client_assertion_type: clientAssertionType,
      client_assertion: assertion,
    }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  await resetWorld();
  await warmTokens();
});

beforeEach(async () => {
  await resetWorld();
});

afterEach(async () => {
  await control.clearFaults();
  await restoreRegisteredClient();
});

describe('Function: privateKeyJwt', () => {
  it('signs a fresh assertion per token request: header {alg, kid}, iss = sub = client id, aud = the issuer, 60 s', async () => {
    // Prepare
    const auth = privateKeyJwt({ clientId, audience: issuer, privateJwk: async () => privateJwkJson });
    const jwk = JSON.parse(privateJwkJson) as JWK;

    // Act
    const first = (await auth.form()).client_assertion as string;
    const second = (await auth.form()).client_assertion as string;

    // Assess
    expect(decodeProtectedHeader(first)).toMatchObject({ alg: jwk.alg, kid: jwk.kid, typ: 'JWT' });
    const claims = decodeJwt(first);
    expect(claims).toMatchObject({ iss: clientId, sub: clientId, aud: issuer });
    expect(claims.jti).toMatch(/^[0-9a-f-]{36}$/);
    expect((claims.exp as number) - (claims.iat as number)).toBe(60);
    expect(decodeJwt(second).jti).not.toBe(claims.jti);
    expect((await requestToken(first)).status).toBe(200);
    expect((await requestToken(second)).status).toBe(200);
  });

  it.each(['ES256', 'PS256'])('signs with the algorithm of the configured %s key', async (alg) => {
    // Prepare: a second API client registered for the alg
    const key = await generateClientKey(alg);
    const otherClientId = `test-${alg.toLowerCase()}-${randomUUID()}`;
    await control.registerClient({
      clientId: otherClientId,
      tokenEndpointAuthMethod: 'private_key_jwt',
      jwks: key.publicJwks,
      signingAlg: alg,
    });
    const client = new MoneyhubClient({
      moneyhub: {
        ...moneyhubConfig(),
        MONEYHUB_CLIENT_ID: otherClientId,
        MONEYHUB_PRIVATE_JWK: JSON.stringify(key.privateJwk),
      },
      core: coreConfig(),
    });
    const seeded = await seedUser();

    // Act
    const user = await client.getUser(
      { requestId: randomUUID(), deadlineAtMs: Date.now() + 5000 },
      seeded.userId,
    );

    // Assess
    expect(user.userId).toBe(seeded.userId);
    await control.removeClient(otherClientId);
  });
});

describe('Moneyhub token endpoint (the simulator) against assertions built with the client-auth module', () => {
  it.each([
    ['a wrong aud', { audience: `${simulatorUrl}/somewhere-else` }],
    ['an expired exp', { issuedAtSeconds: Math.floor(Date.now() / 1000) - 600 }],
    ['another client as iss and sub', { clientId: 'someone-else' }],
  ])('refuses an assertion with %s (401 invalid_client)', async (_case, overrides) => {
    // Prepare
    const key = await importSigningKey(privateJwkJson);
    const assertion = await signClientAssertion(key, { clientId, audience: issuer, ...overrides });

    // Act
    const { status, body } = await requestToken(assertion);

    // Assess
    expect(status).toBe(401);
    expect(body.error).toBe('invalid_client');
  });

  it('refuses a replayed jti', async () => {
    // Prepare
    const key = await importSigningKey(privateJwkJson);
    const assertion = await signClientAssertion(key, { clientId, audience: issuer });

    // Act
    const first = await requestToken(assertion);
    const replayed = await requestToken(assertion);

    // Assess
    expect(first.status).toBe(200);
    expect(replayed.status).toBe(401);
    expect(replayed.body.error_description).toMatch(/jti/);
  });

  it('refuses an assertion signed with a key it does not know', async () => {
    // Prepare
    const unknown = await generateClientKey('RS256');
    const key = await importSigningKey(JSON.stringify(unknown.privateJwk));
    const assertion = await signClientAssertion(key, { clientId, audience: issuer });

    // Act
    const { status, body } = await requestToken(assertion);

    // Assess
    expect(status).toBe(401);
    expect(body.error).toBe('invalid_client');
  });

  it('accepts the token endpoint URL as the audience too', async () => {
    const key = await importSigningKey(privateJwkJson);
    const assertion = await signClientAssertion(key, { clientId, audience: `${issuer}/token` });

    expect((await requestToken(assertion)).status).toBe(200);
  });
});

describe('Function: importSigningKey', () => {
  it.each([
    ['text that is not JSON', 'not-json-secret-material', /not JSON/],
    ['a public key', JSON.stringify(registeredPublicJwks().keys[0]), /must be a private JWK/],
    ['an Ed25519 key', JSON.stringify({ kty: 'OKP', crv: 'Ed25519', d: 'x', x: 'y' }), /RSA or EC key/],
  ])('refuses %s, naming the setting and never quoting it', async (_case, value, message) => {
    const error = await importSigningKey(value).then(
      () => undefined,
      (caught: Error) => caught,
    );

    expect(error?.name).toBe('ConfigError');
    expect(error?.message).toMatch(message);
    expect(error?.message).toContain('MONEYHUB_PRIVATE_JWK');
    expect(error?.message).not.toContain(value.slice(0, 12));
  });
});

describe('Route: GET /moneyhub/users/{userId} (our credentials)', () => {
  it('answers 502 problem+json with no secret when Moneyhub does not know our key', async () => {
    // Prepare: the simulator now holds another public key for our client id
    const other = await generateClientKey('RS256');
    await control.registerClient({
      clientId,
      tokenEndpointAuthMethod: 'private_key_jwt',
      jwks: other.publicJwks,
      signingAlg: 'RS256',
    });
    moneyhubClient().forgetAllTokens();
    const seeded = await seedUser();
    await startCounting();

    // Act
    const response = await api.getUser(seeded.userId);

    // Assess
    const problem = expectProblem(response, 502);
    expect(problem).toMatchObject({ provider: 'moneyhub', providerStatus: 401 });
    expect(problem.detail).toContain('the caller is not at fault');
    const jwk = JSON.parse(privateJwkJson) as Record<string, string>;
    expect(response.body).not.toContain(jwk.d);
    expect(response.body).not.toMatch(/eyJ[\w-]+\.eyJ/);
    expect(response.body).not.toMatch(/invalid_client|no registered key/);
    expect((await providerCalls())[route.token]).toBeGreaterThanOrEqual(1);
    expect(await providerCalls()).not.toHaveProperty([route.getUser]);
  });

  it('signs a new assertion for a retried token request, so a lost answer does not burn the retry', async () => {
    // Prepare: the first token request is handled (its jti recorded) but its answer never arrives
    moneyhubClient().forgetAllTokens();
    await control.injectFault(route.token, { kind: 'drop-after-handling' }, 1);
    const seeded = await seedUser();
    await startCounting();

    // Act
    const response = await api.getUser(seeded.userId);

    // Assess
    expect(response.statusCode).toBe(200);
    expect(await providerCalls()).toEqual({ [route.token]: 2, [route.getUser]: 1, total: 3 });
  });

  it('keeps one client token per scope set for every caller in the process', async () => {
    // Prepare
    moneyhubClient().forgetAllTokens();
    const users = await Promise.all([seedUser(), seedUser(), seedUser()]);
    await startCounting();

    // Act: concurrent reads of two routes that want the same scope, and a third that wants another
    const responses = await Promise.all([
      ...users.map((user) => api.listConnections(user.userId)),
      ...users.map((user) => api.listSyncs(user.userId)),
      ...users.map((user) => api.getUser(user.userId)),
    ]);

    // Assess: connection:read and user:read, one token each
    expect(responses.map((response) => response.statusCode)).toEqual(Array(9).fill(200));
    expect((await providerCalls())[route.token]).toBe(2);
  });
});

describe('Class: MoneyhubClient with client_secret_basic (development)', () => {
  const basicClientId = `test-basic-${randomUUID()}`;
  const secret = `s3cr3t-${randomUUID()}`;
  const basicClient = (clientSecret: string) =>
    new MoneyhubClient({
      moneyhub: {
        ...moneyhubConfig(),
        MONEYHUB_AUTH_METHOD: 'client_secret_basic',
        MONEYHUB_CLIENT_ID: basicClientId,
        MONEYHUB_CLIENT_SECRET: clientSecret,
      },
      core: coreConfig(),
    });
  const call = () => ({ requestId: randomUUID(), deadlineAtMs: Date.now() + 5000 });

  beforeEach(async () => {
    await control.registerClient({
      clientId: basicClientId,
      tokenEndpointAuthMethod: 'client_secret_basic',
      clientSecret: secret,
    });
  });

  it('authenticates with HTTP Basic and reads the user', async () => {
    const seeded = await seedUser();

    const user = await basicClient(secret).getUser(call(), seeded.userId);

    expect(user.userId).toBe(seeded.userId);
  });

  it('fails as credentials-rejected (502) with a wrong secret, never quoting it', async () => {
    const seeded = await seedUser();

    const error = await basicClient('wrong-secret')
      .getUser(call(), seeded.userId)
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).failure).toBe(ProviderFailure.credentialsRejected);
    const answer = providerErrorProblem(error as ProviderError);
    expect(answer.problem.status).toBe(502);
    expect(JSON.stringify(answer)).not.toContain('wrong-secret');
  });
});

describe('Secrets in logs and error bodies', () => {
  it('logs no private key, assertion, access token or client secret at DEBUG, whatever happens', async () => {
    // Prepare
    const seeded = await seedUser();
    const logs = captureLogs();
    // Powertools puts every warm invocation back to the start-up level; keep DEBUG for this test.
    const keepLevel = vi.spyOn(logger, 'refreshSampleRateCalculation').mockImplementation(() => undefined);
    logger.setLogLevel('DEBUG');
    const bodies: string[] = [];
    try {
      // Act: mint tokens, read, fail at the token endpoint, fail on a route, delete
      moneyhubClient().forgetAllTokens();
      bodies.push((await api.getUser(seeded.userId)).body);
      bodies.push((await api.listConnections(seeded.userId)).body);
      await control.injectFault(route.syncs, { kind: 'status', status: 401 });
      bodies.push((await api.listSyncs(seeded.userId)).body);
      await control.clearFaults();
      await control.injectFault(route.token, {
        kind: 'status',
        status: 400,
        body: { error: 'invalid_request' },
      });
      moneyhubClient().forgetAllTokens();
      bodies.push((await api.getUser(seeded.userId, { noCache: true })).body);
      await control.clearFaults();
      bodies.push((await api.deleteConnection(seeded.userId, seeded.connectionIds[0] as string)).body);
      bodies.push((await api.registerUser({ clientUserId: 'logged' })).body);
    } finally {
      keepLevel.mockRestore();
      logger.setLogLevel('SILENT' as 'ERROR');
      logs.restore();
    }

    // Assess
    const text = logs.text();
    expect(logs.records().length).toBeGreaterThan(5);
    expect(text).toContain('Minted a Moneyhub client token');
    expect(text).toContain('Request failed');
    const jwk = JSON.parse(privateJwkJson) as Record<string, string>;
    const secrets = [
      ...privateMembers.map((member) => jwk[member] as string),
      privateJwkJson,
      ...(await control.issuedValues()),
    ];
    expect(secrets.length).toBeGreaterThan(privateMembers.length + 2);
    for (const secret of secrets) {
      expect(text).not.toContain(secret);
      for (const body of bodies) expect(body).not.toContain(secret);
    }
    expect(text).not.toMatch(/eyJ[\w-]+\.eyJ[\w-]+/);
    expect(text).not.toMatch(/Bearer\s+(?!\[REDACTED\])\S/i);
  });
});
