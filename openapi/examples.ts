// Examples for the document, taken from the local stack's demo data (the same users and ids
// `npm start` seeds), so a request copied from the reference works against the local stack as shown.
import {
  demoConnectionIds,
  buildDemoSeed as moneyhubDemoSeed,
  demoUserIds as moneyhubUserIds,
} from '../local/simulators/moneyhub/demo-data';
import {
  demoCredentialIds,
  buildDemoSeed as tinkDemoSeed,
  demoUserIds as tinkUserIds,
} from '../local/simulators/tink/demo-data';

/** A fixed instant: the committed document must not change with the day it was generated. */
const exampleNowMs = Date.parse('2026-01-15T21:00:00.000Z');

const tinkAlice = tinkDemoSeed(exampleNowMs).users[0];
const moneyhubAlice = moneyhubDemoSeed(exampleNowMs).users?.[0];
if (!tinkAlice || !moneyhubAlice) throw new Error('The demo data lost its first user');

/** Simulator-only fields (scripted outcomes, timings) are not part of any response. */
function withoutSimulatorFields<T extends object>(value: T): Partial<T> {
  const { refreshOutcome, settleAfterMs, syncOutcome, ...rest } = value as Record<string, unknown>;
  return rest as Partial<T>;
}

const tinkCredentials = (tinkAlice.credentials ?? []).map((credential) => ({
  ...withoutSimulatorFields(credential),
  userId: tinkAlice.userId,
}));

const moneyhubSyncs = Array.isArray(moneyhubAlice.syncs) ? moneyhubAlice.syncs : [];

const moneyhubConnections = (moneyhubAlice.connections ?? []).map((connection) =>
  withoutSimulatorFields(connection),
);

export const pathParameterExamples = {
  tink: { userId: tinkUserIds.alice, credentialId: demoCredentialIds.aliceBank },
  moneyhub: { userId: moneyhubUserIds.alice, connectionId: demoConnectionIds.aliceOk },
} as const;

export const examples = {
  tinkCreateUserRequest: {
    market: 'SE',
    locale: 'sv_SE',
    externalUserId: 'demo-dave',
    retentionClass: 'permanent',
  },
  tinkUser: { userId: tinkUserIds.alice, externalUserId: tinkAlice.externalUserId ?? null },
  tinkAuthorizationRequest: { scope: ['credentials:read', 'accounts:read'] },
  tinkAuthorizationCode: { code: 'c0de7e57a1b2c3d4e5f60718293a4b5c' },
  tinkCodeExchangeRequest: { code: 'c0de7e57a1b2c3d4e5f60718293a4b5c' },
  tinkUserAccessToken: {
    accessToken: 'eyJhbGciOi…',
    tokenType: 'bearer',
    expiresIn: 7200,
    scope: 'credentials:read,accounts:read',
  },
  tinkRefreshRequest: { items: ['CHECKING_ACCOUNTS'], authenticate: false },
  tinkCredentialList: { credentials: tinkCredentials },
  tinkCredential: tinkCredentials[0],
  moneyhubRegisterRequest: { clientUserId: 'demo-dave' },
  moneyhubUser: {
    userId: moneyhubAlice.userId,
    clientUserId: moneyhubAlice.clientUserId,
    createdAt: moneyhubAlice.createdAt,
    connectionIds: moneyhubConnections.map((connection) => connection.id),
  },
  moneyhubConnectionList: { data: moneyhubConnections, meta: {} },
  moneyhubConnection: moneyhubConnections[0],
  moneyhubSyncList: {
    data: moneyhubSyncs.slice(0, 2),
    meta: { limit: 2, offset: 0, total: moneyhubSyncs.length },
  },
  enrollment: { provider: 'tink', userId: tinkUserIds.alice, enrolled: true },
  health: { status: 'ok', version: '0.1.0', stage: 'local', table: 'ACTIVE' },
} as const;
