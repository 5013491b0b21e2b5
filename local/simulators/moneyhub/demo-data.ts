// Demo data for `npm start` (fixed ids, dates relative to start-up), and the demo API client's key pair — generated at every
// start and kept in memory only (the private JWK goes to the handlers' environment, never to a file).
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import type { SeedRequest, SeedSync } from './control';

export const demoClientId = 'open-banking-users-local';

export interface GeneratedClientKey {
  /** Private JWK with `kid` and `alg`: what the Moneyhub client signs its assertions with. */
  privateJwk: JWK;
  /** What the simulator registers for the client. */
  publicJwks: { keys: JWK[] };
  alg: string;
  kid: string;
}

export async function generateClientKey(alg = 'RS256'): Promise<GeneratedClientKey> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  return {
    privateJwk: { ...(await exportJWK(privateKey)), kid, alg },
    publicJwks: { keys: [{ ...publicJwk, kid, alg, use: 'sig' }] },
    alg,
    kid,
  };
}

export const demoUserIds = {
  alice: '64f1c0de5eed0000000000a1',
  bob: '64f1c0de5eed0000000000b2',
} as const;

export const demoConnectionIds = {
  aliceOk: '5f0e3a7c9b1d4e2f8a6c0b3d5e7f9a1c:0b7c3f5e-1d2a-4e6b-9c8d-7a6b5c4d3e2f',
  aliceError: '8c2d4e6f0a1b3c5d7e9f1a2b4c6d8e0f:1c8d4a6f-2e3b-4f7c-8d9e-6b5a4c3d2e1f',
  aliceNever: '3a5b7c9d1e2f4a6b8c0d2e4f6a8b0c1d:2d9e5b7a-3f4c-4a8d-9e0f-5c4b3a2d1e0f',
  bobOk: '9e1f3a5b7c8d0e2f4a6b8c9d1e3f5a7b:3e0f6c8b-4a5d-4b9e-8f1a-4d3c2b1a0f9e',
  bobExpired: '1b3d5f7a9c0e2a4c6e8a0b1d3f5b7d9f:4f1a7d9c-5b6e-4c0f-9a2b-3e2d1c0b9a8f',
} as const;

const minuteMs = 60 * 1000;
const hourMs = 60 * minuteMs;
const dayMs = 24 * hourMs;

/**
 * Every date is relative to `nowMs` (the stack's start), so the demo never ages: the "ok"
 * connections' consents run for months, and their last syncs are old enough for the first
 * scheduled refresh (sync after 6 h by default) to find them due.
 */
function demoClock(nowMs: number) {
  return {
    ago: (ms: number) => new Date(nowMs - ms).toISOString(),
    ahead: (ms: number) => new Date(nowMs + ms).toISOString(),
  };
}

/** Twelve syncs for Alice (enough to page with the default limit of 10), newest first, hourly from 7 h ago. */
function aliceSyncs(nowMs: number): SeedSync[] {
  const { ago } = demoClock(nowMs);
  return Array.from({ length: 12 }, (_, index) => {
    const onErrorConnection = index % 4 === 3;
    const createdAtMs = (7 + index) * hourMs;
    return {
      id: `7d3c0000-0000-4000-8000-0000000000${String(index + 1).padStart(2, '0')}`,
      connectionId: onErrorConnection ? demoConnectionIds.aliceError : demoConnectionIds.aliceOk,
      action: index % 2 === 0 ? 'auto-update' : 'client-update',
      method: index === 11 ? 'ADD' : 'UPDATE',
      fetchStatus: onErrorConnection ? 'error' : 'success',
      createdAt: ago(createdAtMs),
      fetchedAt: ago(createdAtMs - 5000),
    };
  });
}

export function buildDemoSeed(nowMs: number = Date.now()): SeedRequest {
  const { ago, ahead } = demoClock(nowMs);
  return {
    clientId: demoClientId,
    users: [
      {
        userId: demoUserIds.alice,
        clientUserId: 'demo-alice',
        createdAt: ago(30 * dayMs),
        connections: [
          {
            id: demoConnectionIds.aliceOk,
            name: 'Modelo Sandbox',
            type: 'api',
            connectedOn: ago(29 * dayMs),
            accountIds: ['a1a1a1a1-0000-4000-8000-000000000001', 'a1a1a1a1-0000-4000-8000-000000000002'],
            status: 'ok',
            lastUpdated: ago(7 * hourMs - 5000),
            expiresAt: ahead(60 * dayMs),
            error: null,
          },
          {
            id: demoConnectionIds.aliceError,
            name: 'Ozone Bank',
            type: 'api',
            connectedOn: ago(28 * dayMs),
            accountIds: ['a1a1a1a1-0000-4000-8000-000000000003'],
            status: 'error',
            extendedStatus: 'stoppedSyncing',
            lastUpdated: ago(5 * dayMs),
            expiresAt: ahead(61 * dayMs),
            error: 'resync',
            syncOutcome: 'error',
          },
          {
            id: demoConnectionIds.aliceNever,
            name: 'Test Bank',
            type: 'test',
            connectedOn: ago(30 * minuteMs),
            accountIds: [],
            status: 'never',
          },
        ],
        syncs: aliceSyncs(nowMs),
      },
      {
        userId: demoUserIds.bob,
        clientUserId: 'demo-bob',
        createdAt: ago(14 * dayMs),
        connections: [
          {
            id: demoConnectionIds.bobOk,
            name: 'Modelo Sandbox',
            type: 'api',
            connectedOn: ago(14 * dayMs - hourMs),
            accountIds: ['b2b2b2b2-0000-4000-8000-000000000001'],
            status: 'ok',
            lastUpdated: ago(21 * hourMs - 5000),
            expiresAt: ahead(75 * dayMs),
            error: null,
            syncOutcome: 'partial',
          },
          {
            id: demoConnectionIds.bobExpired,
            name: 'Legacy Credit Union',
            type: 'legacy',
            connectedOn: ago(200 * dayMs),
            accountIds: ['b2b2b2b2-0000-4000-8000-000000000002'],
            status: 'error',
            extendedStatus: 'expired',
            lastUpdated: ago(20 * dayMs),
            expiresAt: ago(20 * dayMs),
            error: 'credentials_error',
            syncOutcome: 'credentials-error',
          },
        ],
        syncs: [
          {
            id: '7d3c0000-0000-4000-8000-0000000000b1',
            connectionId: demoConnectionIds.bobOk,
            fetchStatus: 'success',
            createdAt: ago(21 * hourMs),
            fetchedAt: ago(21 * hourMs - 5000),
          },
          {
            id: '7d3c0000-0000-4000-8000-0000000000b2',
            connectionId: demoConnectionIds.bobExpired,
            fetchStatus: 'credentials-error',
            createdAt: ago(20 * dayMs),
            fetchedAt: ago(20 * dayMs - 5000),
          },
        ],
      },
    ],
  };
}

/** For the README and the start banner. */
export const demoDataDescription = `Moneyhub simulator demo data (API client "${demoClientId}", private_key_jwt RS256, key generated at start):
- user ${demoUserIds.alice} (clientUserId "demo-alice"): 3 connections —
  ${demoConnectionIds.aliceOk} "Modelo Sandbox" ok (last synced 7 h ago: due for the sweep);
  ${demoConnectionIds.aliceError} "Ozone Bank" error (resync, stoppedSyncing; syncs fail);
  ${demoConnectionIds.aliceNever} "Test Bank" never synced —
  and 12 syncs (two pages at the default limit of 10).
- user ${demoUserIds.bob} (clientUserId "demo-bob"): 2 connections —
  ${demoConnectionIds.bobOk} "Modelo Sandbox" ok (last synced 21 h ago; syncs come back partial);
  ${demoConnectionIds.bobExpired} "Legacy Credit Union" error (credentials_error, consent expired) —
  and 2 syncs.`;
