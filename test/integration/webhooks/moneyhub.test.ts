// POST /webhooks/moneyhub in-process against dynalite and the Moneyhub simulator, whose identity
// service publishes the key that signs its Security Event Tokens (found here through OIDC discovery,
// as in production). Every refusal is the same 401 and invalidates nothing; an accepted sync
// completion makes the next read a miss.
import { randomBytes, randomUUID } from 'node:crypto';
import { generateKeyPair, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { responseCache } from '../../../lib/cache';
import { callContextFrom } from '../../../lib/call-context';
import { dynamoDocumentClient } from '../../../lib/table/client';
import { MoneyhubSetVerifier } from '../../../lib/webhooks/moneyhub-set';
import { receiveMoneyhubWebhook, WebhookOutcome } from '../../../lib/webhooks/receive';
import { ReplayGuard } from '../../../lib/webhooks/replay-guard';
import { moneyhubEventUrn } from '../../../local/simulators/moneyhub';
import { httpEvent, lambdaContext } from '../../support/events';
import { api, control, seedUser } from '../moneyhub/helpers';
import { expectUnauthenticated, generationOf } from './helpers';

let webhook: typeof import('../../../functions/webhooks/moneyhub').handler;
beforeAll(async () => {
  webhook = (await import('../../../functions/webhooks/moneyhub')).handler;
});

const simulatorUrl = process.env.MONEYHUB_SIMULATOR_URL as string;
const issuer = `${simulatorUrl}/oidc`;
const audience = process.env.MONEYHUB_CLIENT_ID as string;
const nowSeconds = () => Math.floor(Date.now() / 1000);

function claims(userId: string, overrides: Record<string, unknown> = {}, event = 'syncCompleted') {
  return {
    iss: issuer,
    aud: audience,
    sub: userId,
    jti: randomUUID(),
    iat: nowSeconds(),
    events: {
      [moneyhubEventUrn(event)]: {
        completedAt: new Date().toISOString(),
        processingStatus: 'success',
        syncId: randomUUID(),
        connectionId: 'bank:conn',
      },
    },
    ...overrides,
  };
}

async function deliver(body: string, contentType = 'application/jwt') {
  const event = httpEvent({
    method: 'POST',
    path: '/webhooks/moneyhub',
    headers: { 'Content-Type': contentType },
    body,
  });
  const response = (await webhook(event as never, lambdaContext())) as {
    statusCode: number;
    headers: Record<string, string>;
    body: string;
  };
  return { ...response, json: <T>() => JSON.parse(response.body) as T };
}

const partitionOf = (userId: string) => `moneyhub#${userId}`;

describe('POST /webhooks/moneyhub', () => {
  it('accepts a signed syncCompleted and invalidates the user: the next read is a miss', async () => {
    // Prepare: the user's connections cached (miss, then hit)
    const { userId } = await seedUser();
    expect((await api.listConnections(userId)).headers['Cache-Status']).toMatch(/fwd=miss; stored/);
    expect((await api.listConnections(userId)).headers['Cache-Status']).toMatch(/; hit;/);
    const before = await generationOf(partitionOf(userId));

    // Act
    const response = await deliver(await control.signWebhook(claims(userId)));

    // Assess
    expect(response.statusCode).toBe(204);
    expect(await generationOf(partitionOf(userId))).toBe(before + 1);
    expect((await api.listConnections(userId)).headers['Cache-Status']).toMatch(/fwd=miss; stored/);
  });

  it('invalidates on syncComplete, newTransactions, updatedTransactions and deletedAccount; accepts unknown events unchanged', async () => {
    const { userId } = await seedUser({ connections: [{}] });
    const start = await generationOf(partitionOf(userId));
    for (const event of ['syncComplete', 'newTransactions', 'updatedTransactions', 'deletedAccount'])
      expect((await deliver(await control.signWebhook(claims(userId, {}, event)))).statusCode).toBe(204);
    expect(await generationOf(partitionOf(userId))).toBe(start + 4);
    for (const event of ['refreshReminder', 'somethingNew'])
      expect((await deliver(await control.signWebhook(claims(userId, {}, event)))).statusCode).toBe(204);
    expect(await generationOf(partitionOf(userId))).toBe(start + 4);
  });

  describe('refuses with 401, the same problem every time, and invalidates nothing', () => {
    const hmacKey = randomBytes(32);
    const cases: [string, (userId: string) => Promise<{ body: string; contentType?: string }>][] = [
      [
        'the wrong audience',
        async (userId) => ({ body: await control.signWebhook(claims(userId, { aud: 'someone-else' })) }),
      ],
      [
        'the wrong issuer',
        async (userId) => ({
          body: await control.signWebhook(claims(userId, { iss: `${simulatorUrl}/other` })),
        }),
      ],
      [
        'an HS256 token',
        async (userId) => ({
          body: await new SignJWT(claims(userId))
            .setProtectedHeader({ alg: 'HS256', kid: 'x' })
            .sign(hmacKey),
        }),
      ],
      [
        'an unsigned token (alg none)',
        async (userId) => {
          const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
          return { body: `${part({ alg: 'none', kid: 'x' })}.${part(claims(userId))}.` };
        },
      ],
      [
        'a kid the JWKS does not have',
        async (userId) => ({ body: await control.signWebhook(claims(userId), 'forged-kid') }),
      ],
      [
        'another key under the published kid',
        async (userId) => {
          const genuine = await control.signWebhook(claims(userId));
          const { kid } = JSON.parse(
            Buffer.from(genuine.split('.')[0] as string, 'base64url').toString(),
          ) as { kid: string };
          const { privateKey } = await generateKeyPair('RS256');
          return {
            body: await new SignJWT(claims(userId))
              .setProtectedHeader({ alg: 'RS256', kid })
              .sign(privateKey),
          };
        },
      ],
      [
        'a token without kid',
        async (userId) => {
          const { privateKey } = await generateKeyPair('RS256');
          return {
            body: await new SignJWT(claims(userId)).setProtectedHeader({ alg: 'RS256' }).sign(privateKey),
          };
        },
      ],
      [
        'an expired token',
        async (userId) => ({ body: await control.signWebhook(claims(userId, { exp: nowSeconds() - 10 })) }),
      ],
      [
        'an iat 301 s old',
        async (userId) => ({ body: await control.signWebhook(claims(userId, { iat: nowSeconds() - 301 })) }),
      ],
      [
        'an iat 301 s ahead',
        async (userId) => ({ body: await control.signWebhook(claims(userId, { iat: nowSeconds() + 301 })) }),
      ],
      [
        'a token without jti',
        async (userId) => ({ body: await control.signWebhook(claims(userId, { jti: undefined })) }),
      ],
      [
        'one changed byte in the payload',
        async (userId) => {
          const [header, payload, signature] = (await control.signWebhook(claims(userId))).split('.') as [
            string,
            string,
            string,
          ];
          const changed = Buffer.from(payload, 'base64url');
          changed[changed.length - 2] = (changed[changed.length - 2] as number) ^ 0x01;
          return { body: `${header}.${changed.toString('base64url')}.${signature}` };
        },
      ],
      ['not a JWT at all', async () => ({ body: 'hello' })],
      [
        'unsigned JSON (not enabled on this stage)',
        async (userId) => ({
          body: JSON.stringify({ id: randomUUID(), eventType: 'syncCompleted', userId, payload: {} }),
          contentType: 'application/json',
        }),
      ],
      [
        'no content type',
        async (userId) => ({ body: await control.signWebhook(claims(userId)), contentType: '' }),
      ],
    ];
    it.each(cases)('%s', async (_, build) => {
      const { userId } = await seedUser({ connections: [{}] });
      const before = await generationOf(partitionOf(userId));
      const { body, contentType } = await build(userId);
      expectUnauthenticated(await deliver(body, contentType));
      expect(await generationOf(partitionOf(userId))).toBe(before);
    });
  });

  it('refuses a replayed jti: the first delivery invalidates, the replay is a 401 that does not', async () => {
    const { userId } = await seedUser({ connections: [{}] });
    const start = await generationOf(partitionOf(userId));
    const token = await control.signWebhook(claims(userId));
    expect((await deliver(token)).statusCode).toBe(204);
    expectUnauthenticated(await deliver(token));
    expect(await generationOf(partitionOf(userId))).toBe(start + 1);
  });

  it('fetches the JWKS at most once more for any number of forged kids (cooldown)', async () => {
    const { userId } = await seedUser({ connections: [{}] });
    await deliver(await control.signWebhook(claims(userId))); // discovery and keys loaded
    await control.resetCalls();
    for (let index = 0; index < 5; index++)
      expectUnauthenticated(await deliver(await control.signWebhook(claims(userId), `forged-${index}`)));
    const { calls } = await control.calls();
    expect(calls['GET /oidc/certs'] ?? 0).toBeLessThanOrEqual(1);
    expect(calls['GET /oidc/.well-known/openid-configuration'] ?? 0).toBe(0);
  });

  it('takes unsigned JSON only where a stage enabled it', async () => {
    const { userId } = await seedUser({ connections: [{}] });
    const receiver = (acceptUnsignedJson: boolean) => ({
      cache: responseCache(),
      verifier: new MoneyhubSetVerifier({ issuer, audience, toleranceSeconds: 300, jwksCooldownMs: 30_000 }),
      replayGuard: new ReplayGuard(dynamoDocumentClient(), process.env.CACHE_TABLE_NAME as string),
      toleranceSeconds: 300,
      acceptUnsignedJson,
    });
    const body = Buffer.from(
      JSON.stringify({ id: randomUUID(), eventType: 'syncComplete', userId, payload: {} }),
    );
    const request = { rawBody: body, contentType: 'application/json', call: callContextFrom(undefined) };
    const start = await generationOf(partitionOf(userId));

    expect((await receiveMoneyhubWebhook(receiver(false), request)).outcome).toBe(
      WebhookOutcome.unauthenticated,
    );
    expect(await generationOf(partitionOf(userId))).toBe(start);
    const accepted = await receiveMoneyhubWebhook(receiver(true), request);
    expect(accepted).toMatchObject({ outcome: WebhookOutcome.accepted, invalidated: true });
    expect(await generationOf(partitionOf(userId))).toBe(start + 1);
  });
});
