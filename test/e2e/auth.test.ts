// The JWT authorizer end to end, as serverless-offline enforces it locally (issuer, audience, expiry
// and route scopes; signatures are API Gateway's job): every route but /health needs a bearer token
// whose scopes include its route's class, and a refused request never reaches a handler or a provider.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { allScopes, apiScopes, mintDevToken } from '../../local/dev-token';
import { MoneyhubSimulatorControl } from '../../local/simulators/moneyhub';
import { TinkSimulatorControl } from '../../local/simulators/tink';
import { api } from '../support/api';

const tink = new TinkSimulatorControl(process.env.TINK_SIMULATOR_URL as string);
const moneyhub = new MoneyhubSimulatorControl(process.env.MONEYHUB_SIMULATOR_URL as string);

type ScopeClass = keyof typeof apiScopes;

// Ids no demo user has: a request the authorizer lets through still changes nothing anywhere.
const tinkUser = randomBytes(16).toString('hex');
const moneyhubUser = randomBytes(12).toString('hex');
const credential = randomBytes(16).toString('hex');
const connection = `${randomBytes(16).toString('hex')}:0b7c3f5e-1d2a-4e6b-9c8d-7a6b5c4d3e2f`;

/** Every authorized route with its scope class (the packaging test pins the same table). */
const routes: [method: string, path: string, scope: ScopeClass][] = [
  ['POST', '/tink/users', 'write'],
  ['POST', `/tink/users/${tinkUser}/authorization-grants`, 'tokens'],
  ['POST', '/tink/oauth/token', 'tokens'],
  ['GET', `/tink/users/${tinkUser}/credentials`, 'read'],
  ['GET', `/tink/users/${tinkUser}/credentials/${credential}`, 'read'],
  ['DELETE', `/tink/users/${tinkUser}/credentials/${credential}`, 'write'],
  ['POST', `/tink/users/${tinkUser}/credentials/${credential}/refresh`, 'write'],
  ['DELETE', `/tink/users/${tinkUser}`, 'write'],
  ['PUT', `/tink/users/${tinkUser}/enrollment`, 'write'],
  ['DELETE', `/tink/users/${tinkUser}/enrollment`, 'write'],
  ['POST', '/moneyhub/users', 'write'],
  ['GET', `/moneyhub/users/${moneyhubUser}`, 'read'],
  ['DELETE', `/moneyhub/users/${moneyhubUser}`, 'write'],
  ['GET', `/moneyhub/users/${moneyhubUser}/connections`, 'read'],
  ['GET', `/moneyhub/users/${moneyhubUser}/connections/${encodeURIComponent(connection)}`, 'read'],
  ['DELETE', `/moneyhub/users/${moneyhubUser}/connections/${encodeURIComponent(connection)}`, 'write'],
  ['GET', `/moneyhub/users/${moneyhubUser}/syncs`, 'read'],
  ['PUT', `/moneyhub/users/${moneyhubUser}/enrollment`, 'write'],
  ['DELETE', `/moneyhub/users/${moneyhubUser}/enrollment`, 'write'],
];

/** The route with a query parameter no route accepts: past the authorizer, the handler answers 400. */
const probe = (method: string, path: string, auth: Parameters<typeof api>[2]) =>
  api(`${path}?probe=1`, { method }, auth);

async function providerCalls() {
  const [tinkCalls, moneyhubCalls] = await Promise.all([tink.calls(), moneyhub.calls()]);
  return tinkCalls.total + moneyhubCalls.total;
}

const readRoute = `/tink/users/${tinkUser}/credentials`;

describe('JWT authorizer through serverless-offline', () => {
  it('serves GET /health without a token', async () => {
    const response = await api('/health', {}, { token: null });

    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ok' });
  });

  it('answers 401 to a missing, malformed, expired, foreign-issuer or foreign-audience token', async () => {
    // Prepare
    const tokens = {
      none: null,
      malformed: 'not-a-jwt',
      expired: await mintDevToken({ expiresInSeconds: -60 }),
      wrongIssuer: await mintDevToken({ issuer: 'https://someone-else.invalid' }),
      wrongAudience: await mintDevToken({ audience: 'someone-elses-api' }),
    };
    const before = await providerCalls();

    // Act
    const statuses = Object.fromEntries(
      await Promise.all(
        Object.entries(tokens).map(async ([name, token]) => {
          const response = await api(readRoute, {}, { token });
          await response.arrayBuffer();
          return [name, response.status] as const;
        }),
      ),
    );

    // Assess
    expect(statuses).toEqual({
      none: 401,
      malformed: 401,
      expired: 401,
      wrongIssuer: 401,
      wrongAudience: 401,
    });
    expect(await providerCalls()).toBe(before);
  });

  it('answers 403 to a valid token without the route scope, e.g. a read token on a write route', async () => {
    const before = await providerCalls();

    const readOnWrite = await api(
      '/tink/users',
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ market: 'SE' }),
      },
      { scopes: [apiScopes.read] },
    );
    const writeOnToken = await api(
      '/tink/oauth/token',
      { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"code":"abc"}' },
      { scopes: [apiScopes.write] },
    );
    const unknownScope = await api(readRoute, {}, { scopes: ['open-banking-users/admin'] });
    const noScope = await api(readRoute, {}, { scopes: [] });

    expect([readOnWrite.status, writeOnToken.status, unknownScope.status, noScope.status]).toEqual([
      403, 403, 403, 403,
    ]);
    expect(await providerCalls()).toBe(before);
  });

  it('lets a token with the right scope through to the handler', async () => {
    const list = await api(`/tink/users/${tinkUser}/credentials`, {}, { scopes: [apiScopes.read] });
    const enrolled = await api(
      `/moneyhub/users/${moneyhubUser}/enrollment`,
      { method: 'PUT' },
      { scopes: [apiScopes.write] },
    );
    const unenrolled = await api(
      `/moneyhub/users/${moneyhubUser}/enrollment`,
      { method: 'DELETE' },
      { scopes: [apiScopes.write] },
    );

    // The unknown user is the handler's answer (problem+json from the provider's 404), not the authorizer's.
    expect(list.status).toBe(404);
    expect(list.headers.get('content-type')).toBe('application/problem+json');
    expect(await list.json()).toMatchObject({ status: 404, provider: 'tink' });
    expect(enrolled.status).toBe(404);
    expect(await enrolled.json()).toMatchObject({ status: 404, provider: 'moneyhub' });
    expect(unenrolled.status).toBe(204);
  });

  it('checks every route: 401 without a token, 403 with every other scope, through with its own', async () => {
    const before = await providerCalls();
    const outcomes: string[] = [];

    for (const [method, path, scope] of routes) {
      const others = allScopes.filter((candidate) => candidate !== apiScopes[scope]);
      const statuses: number[] = [];
      for (const auth of [{ token: null }, { scopes: others }, { scopes: [apiScopes[scope]] }]) {
        const response = await probe(method, path, auth);
        await response.arrayBuffer();
        statuses.push(response.status);
      }
      outcomes.push(`${method} ${path} (${scope}): ${statuses.join(' ')}`);
    }

    // Through the authorizer with its own scope, the handler itself refuses the probe: 400.
    expect(outcomes).toEqual(
      routes.map(([method, path, scope]) => `${method} ${path} (${scope}): 401 403 400`),
    );
    // Neither the refused requests nor the admitted probes (refused before any call) reached a provider.
    expect(await providerCalls()).toBe(before);
  });
});
