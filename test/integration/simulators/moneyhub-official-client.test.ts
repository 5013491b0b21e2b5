// Moneyhub's own Node client (@mft/moneyhub-api-client), unchanged, against the Moneyhub simulator:
// configured exactly as its README configures it for a real tenant — only the identity service and
// resource server URLs point at the simulator — once with private_key_jwt (a key generated here,
// its public half registered in the simulator's JWKS for the client) and once with
// client_secret_basic. Every user, connection and sync call the client offers must work, so the
// local stack is a Moneyhub sandbox for any application that uses this client.
import { randomBytes, randomUUID } from 'node:crypto';
import { Moneyhub } from '@mft/moneyhub-api-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateClientKey } from '../../../local/simulators/moneyhub/demo-data';
import { type MoneyhubSimulator, startMoneyhubSimulator } from '../../../local/simulators/moneyhub/index';

type MoneyhubApi = Awaited<ReturnType<typeof Moneyhub>>;

const redirectUri = 'https://app.example.invalid/moneyhub/callback';
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let sim: MoneyhubSimulator;

beforeAll(async () => {
  sim = await startMoneyhubSimulator({ port: 0 });
});

afterAll(async () => {
  await sim?.close();
});

/** The README's configuration, with the two URLs pointing at the simulator (`/v2.0` as the README has it). */
function readmeConfig(client: Record<string, unknown>) {
  return {
    resourceServerUrl: `${sim.url}/v2.0`,
    identityServiceUrl: sim.url,
    options: { timeout: 10_000 },
    client: {
      id_token_signed_response_alg: 'RS256',
      request_object_signing_alg: 'none',
      redirect_uri: redirectUri,
      response_type: 'code',
      ...client,
    },
  };
}

async function privateKeyJwtClient(): Promise<{ clientId: string; moneyhub: MoneyhubApi }> {
  const clientId = `official-jwt-${randomUUID()}`;
  const key = await generateClientKey('RS256');
  await sim.control.registerClient({
    clientId,
    tokenEndpointAuthMethod: 'private_key_jwt',
    jwks: key.publicJwks,
    signingAlg: 'RS256',
  });
  const moneyhub = await Moneyhub(
    readmeConfig({
      client_id: clientId,
      token_endpoint_auth_method: 'private_key_jwt',
      keys: [key.privateJwk],
    }) as never,
  );
  return { clientId, moneyhub };
}

async function clientSecretBasicClient(): Promise<{ clientId: string; moneyhub: MoneyhubApi }> {
  const clientId = `official-basic-${randomUUID()}`;
  const clientSecret = randomBytes(24).toString('base64url');
  await sim.control.registerClient({
    clientId,
    tokenEndpointAuthMethod: 'client_secret_basic',
    clientSecret,
  });
  const moneyhub = await Moneyhub(
    readmeConfig({
      client_id: clientId,
      client_secret: clientSecret,
      token_endpoint_auth_method: 'client_secret_basic',
      keys: [],
    }) as never,
  );
  return { clientId, moneyhub };
}

/** What the client throws for a non-2xx: got's HTTPError with Moneyhub's `code`/`message` attached. */
async function failureOf(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    const failure = error as {
      response?: { statusCode?: number };
      error?: string;
      error_description?: string;
    };
    return {
      status: failure.response?.statusCode,
      error: failure.error,
      description: failure.error_description,
    };
  }
  throw new Error('expected the call to fail');
}

describe.each([
  { method: 'private_key_jwt', create: privateKeyJwtClient },
  { method: 'client_secret_basic', create: clientSecretBasicClient },
])('Official client @mft/moneyhub-api-client 5.x with $method', ({ create }) => {
  let clientId: string;
  let moneyhub: MoneyhubApi;

  beforeAll(async () => {
    ({ clientId, moneyhub } = await create());
  });

  it('gets client-credentials tokens, client-level and for one user (sub)', async () => {
    const [user] = await sim.control.seed({ clientId, users: [{ clientUserId: 'token-flow' }] });

    // The README marks `sub` optional; the 5.x types require it.
    const clientLevel = await moneyhub.getClientCredentialTokens({ scope: 'user:read connection:read' } as {
      scope: string;
      sub: string;
    });
    const userLevel = await moneyhub.getClientCredentialTokens({
      scope: 'accounts:read accounts:write:all',
      sub: user?.userId as string,
    });

    expect(clientLevel).toMatchObject({
      access_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: 7200,
      scope: 'user:read connection:read',
    });
    expect(userLevel.access_token).toEqual(expect.any(String));
    const issued = (await sim.control.tokens()).filter((token) => token.clientId === clientId);
    expect(issued.map((token) => token.sub ?? null)).toEqual([null, user?.userId]);
  });

  it('registers a user, lists users in pages, gets and deletes the user', async () => {
    const registered = await moneyhub.registerUser({ clientUserId: `official-${randomUUID()}` });
    const second = await moneyhub.registerUser({ clientUserId: `official-${randomUUID()}` });

    const pages = [];
    for (let offset = 0; offset < 10; offset += 1) {
      const page = await moneyhub.getUsers({ limit: 1, offset });
      pages.push(page);
      if (page.links?.next === undefined) break;
    }
    const fetched = await moneyhub.getUser({ userId: registered.userId });
    const deleted = await moneyhub.deleteUser({ userId: registered.userId });
    const afterDelete = await failureOf(moneyhub.getUser({ userId: registered.userId }));

    expect(registered).toMatchObject({
      userId: expect.stringMatching(/^[0-9a-f]{24}$/),
      clientId,
      lastAccessed: expect.any(String),
      connectionIds: [],
    });
    const listedIds = pages.flatMap((page) => page.data.map((user) => user.userId));
    expect(listedIds).toEqual(expect.arrayContaining([registered.userId, second.userId]));
    expect(listedIds).toHaveLength(new Set(listedIds).size);
    expect(pages.at(-1)?.meta).toMatchObject({ limit: 1, offset: pages.length - 1, total: pages.length });
    expect(fetched).toEqual(registered);
    expect(deleted).toBe(204);
    expect(afterDelete).toEqual({ status: 404, error: 'NotFound', description: 'User not found' });
  });

  it("reads a user's connections, a connection's syncs and one sync; updates and deletes a connection", async () => {
    const [user] = await sim.control.seed({ clientId, users: [{ connections: [{}, {}], syncs: 4 }] });
    if (!user) throw new Error('seed returned nothing');
    const userId = user.userId;
    const [kept, removed] = user.connectionIds as [string, string];

    const connections = await moneyhub.getUserConnections({ userId });
    const syncs = await moneyhub.getConnectionSyncs({ userId, connectionId: kept, params: { limit: 10 } });
    const sync = await moneyhub.getSync({ userId, syncId: syncs.data[0]?.id as string });
    const updated = await moneyhub.updateUserConnection({
      userId,
      connectionId: kept,
      expiresAt: '2027-06-01T00:00:00.000Z',
    });
    const deleted = await moneyhub.deleteUserConnection({ userId, connectionId: removed });
    const after = await moneyhub.getUserConnections({ userId });

    expect(connections.data.map((connection) => connection.id)).toEqual([kept, removed]);
    expect(syncs.data).toHaveLength(2);
    expect(syncs.data.every((item) => item.connectionId === kept)).toBe(true);
    expect(sync.data).toEqual(syncs.data[0]);
    expect(updated).toBe(204);
    expect(deleted).toBe(204);
    expect(after.data).toEqual([
      expect.objectContaining({ id: kept, expiresAt: '2027-06-01T00:00:00.000Z' }),
    ]);
  });

  it('syncs a connection with a user-scoped token on the resource server', async () => {
    const [user] = await sim.control.seed({ clientId, users: [{ connections: [{}] }] });
    const connectionId = user?.connectionIds[0] as string;

    const started = await moneyhub.syncUserConnection({ userId: user?.userId as string, connectionId });

    expect(started).toMatchObject({
      data: { status: 'ok', syncId: expect.stringMatching(uuidPattern) },
      meta: {},
    });
    expect((await sim.control.syncsTriggered())[connectionId]).toBe(1);
    const userTokens = (await sim.control.tokens()).filter((token) => token.sub === user?.userId);
    expect(userTokens.map((token) => token.scope)).toEqual(['accounts:read accounts:write:all']);
  });
});
