// Tink scopes as Tink checks them: the API validates a scope's format only and lets Tink decide what
// the app is entitled to. A refusal of a scope the caller asked for is a 403 naming it (one call, no
// re-mint); a refusal of the service's own TINK_USER_SCOPES is a configuration error; Tink refusing
// any request this service makes for itself is a 502 whose detail is ours, Tink's words only in one
// log line. Runs against the Tink simulator (per-app entitlements) over HTTP.
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler as createUser } from '../../../functions/tink/create-user';
import { handler as getUserAccessToken } from '../../../functions/tink/get-user-access-token';
import { tinkClient } from '../../../lib/providers/tink';
import { type CapturedLogs, captureLogs } from '../../support/logs';
import { tinkOwnScopes } from '../../support/tink-scopes';
import {
  call,
  control,
  expectProblem,
  grant,
  listCredentials as list,
  providerCalls,
  route,
  seedUser,
  startCounting,
} from './helpers';

// The logger reads its level once, when it is built: INFO must be in place before the handlers load.
const previousLogLevel = vi.hoisted(() => {
  const previous = process.env.POWERTOOLS_LOG_LEVEL;
  process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
  return previous;
});

const appClientId = process.env.TINK_CLIENT_ID as string;
/** Everything this service uses itself, and nothing else: an app entitled like a careful tenant's. */
const serviceScopes = [
  'authorization:grant',
  'user:create',
  'user:delete',
  'credentials:read',
  'credentials:write',
  'credentials:refresh',
];

let logs: CapturedLogs;

afterAll(() => {
  if (previousLogLevel === undefined) delete process.env.POWERTOOLS_LOG_LEVEL;
  else process.env.POWERTOOLS_LOG_LEVEL = previousLogLevel;
});

beforeEach(async () => {
  await control.reset(); // also restores the app's entitlements
  logs = captureLogs();
});

afterEach(async () => {
  logs.restore();
  await control.clearFaults();
});

/** Holds a client token for grants, so the Act step counts the grant alone. */
async function warmGrantToken() {
  const { userId } = await seedUser();
  expect((await grant(userId, { scope: ['credentials:read'] })).statusCode).toBe(201);
}

const recordsWith = (text: string) =>
  logs.records().filter((record) => JSON.stringify(record).includes(text));

describe('Route: POST /tink/users/{userId}/authorization-grants (entitlements)', () => {
  it("grants Tink's own documented scopes outside the project's set to an app entitled to them", async () => {
    // Prepare
    const { userId } = await seedUser();

    // Act
    const granted = await grant(userId, { scope: tinkOwnScopes });
    const delegated = await grant(userId, {
      scope: ['authorization:read', 'credentials:read', 'providers:read', 'user:read'],
      delegate: { idHint: 'Ada', actorClientId: 'df05e4b379934cd09963197cc855bfe9' },
    });
    const token = await call(getUserAccessToken, {
      method: 'POST',
      body: { code: granted.json<{ code: string }>().code },
    });

    // Assess
    expect([granted.statusCode, delegated.statusCode, token.statusCode]).toEqual([201, 201, 200]);
    expect(token.json<{ scope: string }>().scope.split(',').sort()).toEqual([...tinkOwnScopes].sort());
  });

  it('answers 403 naming the scope the app may not use, after exactly one provider call and no re-mint', async () => {
    // Prepare
    await control.setEntitlements(appClientId, serviceScopes);
    await warmGrantToken();
    const { userId } = await seedUser();
    await startCounting();

    // Act
    const refused = await grant(userId, { scope: ['credentials:read', 'identities:readonly'] });
    const refusedCalls = await providerCalls();
    await startCounting();
    const delegated = await grant(userId, {
      scope: ['credentials:read', 'link-session:read'],
      delegate: { idHint: 'Ada', actorClientId: 'df05e4b379934cd09963197cc855bfe9' },
    });

    // Assess
    const problem = expectProblem(refused, 403);
    expect(problem).toMatchObject({ provider: 'tink', providerStatus: 401 });
    expect(problem.type).toMatch(/provider-scope-not-allowed$/);
    expect(problem.detail).toBe(
      "Tink does not allow this service's app to use the scope identities:readonly",
    );
    expect(refusedCalls).toEqual({ [route.grant]: 1, total: 1 });
    expect(expectProblem(delegated, 403).detail).toContain('link-session:read');
    expect(await providerCalls()).toEqual({ [route.delegatedGrant]: 1, total: 1 });
    expect(refused.body).not.toContain("isn't allowed");
  });
});

describe('TINK_USER_SCOPES the Tink app may not use', () => {
  it('is a 502 configuration error, logged once naming the scope, with one grant and no re-mint', async () => {
    // Prepare: the app lost credentials:refresh, which TINK_USER_SCOPES asks for
    await control.setEntitlements(
      appClientId,
      serviceScopes.filter((scope) => scope !== 'credentials:refresh'),
    );
    await warmGrantToken();
    const { userId } = await seedUser();
    await startCounting();

    // Act
    const response = await list(userId);

    // Assess
    const problem = expectProblem(response, 502);
    expect(problem.type).toMatch(/provider-misconfigured$/);
    expect(problem.detail).not.toMatch(/credentials:refresh|allowed/);
    expect(await providerCalls()).toEqual({ [route.grant]: 1, total: 1 });
    const named = logs
      .records()
      .filter((record) => String(record.message).startsWith('The Tink app is not entitled to a scope'));
    expect(named).toHaveLength(1);
    expect(named[0]).toMatchObject({ level: 'ERROR', scopes: ['credentials:refresh'] });
  });
});

describe("Tink refusing this service's own requests", () => {
  const planted = () => `planted-provider-text-${randomUUID()}`;

  it.each([400, 401])(
    'answers 502 with a generic detail for a refused client token request (%i); Tink’s text only in one log line',
    async (status) => {
      // Prepare: no client token held, and Tink refuses the next token request
      tinkClient().forgetAllTokens();
      const text = planted();
      await control.injectFault(
        route.clientToken,
        { kind: 'status', status, body: { error: 'invalid_scope', error_description: text } },
        1,
      );
      await startCounting();

      // Act
      const response = await call(createUser, {
        method: 'POST',
        path: '/tink/users',
        body: { market: 'SE' },
      });

      // Assess
      const problem = expectProblem(response, 502);
      expect(problem).toMatchObject({ provider: 'tink', providerStatus: status });
      expect(problem.detail).toBe(
        `The provider refused this service's own request (status ${status}); the caller is not at fault`,
      );
      expect(response.body).not.toContain(text);
      expect(response.body).not.toContain('invalid_scope');
      expect(recordsWith(text)).toEqual([
        expect.objectContaining({
          message: "Tink refused this service's own request",
          providerMessage: text,
        }),
      ]);
      expect(await providerCalls()).toEqual({ [route.clientToken]: 1, total: 1 });
    },
  );

  it.each([
    {
      label: 'grant',
      routeKey: route.grant,
      body: (text: string) => ({ errorMessage: text, errorCode: 'request.invalid' }),
    },
    {
      label: 'code exchange',
      routeKey: route.clientToken,
      body: (text: string) => ({ error: 'invalid_grant', error_description: text }),
    },
  ])(
    'answers 502 for a $label Tink refuses (400) behind a read; Tink’s text only in one log line',
    async ({ routeKey, body }) => {
      // Prepare: the client token is held, so the next token-route call is the exchange
      await warmGrantToken();
      const { userId } = await seedUser();
      const text = planted();
      await control.injectFault(routeKey, { kind: 'status', status: 400, body: body(text) }, 1);

      // Act
      const response = await list(userId);

      // Assess
      const problem = expectProblem(response, 502);
      expect(problem.type).toMatch(/provider-credentials-rejected$/);
      expect(response.body).not.toContain(text);
      expect(recordsWith(text)).toHaveLength(1);
      expect(recordsWith(text)[0]).toMatchObject({ level: 'ERROR', providerStatus: 400 });
    },
  );

  it("still answers the caller's own bad code exchange with a 400", async () => {
    const response = await call(getUserAccessToken, { method: 'POST', body: { code: 'f'.repeat(32) } });

    expectProblem(response, 400);
  });
});
