// Deterministic demo data for `npm start`, and the demo API client's key pair — generated at every
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

const day = '2026-01-15';
const at = (time: string) => `${day}T${time}.000Z`;

/** Twelve syncs for Alice (enough to page with the default limit of 10), newest first. */
function aliceSyncs(): SeedSync[] {
  return Array.from({ length: 12 }, (_, index) => {
    const hour = String(20 - index).padStart(2, '0');
    const onErrorConnection = index % 4 === 3;
    return {
      id: `7d3c0000-0000-4000-8000-0000000000${String(index + 1).padStart(2, '0')}`,
      connectionId: onErrorConnection ? demoConnectionIds.aliceError : demoConnectionIds.aliceOk,
      action: index % 2 === 0 ? 'auto-update' : 'client-update',
      method: index === 11 ? 'ADD' : 'UPDATE',
      fetchStatus: onErrorConnection ? 'error' : 'success',
      createdAt: at(`${hour}:00:00`),
      fetchedAt: at(`${hour}:00:05`),
    };
  });
}

export function buildDemoSeed(): SeedRequest {
  return {
    clientId: demoClientId,
    users: [
      {
        userId: demoUserIds.alice,
        clientUserId: 'demo-alice',
        createdAt: '2025-11-01T10:00:00.000Z',
        connections: [
          {
            id: demoConnectionIds.aliceOk,
            name: 'Modelo Sandbox',
            type: 'api',
            connectedOn: '2025-11-02T10:00:00.000Z',
            accountIds: ['a1a1a1a1-0000-4000-8000-000000000001', 'a1a1a1a1-0000-4000-8000-000000000002'],
            status: 'ok',
            lastUpdated: at('20:00:05'),
            expiresAt: '2026-05-02T10:00:00.000Z',
            error: null,
          },
          {
            id: demoConnectionIds.aliceError,
            name: 'Ozone Bank',
            type: 'api',
            connectedOn: '2025-11-03T10:00:00.000Z',
            accountIds: ['a1a1a1a1-0000-4000-8000-000000000003'],
            status: 'error',
            extendedStatus: 'stoppedSyncing',
            lastUpdated: '2026-01-10T08:00:00.000Z',
            expiresAt: '2026-05-03T10:00:00.000Z',
            error: 'resync',
            syncOutcome: 'error',
          },
          {
            id: demoConnectionIds.aliceNever,
            name: 'Test Bank',
            type: 'test',
            connectedOn: at('21:00:00'),
            accountIds: [],
            status: 'never',
          },
        ],
        syncs: aliceSyncs(),
      },
      {
        userId: demoUserIds.bob,
        clientUserId: 'demo-bob',
        createdAt: '2025-12-01T10:00:00.000Z',
        connections: [
          {
            id: demoConnectionIds.bobOk,
            name: 'Modelo Sandbox',
            type: 'api',
            connectedOn: '2025-12-01T11:00:00.000Z',
            accountIds: ['b2b2b2b2-0000-4000-8000-000000000001'],
            status: 'ok',
            lastUpdated: at('06:00:05'),
            expiresAt: '2026-06-01T11:00:00.000Z',
            error: null,
            syncOutcome: 'partial',
          },
          {
            id: demoConnectionIds.bobExpired,
            name: 'Legacy Credit Union',
            type: 'legacy',
            connectedOn: '2025-06-01T11:00:00.000Z',
            accountIds: ['b2b2b2b2-0000-4000-8000-000000000002'],
            status: 'error',
            extendedStatus: 'expired',
            lastUpdated: '2025-12-01T11:00:00.000Z',
            expiresAt: '2025-12-01T11:00:00.000Z',
            error: 'credentials_error',
            syncOutcome: 'credentials-error',
          },
        ],
        syncs: [
          {
            id: '7d3c0000-0000-4000-8000-0000000000b1',
            connectionId: demoConnectionIds.bobOk,
            fetchStatus: 'success',
            createdAt: at('06:00:00'),
            fetchedAt: at('06:00:05'),
          },
          {
            id: '7d3c0000-0000-4000-8000-0000000000b2',
            connectionId: demoConnectionIds.bobExpired,
            fetchStatus: 'credentials-error',
            createdAt: '2025-12-01T11:00:00.000Z',
            fetchedAt: '2025-12-01T11:00:05.000Z',
          },
        ],
      },
    ],
  };
}

/** For the README and the start banner. */
export const demoDataDescription = `Moneyhub simulator demo data (API client "${demoClientId}", private_key_jwt RS256, key generated at start):
- user ${demoUserIds.alice} (clientUserId "demo-alice"): 3 connections —
  ${demoConnectionIds.aliceOk} "Modelo Sandbox" ok;
  ${demoConnectionIds.aliceError} "Ozone Bank" error (resync, stoppedSyncing; syncs fail);
  ${demoConnectionIds.aliceNever} "Test Bank" never synced —
  and 12 syncs (two pages at the default limit of 10).
- user ${demoUserIds.bob} (clientUserId "demo-bob"): 2 connections —
  ${demoConnectionIds.bobOk} "Modelo Sandbox" ok (syncs come back partial);
  ${demoConnectionIds.bobExpired} "Legacy Credit Union" error (credentials_error, consent expired) —
  and 2 syncs.`;
