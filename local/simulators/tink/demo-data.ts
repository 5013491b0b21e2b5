// The deterministic demo world `npm start` seeds into the Tink simulator: fixed ids so the README's
// example requests work as printed, timestamps relative to start-up so the data looks current.
import type { TinkSeed } from './control';

/** The local stack's Tink app. Its client secret is generated at every start (local/stack.ts). */
export const demoClient = {
  clientId: 'local-tink-client',
} as const;

export const demoUserIds = {
  alice: 'dec0de00000000000000000000000001',
  bob: 'dec0de00000000000000000000000002',
  carol: 'dec0de00000000000000000000000003',
} as const;

export const demoCredentialIds = {
  aliceBank: 'c0ffee00000000000000000000000011',
  aliceBankId: 'c0ffee00000000000000000000000012',
  bobOpenBanking: 'c0ffee00000000000000000000000021',
  bobSyncing: 'c0ffee00000000000000000000000022',
  bobLocked: 'c0ffee00000000000000000000000023',
  carolFlaky: 'c0ffee00000000000000000000000031',
  carolExpired: 'c0ffee00000000000000000000000032',
} as const;

const hourMs = 60 * 60 * 1000;
const dayMs = 24 * hourMs;

export function buildDemoSeed(nowMs: number = Date.now()): TinkSeed {
  return {
    users: [
      {
        userId: demoUserIds.alice,
        externalUserId: 'demo-alice',
        market: 'SE',
        locale: 'sv_SE',
        credentials: [
          {
            id: demoCredentialIds.aliceBank,
            providerName: 'se-demobank-password',
            type: 'PASSWORD',
            status: 'UPDATED',
            statusUpdated: nowMs - 7 * hourMs,
            updated: nowMs - 7 * hourMs,
          },
          {
            id: demoCredentialIds.aliceBankId,
            providerName: 'se-demobank-bankid',
            type: 'MOBILE_BANKID',
            status: 'AWAITING_MOBILE_BANKID_AUTHENTICATION',
            statusUpdated: nowMs - 5 * 60 * 1000,
            updated: nowMs - 3 * dayMs,
          },
        ],
      },
      {
        userId: demoUserIds.bob,
        externalUserId: 'demo-bob',
        market: 'GB',
        locale: 'en_GB',
        credentials: [
          {
            id: demoCredentialIds.bobOpenBanking,
            providerName: 'uk-demobank-open-banking-redirect',
            type: 'THIRD_PARTY_APP',
            status: 'TEMPORARY_ERROR',
            statusUpdated: nowMs - 2 * hourMs,
            updated: nowMs - dayMs,
            refreshOutcome: 'UPDATED',
          },
          {
            id: demoCredentialIds.bobSyncing,
            providerName: 'uk-demobank-open-banking-redirect',
            type: 'THIRD_PARTY_APP',
            status: 'UPDATING',
            statusUpdated: nowMs,
            updated: nowMs - 6 * hourMs,
            settleAfterMs: 60_000,
          },
          {
            id: demoCredentialIds.bobLocked,
            providerName: 'uk-demobank-password',
            type: 'PASSWORD',
            status: 'AUTHENTICATION_ERROR',
            statusUpdated: nowMs - dayMs,
            updated: nowMs - 10 * dayMs,
          },
        ],
      },
      {
        userId: demoUserIds.carol,
        externalUserId: 'demo-carol',
        market: 'SE',
        locale: 'en_US',
        credentials: [
          {
            id: demoCredentialIds.carolFlaky,
            providerName: 'se-demobank-password',
            type: 'PASSWORD',
            status: 'UPDATED',
            statusUpdated: nowMs - 8 * hourMs,
            updated: nowMs - 8 * hourMs,
            refreshOutcome: 'TEMPORARY_ERROR',
          },
          {
            id: demoCredentialIds.carolExpired,
            providerName: 'se-demobank-open-banking-redirect',
            type: 'THIRD_PARTY_APP',
            status: 'SESSION_EXPIRED',
            statusUpdated: nowMs - 2 * dayMs,
            updated: nowMs - 92 * dayMs,
            sessionExpiryDate: nowMs - 2 * dayMs,
          },
        ],
      },
    ],
  };
}

/** For the README and the start script's banner. */
export const demoDataDescription = [
  `Tink app: client_id ${demoClient.clientId} (client secret generated at start, kept in memory)`,
  `alice  ${demoUserIds.alice} (external demo-alice, SE):`,
  `  ${demoCredentialIds.aliceBank} UPDATED (refresh -> UPDATED)`,
  `  ${demoCredentialIds.aliceBankId} AWAITING_MOBILE_BANKID_AUTHENTICATION (needs the user)`,
  `bob    ${demoUserIds.bob} (external demo-bob, GB):`,
  `  ${demoCredentialIds.bobOpenBanking} TEMPORARY_ERROR (refresh -> UPDATED)`,
  `  ${demoCredentialIds.bobSyncing} UPDATING (becomes UPDATED a minute after start)`,
  `  ${demoCredentialIds.bobLocked} AUTHENTICATION_ERROR (needs the user)`,
  `carol  ${demoUserIds.carol} (external demo-carol, SE):`,
  `  ${demoCredentialIds.carolFlaky} UPDATED (refresh -> TEMPORARY_ERROR: the bank is flaky)`,
  `  ${demoCredentialIds.carolExpired} SESSION_EXPIRED (needs the user)`,
].join('\n');
