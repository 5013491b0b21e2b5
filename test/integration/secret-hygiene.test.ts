// Secret hygiene (secrets and tokens never appear in logs, errors or
// DynamoDB). Every secret, key, assertion and token the suite creates is collected — the Tink client
// secret, the Moneyhub private JWK and its private members, every token, code and client assertion
// both simulators issued or received during the run, the dev tokens callers send — and then:
//   1. every operation runs, succeeding and failing, at DEBUG with every event logged; the captured
//      logs and every error body hold none of them;
//   2. a full Scan of the cache table holds none of them. The sequencer (test/support/
//      secret-scan-last.mts) runs this file after every other integration file, so the scan sees what
//      the whole suite left in the table, and a find fails the run like any failed test.
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { handler as deleteConnection } from '../../functions/moneyhub/delete-connection';
import { handler as deleteMoneyhubUser } from '../../functions/moneyhub/delete-user';
import { handler as getConnection } from '../../functions/moneyhub/get-connection';
import { handler as getUser } from '../../functions/moneyhub/get-user';
import { handler as listConnections } from '../../functions/moneyhub/list-connections';
import { handler as listSyncs } from '../../functions/moneyhub/list-syncs';
import { handler as registerUser } from '../../functions/moneyhub/register-user';
import { handler as createAuthorization } from '../../functions/tink/create-authorization';
import { handler as createTinkUser } from '../../functions/tink/create-user';
import { handler as deleteCredential } from '../../functions/tink/delete-credential';
import { handler as deleteTinkUser } from '../../functions/tink/delete-user';
import { handler as getCredential } from '../../functions/tink/get-credential';
import { handler as getUserAccessToken } from '../../functions/tink/get-user-access-token';
import { handler as listCredentials } from '../../functions/tink/list-credentials';
import { handler as refreshCredential } from '../../functions/tink/refresh-credential';
import { moneyhubClient } from '../../lib/providers/moneyhub';
import { tinkClient } from '../../lib/providers/tink';
import { dynamoDocumentClient } from '../../lib/table/client';
import { mintDevToken } from '../../local/dev-token';
import { MoneyhubSimulatorControl } from '../../local/simulators/moneyhub';
import { TinkSimulatorControl } from '../../local/simulators/tink';
import { type EventInput, type HandlerResponse, invoke, lambdaContext } from '../support/events';
import { type CapturedLogs, captureLogs } from '../support/logs';

// The logger reads its level once, when it is built, and returns to it at every (warm) invocation:
// DEBUG and event logging must be set before the handlers are imported.
const previousEnv = vi.hoisted(() => {
  const previous = {
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL,
    POWERTOOLS_LOGGER_LOG_EVENT: process.env.POWERTOOLS_LOGGER_LOG_EVENT,
  };
  process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';
  process.env.POWERTOOLS_LOGGER_LOG_EVENT = 'true';
  return previous;
});

type Handler = (event: never, context: Context) => Promise<unknown>;

const tink = new TinkSimulatorControl(process.env.TINK_SIMULATOR_URL as string);
const moneyhub = new MoneyhubSimulatorControl(process.env.MONEYHUB_SIMULATOR_URL as string);
/** The simulators remember this many issued values; beyond it the oldest are forgotten. */
const rememberedValues = 10_000;
const privateJwkMembers = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'];
const devTokens: string[] = [];

afterAll(() => {
  for (const [name, value] of Object.entries(previousEnv)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

/** Every secret the run created or holds, with what it is (never the value) for the failure message. */
async function collectSecrets(): Promise<Map<string, string>> {
  const secrets = new Map<string, string>();
  const add = (label: string, value: unknown) => {
    // Short values would match by chance; none of the secrets here is short.
    if (typeof value === 'string' && value.length >= 16) secrets.set(value, label);
  };
  add('TINK_CLIENT_SECRET', process.env.TINK_CLIENT_SECRET);
  const jwkJson = process.env.MONEYHUB_PRIVATE_JWK as string;
  add('MONEYHUB_PRIVATE_JWK', jwkJson);
  const jwk = JSON.parse(jwkJson) as Record<string, unknown>;
  for (const member of privateJwkMembers) add(`MONEYHUB_PRIVATE_JWK.${member}`, jwk[member]);
  const tinkIssued = await tink.issuedValues();
  const moneyhubIssued = await moneyhub.issuedValues();
  // A full buffer means older values were forgotten, and their absence could not be proven.
  expect(tinkIssued.length, 'Tink values issued in this run').toBeLessThan(rememberedValues);
  expect(moneyhubIssued.length, 'Moneyhub values issued in this run').toBeLessThan(rememberedValues);
  for (const value of tinkIssued) add('a Tink access token or authorization code', value);
  for (const value of moneyhubIssued) add('a Moneyhub access token or client assertion', value);
  for (const token of devTokens) add('a dev token (caller bearer JWT)', token);
  return secrets;
}

/** Where the secrets occur in the text, as they are or URL-encoded (as in a form body or a query). */
function leaks(text: string, secrets: Map<string, string>): string[] {
  const found: string[] = [];
  for (const [secret, label] of secrets) {
    if (text.includes(secret) || text.includes(encodeURIComponent(secret))) found.push(label);
  }
  return found;
}

/** Names the items (by key) that hold a secret, and what they hold. */
function whereLeaked(items: Record<string, unknown>[], texts: string[], secrets: Map<string, string>) {
  return items.flatMap((item, index) =>
    leaks(texts[index] ?? '', secrets).map((label) => `${String(item.pk)} / ${String(item.sk)}: ${label}`),
  );
}

describe('Function: leaks (the detector itself)', () => {
  it('finds a secret as it is and URL-encoded, and nothing in clean text', () => {
    const secrets = new Map([['s3cr3t+/value=with-padding', 'a secret']]);

    expect(leaks('… s3cr3t+/value=with-padding …', secrets)).toEqual(['a secret']);
    expect(leaks(`… ${encodeURIComponent('s3cr3t+/value=with-padding')} …`, secrets)).toEqual(['a secret']);
    expect(leaks('… s3cr3t …', secrets)).toEqual([]);
  });
});

describe('Secret hygiene: every operation at DEBUG, every event logged', () => {
  let logs: CapturedLogs | undefined;
  afterEach(async () => {
    logs?.restore();
    await Promise.all([tink.clearFaults(), moneyhub.clearFaults()]);
  });

  it('logs and error bodies hold no secret, key, assertion or token, whatever the outcome', async () => {
    // Prepare: every provider token this process uses is minted while the logs are captured; the
    // caller sends a bearer JWT as behind the authorizer
    const devToken = await mintDevToken();
    devTokens.push(devToken);
    tinkClient().forgetAllTokens();
    moneyhubClient().forgetAllTokens();
    const [tinkSeeded] = (await tink.seed({ users: [{ market: 'SE', credentials: [{}, {}] }] })).users;
    const [moneyhubSeeded] = await moneyhub.seed({ users: [{ connections: [{}, {}], syncs: 2 }] });
    if (!tinkSeeded || !moneyhubSeeded) throw new Error('The simulators seeded no user');
    const { userId: tinkUserId, credentialIds } = tinkSeeded;
    const { userId: moneyhubUserId, connectionIds } = moneyhubSeeded;
    const [credentialId, spareCredentialId] = credentialIds as [string, string];
    const headers = { authorization: `Bearer ${devToken}` };
    const invocations: { label: string; response: HandlerResponse; requestId: string }[] = [];
    const run = async (label: string, handler: Handler, input: EventInput, extraHeaders = {}) => {
      const context = lambdaContext();
      const response = await invoke(handler, { ...input, headers: { ...headers, ...extraHeaders } }, context);
      invocations.push({ label, response, requestId: context.awsRequestId });
      return response;
    };
    const noCache = { 'cache-control': 'no-cache' };
    logs = captureLogs();

    // Act: Tink — successes, a spent code, refusals of our credentials, a token endpoint answering
    // with a corrupted body and with a schema-violating one (each carrying an issued token), a 404
    await run('tink.createUser', createTinkUser, { method: 'POST', body: { market: 'SE' } });
    const granted = await run('tink.createAuthorization', createAuthorization, {
      method: 'POST',
      pathParameters: { userId: tinkUserId },
      body: { scope: ['credentials:read'] },
    });
    const { code } = granted.json<{ code: string }>();
    const exchanged = await run('tink.getUserAccessToken', getUserAccessToken, {
      method: 'POST',
      body: { code },
    });
    const { accessToken } = exchanged.json<{ accessToken: string }>();
    await run('tink.getUserAccessToken (spent code)', getUserAccessToken, { method: 'POST', body: { code } });
    await run('tink.listCredentials', listCredentials, { pathParameters: { userId: tinkUserId } });
    await run('tink.getCredential', getCredential, { pathParameters: { userId: tinkUserId, credentialId } });
    await tink.injectFault('GET /api/v1/credentials/list', { kind: 'status', status: 401 });
    await run(
      'tink.listCredentials (401)',
      listCredentials,
      { pathParameters: { userId: tinkUserId } },
      noCache,
    );
    await tink.clearFaults();
    await tink.injectFault('GET /api/v1/credentials/:id', { kind: 'status', status: 403 }, 1);
    await run(
      'tink.getCredential (403)',
      getCredential,
      { pathParameters: { userId: tinkUserId, credentialId } },
      noCache,
    );
    await run('tink.refreshCredential', refreshCredential, {
      method: 'POST',
      pathParameters: { userId: tinkUserId, credentialId },
    });
    await run('tink.deleteCredential', deleteCredential, {
      method: 'DELETE',
      pathParameters: { userId: tinkUserId, credentialId: spareCredentialId },
    });
    tinkClient().forgetAllTokens();
    await tink.injectFault('POST /api/v1/oauth/token', { kind: 'status', status: 200, body: accessToken }, 1);
    await run('tink.createUser (token endpoint: corrupted body)', createTinkUser, {
      method: 'POST',
      body: { market: 'SE' },
    });
    await tink.injectFault(
      'POST /api/v1/oauth/token',
      {
        kind: 'schema-violation',
        body: { access_token: accessToken, token_type: 'bearer', expires_in: 'soon' },
      },
      1,
    );
    await run('tink.createUser (token endpoint: schema violation)', createTinkUser, {
      method: 'POST',
      body: { market: 'SE' },
    });
    await run('tink.deleteUser', deleteTinkUser, {
      method: 'DELETE',
      pathParameters: { userId: tinkUserId },
    });
    await run('tink.deleteUser (gone)', deleteTinkUser, {
      method: 'DELETE',
      pathParameters: { userId: tinkUserId },
    });

    // Act: Moneyhub — the same, with private_key_jwt assertions at its token endpoint
    await run('moneyhub.registerUser', registerUser, { method: 'POST', body: { clientUserId: 'hygiene' } });
    await run('moneyhub.getUser', getUser, { pathParameters: { userId: moneyhubUserId } });
    await run('moneyhub.listConnections', listConnections, { pathParameters: { userId: moneyhubUserId } });
    await run('moneyhub.getConnection', getConnection, {
      pathParameters: { userId: moneyhubUserId, connectionId: connectionIds[1] as string },
    });
    await run('moneyhub.listSyncs', listSyncs, { pathParameters: { userId: moneyhubUserId } });
    await moneyhub.injectFault('GET /users/:userId/syncs', { kind: 'status', status: 401 });
    await run('moneyhub.listSyncs (401)', listSyncs, { pathParameters: { userId: moneyhubUserId } }, noCache);
    await moneyhub.clearFaults();
    moneyhubClient().forgetAllTokens();
    await moneyhub.injectFault('POST /oidc/token', {
      kind: 'status',
      status: 400,
      body: { error: 'invalid_request' },
    });
    await run(
      'moneyhub.getUser (token endpoint: 400)',
      getUser,
      { pathParameters: { userId: moneyhubUserId } },
      noCache,
    );
    await moneyhub.clearFaults();
    const moneyhubToken = (await moneyhub.issuedValues()).at(-1) as string;
    await moneyhub.injectFault('POST /oidc/token', { kind: 'status', status: 200, body: moneyhubToken }, 1);
    await run(
      'moneyhub.getUser (token endpoint: corrupted body)',
      getUser,
      { pathParameters: { userId: moneyhubUserId } },
      noCache,
    );
    await run('moneyhub.deleteConnection', deleteConnection, {
      method: 'DELETE',
      pathParameters: { userId: moneyhubUserId, connectionId: connectionIds[0] as string },
    });
    await run('moneyhub.deleteUser', deleteMoneyhubUser, {
      method: 'DELETE',
      pathParameters: { userId: moneyhubUserId },
    });
    await run('moneyhub.getUser (gone)', getUser, { pathParameters: { userId: moneyhubUserId } });
    logs.restore();

    // Assess: the run covered what it meant to
    expect(invocations.map(({ label, response }) => `${label}: ${response.statusCode}`)).toEqual([
      'tink.createUser: 201',
      'tink.createAuthorization: 201',
      'tink.getUserAccessToken: 200',
      'tink.getUserAccessToken (spent code): 400',
      'tink.listCredentials: 200',
      'tink.getCredential: 200',
      'tink.listCredentials (401): 502',
      'tink.getCredential (403): 502',
      'tink.refreshCredential: 202',
      'tink.deleteCredential: 204',
      'tink.createUser (token endpoint: corrupted body): 502',
      'tink.createUser (token endpoint: schema violation): 502',
      'tink.deleteUser: 204',
      'tink.deleteUser (gone): 404',
      'moneyhub.registerUser: 201',
      'moneyhub.getUser: 200',
      'moneyhub.listConnections: 200',
      'moneyhub.getConnection: 200',
      'moneyhub.listSyncs: 200',
      'moneyhub.listSyncs (401): 502',
      'moneyhub.getUser (token endpoint: 400): 502',
      'moneyhub.getUser (token endpoint: corrupted body): 502',
      'moneyhub.deleteConnection: 204',
      'moneyhub.deleteUser: 204',
      'moneyhub.getUser (gone): 404',
    ]);
    const records = logs.records();
    // Every event was logged, but the code exchange's (it carries the code): headers and all
    const events = records.filter((record) => record.message === 'Lambda invocation event');
    const exchanges = invocations.filter(({ label }) => label.startsWith('tink.getUserAccessToken'));
    expect(events).toHaveLength(invocations.length - exchanges.length);
    for (const event of events) {
      expect((event.event as { headers: Record<string, string> }).headers.authorization).toBe('[REDACTED]');
    }
    // DEBUG held on warm invocations: the last Tink deletion (a fresh user:delete token) logged at DEBUG
    const deletion = invocations.find(({ label }) => label === 'tink.deleteUser');
    expect(
      records.some(
        (record) => record.level === 'DEBUG' && record.function_request_id === deletion?.requestId,
      ),
    ).toBe(true);
    expect(records.filter((record) => record.level === 'DEBUG').length).toBeGreaterThan(5);

    const secrets = await collectSecrets();
    for (const value of [code, accessToken, moneyhubToken, devToken]) expect(secrets.has(value)).toBe(true);
    const text = logs.text();
    expect(leaks(text, secrets), 'secrets in the logs').toEqual([]);
    // A corrupted body is not quoted either: not even the start of the token it carried
    expect(text).not.toContain(accessToken.slice(0, 10));
    expect(text).not.toContain(moneyhubToken.slice(0, 10));
    expect(text).not.toMatch(/eyJ[\w-]+\.eyJ[\w-]+/); // no JWT: dev tokens, client assertions
    expect(text).not.toMatch(/\b(Bearer|Basic)\s+(?!\[REDACTED\])[\w.~+/=-]{8,}/i);

    // Every body, error bodies included, but for the two routes that exist to hand out a code or a token
    expect(invocations.filter(({ response }) => response.statusCode >= 400)).toHaveLength(10);
    const handOuts = new Set(['tink.createAuthorization', 'tink.getUserAccessToken']);
    for (const { label, response } of invocations.filter((invocation) => !handOuts.has(invocation.label))) {
      expect(leaks(response.body, secrets), `secrets in the body of ${label}`).toEqual([]);
    }
  });
});

describe('Secret hygiene: the cache table after the integration suite', () => {
  it('holds no secret, key, assertion or token in any item', async () => {
    // Prepare
    const secrets = await collectSecrets();
    expect(secrets.size).toBeGreaterThan(privateJwkMembers.length + 10);

    // Act: every item of the table, every page
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await dynamoDocumentClient().send(
        new ScanCommand({
          TableName: process.env.CACHE_TABLE_NAME,
          ExclusiveStartKey: startKey,
          ConsistentRead: true,
        }),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey);

    // Assess: the suite left entries behind (so the scan looked at something), and none holds a secret
    console.log(`Secret scan: ${items.length} items, ${secrets.size} secrets`);
    expect(items.length).toBeGreaterThan(0);
    const texts = items.map((item) => JSON.stringify(item));
    const found = leaks(texts.join('\n'), secrets).length === 0 ? [] : whereLeaked(items, texts, secrets);
    expect(found, 'secrets in the cache table').toEqual([]);
  });
});
