// POST /webhooks/tink in-process against dynalite and the Tink simulator: the signature is checked
// over the raw bytes (HMAC-SHA256 computed here independently of the code under test), refusals say
// nothing about which check failed and change nothing, and an accepted refresh:finished makes the
// next credentials read a miss that shows the new status.
import { createHmac, randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { httpEvent, lambdaContext } from '../../support/events';
import { call, control, credentialsPath, seedUser } from '../tink/helpers';
import { expectUnauthenticated, generationOf } from './helpers';

const secret = randomBytes(32).toString('base64url');
process.env.TINK_WEBHOOK_SECRET = secret;

type Handler = typeof import('../../../functions/webhooks/tink').handler;
let webhook: Handler;
let listCredentials: typeof import('../../../functions/tink/list-credentials').handler;

beforeAll(async () => {
  webhook = (await import('../../../functions/webhooks/tink')).handler;
  listCredentials = (await import('../../../functions/tink/list-credentials')).handler;
});

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Tink's documented scheme, written out here: v1 = hex(HMAC-SHA256(secret, t + "." + body)). */
function sign(body: string | Buffer, timestamp = nowSeconds(), key = secret) {
  const v1 = createHmac('sha256', key)
    .update(Buffer.concat([Buffer.from(`${timestamp}.`), Buffer.from(body)]))
    .digest('hex');
  return `t=${timestamp},v1=${v1}`;
}

const message = (userId: string, event = 'refresh:finished') =>
  JSON.stringify({
    context: { userId, externalUserId: `ext-${userId.slice(0, 6)}` },
    content: {
      credentialsId: 'c0ffee',
      credentialsStatus: 'STATUS_UPDATED',
      finished: Date.now(),
      source: 'OPERATION_SOURCE_BACKGROUND',
      status: 'STATUS_UPDATED',
    },
    event,
  });

function deliver(body: string | Buffer, signature: string | undefined, options: { base64?: boolean } = {}) {
  const raw = Buffer.from(body);
  const event = httpEvent({
    method: 'POST',
    path: '/webhooks/tink',
    headers: {
      'Content-Type': 'application/json',
      ...(signature === undefined ? {} : { 'X-Tink-Signature': signature }),
    },
    body: options.base64 ? raw.toString('base64') : raw.toString('utf8'),
  });
  event.isBase64Encoded = options.base64 === true;
  return deliverEvent(event);
}

async function deliverEvent(event: ReturnType<typeof httpEvent>) {
  const response = (await webhook(event as never, lambdaContext())) as {
    statusCode: number;
    headers: Record<string, string>;
    body: string;
  };
  return { ...response, json: <T>() => JSON.parse(response.body) as T };
}

describe('POST /webhooks/tink', () => {
  it('accepts the documented signature and invalidates the user: the next read is a miss with the new status', async () => {
    // Prepare: a user whose credentials are cached (miss, then hit) while a refresh runs at Tink
    const { userId, credentialIds } = await seedUser([{ status: 'UPDATED', refreshDurationMs: 60_000 }]);
    const path = credentialsPath(userId);
    const first = await call(listCredentials, { path, pathParameters: { userId } });
    expect(first.headers['Cache-Status']).toMatch(/fwd=miss; stored/);
    expect(
      (await call(listCredentials, { path, pathParameters: { userId } })).headers['Cache-Status'],
    ).toMatch(/; hit;/);
    await control.setCredential(credentialIds[0] as string, { status: 'TEMPORARY_ERROR' });
    const before = await generationOf(`tink#${userId}`);

    // Act
    const body = message(userId);
    const response = await deliverEvent(
      httpEvent({
        method: 'POST',
        path: '/webhooks/tink',
        headers: { 'X-Tink-Signature': sign(body) },
        body,
      }),
    );

    // Assess: 204, one generation bump, and the next read goes to Tink and sees the change
    expect(response.statusCode).toBe(204);
    expect(response.body).toBe('');
    expect(await generationOf(`tink#${userId}`)).toBe(before + 1);
    const after = await call(listCredentials, { path, pathParameters: { userId } });
    expect(after.headers['Cache-Status']).toMatch(/fwd=miss; stored/);
    expect(after.json<{ credentials: { status: string }[] }>().credentials[0]?.status).toBe(
      'TEMPORARY_ERROR',
    );
  });

  it('verifies the exact bytes API Gateway base64-encoded', async () => {
    const { userId } = await seedUser();
    const before = await generationOf(`tink#${userId}`);
    // Non-ASCII text: re-encoding it any other way would change the bytes and break the signature.
    const body = message(userId).replace('"event"', '"note":"Fäktura – ✓","event"');
    const response = await deliver(body, sign(body), { base64: true });
    expect(response.statusCode).toBe(204);
    expect(await generationOf(`tink#${userId}`)).toBe(before + 1);
  });

  it('ignores unknown keys in the signature header', async () => {
    const { userId } = await seedUser();
    const body = message(userId, 'account:updated');
    const header = `v0=${'ab'.repeat(32)}, ${sign(body)},scheme=hmac,v2=zz`;
    const response = await deliver(body, header);
    expect(response.statusCode).toBe(204);
  });

  it('invalidates on account and account-transactions events, and accepts unknown events without invalidating', async () => {
    const { userId } = await seedUser();
    const partition = `tink#${userId}`;
    const start = await generationOf(partition);
    for (const event of ['account:updated', 'account-transactions:modified']) {
      const body = message(userId, event);
      expect((await deliver(body, sign(body))).statusCode).toBe(204);
    }
    expect(await generationOf(partition)).toBe(start + 2);
    const unknown = message(userId, 'provider-consent:created');
    expect((await deliver(unknown, sign(unknown))).statusCode).toBe(204);
    expect(await generationOf(partition)).toBe(start + 2);
  });

  it('takes a redelivery of the same event as harmless: one more bump, same answer', async () => {
    const { userId } = await seedUser();
    const body = message(userId);
    const header = sign(body);
    const start = await generationOf(`tink#${userId}`);
    expect((await deliver(body, header)).statusCode).toBe(204);
    expect((await deliver(body, header)).statusCode).toBe(204);
    expect(await generationOf(`tink#${userId}`)).toBe(start + 2);
  });

  describe('refuses with 401, the same problem every time, and invalidates nothing', () => {
    const cases: [string, (userId: string) => { body: string | Buffer; header: string | undefined }][] = [
      [
        'a one-byte change to the body',
        (userId) => {
          const body = message(userId);
          const changed = Buffer.from(body);
          changed[changed.length - 3] = (changed[changed.length - 3] as number) ^ 0x01;
          return { body: changed, header: sign(body) };
        },
      ],
      [
        'a wrong secret',
        (userId) => ({ body: message(userId), header: sign(message(userId), nowSeconds(), `${secret}x`) }),
      ],
      ['no signature header', (userId) => ({ body: message(userId), header: undefined })],
      ['an empty signature header', (userId) => ({ body: message(userId), header: '' })],
      [
        'a header without a timestamp',
        (userId) => ({ body: message(userId), header: sign(message(userId)).replace(/^t=\d+,/, '') }),
      ],
      ['a header without v1', (userId) => ({ body: message(userId), header: `t=${nowSeconds()}` })],
      [
        'a signature over another timestamp',
        (userId) => ({
          body: message(userId),
          header: sign(message(userId)).replace(/^t=(\d+)/, (_, t: string) => `t=${Number(t) - 1}`),
        }),
      ],
      [
        'a timestamp 301 s old, correctly signed',
        (userId) => ({ body: message(userId), header: sign(message(userId), nowSeconds() - 301) }),
      ],
      [
        'a timestamp 301 s ahead, correctly signed',
        (userId) => ({ body: message(userId), header: sign(message(userId), nowSeconds() + 301) }),
      ],
      ['a truncated v1', (userId) => ({ body: message(userId), header: sign(message(userId)).slice(0, -2) })],
    ];
    it.each(cases)('%s', async (_, build) => {
      const { userId } = await seedUser();
      const before = await generationOf(`tink#${userId}`);
      const { body, header } = build(userId);
      expectUnauthenticated(await deliver(body, header));
      expect(await generationOf(`tink#${userId}`)).toBe(before);
    });
  });

  it('answers 400 for a correctly signed body that is not JSON, or not a Tink message', async () => {
    const notATinkUserId = 'ABCDEF0123456789ABCDEF0123456789';
    for (const body of [
      'not json {',
      JSON.stringify({ event: 'refresh:finished', context: {} }),
      JSON.stringify({ event: 'refresh:finished', context: { userId: notATinkUserId } }),
    ]) {
      const response = await deliver(body, sign(body));
      expect(response.statusCode).toBe(400);
      expect(response.headers['Content-Type']).toBe('application/problem+json');
      expect(response.json<{ detail: string }>().detail).toBe(
        'body: The body is not a webhook message this service reads',
      );
    }
  });
});
