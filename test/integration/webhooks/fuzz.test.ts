// Property-based fuzzing of both webhook routes, in-process with API Gateway v2 events against
// dynalite and the Moneyhub simulator's JWKS. Whatever arrives — any bytes, base64 or not, any
// content type, any signature header, JWT-shaped or signed tokens with arbitrary claims — the answer
// is never a 5xx; every refusal is problem+json; and a request that is not authentic makes no
// DynamoDB request at all (so it cannot invalidate). FUZZ_SEED fixes the seed (printed on failure),
// FUZZ_SCALE scales the number of cases.
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamoDocumentClient } from '../../../lib/table/client';
import { moneyhubEventUrn } from '../../../local/simulators/moneyhub';
import { countDynamoRequests } from '../../support/dynamo-requests';
import { httpEvent, lambdaContext } from '../../support/events';
import { control as moneyhubControl } from '../moneyhub/helpers';

const secret = randomBytes(32).toString('hex');
process.env.TINK_WEBHOOK_SECRET = secret;

const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : randomBytes(4).readInt32BE(0);
const scale = Number(process.env.FUZZ_SCALE ?? 1);
const runs = (count: number) => Math.max(1, Math.round(count * scale));
const dynamoRequests = countDynamoRequests(dynamoDocumentClient());
let casesRun = 0;

type Handler = (event: never, context: never) => Promise<unknown>;
let tinkWebhook: Handler;
let moneyhubWebhook: Handler;

beforeAll(async () => {
  tinkWebhook = (await import('../../../functions/webhooks/tink')).handler as unknown as Handler;
  moneyhubWebhook = (await import('../../../functions/webhooks/moneyhub')).handler as unknown as Handler;
});

afterAll(() => {
  console.log(`webhook fuzzing: ${casesRun} cases (seed ${seed})`);
});

interface WireCase {
  body: Uint8Array;
  base64: boolean;
  headers: Record<string, string>;
}

interface Answer {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

async function send(handler: Handler, path: string, input: WireCase): Promise<Answer> {
  casesRun += 1;
  const raw = Buffer.from(input.body);
  const event = httpEvent({ method: 'POST', path, headers: input.headers });
  event.body = input.base64 ? raw.toString('base64') : raw.toString('utf8');
  event.isBase64Encoded = input.base64;
  return (await handler(event as never, lambdaContext() as never)) as Answer;
}

function expectWellFormed(answer: Answer) {
  expect(answer.statusCode).toBeLessThan(500);
  if (answer.statusCode >= 400) {
    expect(answer.headers['Content-Type']).toBe('application/problem+json');
    const problem = JSON.parse(answer.body) as { status: number; detail: string };
    expect(problem.status).toBe(answer.statusCode);
    expect(problem.detail.length).toBeLessThan(2000);
  } else {
    expect(answer.statusCode).toBe(204);
  }
}

const hexString = (constraints: { minLength?: number; maxLength?: number }) =>
  fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), ...constraints });
const bytes = fc.oneof(
  fc.uint8Array({ maxLength: 600 }),
  fc.string({ maxLength: 600 }).map((text) => new TextEncoder().encode(text)),
  fc.json({ maxDepth: 3 }).map((text) => new TextEncoder().encode(text)),
);
const contentType = fc.constantFrom(
  'application/json',
  'application/jwt',
  'text/plain',
  'application/jwt; charset=utf-8',
  '',
);
const tinkMessage = fc.record({
  event: fc.oneof(
    fc.constantFrom('refresh:finished', 'account:updated', 'account-transactions:modified'),
    fc.string(),
  ),
  context: fc.record({ userId: fc.oneof(hexString({ minLength: 32, maxLength: 32 }), fc.string()) }),
  content: fc.anything(),
});

describe('Fuzzing POST /webhooks/tink', () => {
  it('never answers 5xx, and unsigned input touches no table', async () => {
    const signatureHeader = fc.oneof(
      fc.constant(undefined),
      fc.string({ maxLength: 200 }),
      fc.tuple(fc.integer(), hexString({ maxLength: 80 })).map(([t, v1]) => `t=${t},v1=${v1}`),
    );
    await fc.assert(
      fc.asyncProperty(
        bytes,
        fc.boolean(),
        contentType,
        signatureHeader,
        async (body, base64, type, header) => {
          dynamoRequests.reset();
          const headers: Record<string, string> = { 'Content-Type': type };
          if (header !== undefined) headers['X-Tink-Signature'] = header;
          const answer = await send(tinkWebhook, '/webhooks/tink', { body, base64, headers });
          expectWellFormed(answer);
          expect(answer.statusCode).toBe(401);
          expect(dynamoRequests.total()).toBe(0);
        },
      ),
      { seed, numRuns: runs(1500) },
    );
  });

  it('never answers 5xx for correctly signed input of any shape; only a readable message invalidates', async () => {
    const signedBody = fc.oneof(
      bytes,
      tinkMessage.map((message) => new TextEncoder().encode(JSON.stringify(message))),
    );
    await fc.assert(
      fc.asyncProperty(
        signedBody,
        fc.boolean(),
        fc.integer({ min: -600, max: 600 }),
        async (body, base64, skewSeconds) => {
          dynamoRequests.reset();
          const t = Math.floor(Date.now() / 1000) + skewSeconds;
          const v1 = createHmac('sha256', secret)
            .update(Buffer.concat([Buffer.from(`${t}.`), Buffer.from(body)]))
            .digest('hex');
          const answer = await send(tinkWebhook, '/webhooks/tink', {
            body,
            base64,
            headers: { 'X-Tink-Signature': `t=${t},v1=${v1}` },
          });
          expectWellFormed(answer);
          if (Math.abs(skewSeconds) > 301) expect(answer.statusCode).toBe(401);
          if (answer.statusCode !== 204) expect(dynamoRequests.byOperation().UpdateItem ?? 0).toBe(0);
        },
      ),
      { seed, numRuns: runs(1000) },
    );
  });
});

describe('Fuzzing POST /webhooks/moneyhub', () => {
  it('never answers 5xx for anything unsigned or JWT-shaped, and such input touches no table', async () => {
    const segment = fc.oneof(
      fc.json({ maxDepth: 2 }).map((text) => Buffer.from(text).toString('base64url')),
      fc.string({ maxLength: 60 }),
    );
    const jwtShaped = fc
      .tuple(
        fc.record({
          alg: fc.constantFrom('RS256', 'HS256', 'none', 'ES256'),
          kid: fc.option(fc.string({ maxLength: 20 })),
        }),
        segment,
        segment,
      )
      .map(([header, payload, signature]) =>
        new TextEncoder().encode(
          `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${payload}.${signature}`,
        ),
      );
    await fc.assert(
      fc.asyncProperty(fc.oneof(bytes, jwtShaped), fc.boolean(), contentType, async (body, base64, type) => {
        dynamoRequests.reset();
        const answer = await send(moneyhubWebhook, '/webhooks/moneyhub', {
          body,
          base64,
          headers: { 'Content-Type': type },
        });
        expectWellFormed(answer);
        expect(answer.statusCode).toBe(401);
        expect(dynamoRequests.total()).toBe(0);
      }),
      { seed, numRuns: runs(1500) },
    );
  });

  it('never answers 5xx for tokens signed with the published key whatever their claims', async () => {
    const nowSeconds = Math.floor(Date.now() / 1000);
    const claims = fc.record(
      {
        iss: fc.oneof(
          fc.constant(`${process.env.MONEYHUB_SIMULATOR_URL}/oidc`),
          fc.string({ maxLength: 30 }),
        ),
        aud: fc.oneof(fc.constant(process.env.MONEYHUB_CLIENT_ID as string), fc.string({ maxLength: 30 })),
        sub: fc.oneof(
          hexString({ minLength: 24, maxLength: 24 }),
          fc.string({ maxLength: 40 }),
          fc.integer(),
        ),
        jti: fc.oneof(fc.uuid(), fc.string({ maxLength: 300 }), fc.integer()),
        iat: fc.oneof(
          fc.integer({ min: nowSeconds - 600, max: nowSeconds + 600 }),
          fc.string({ maxLength: 5 }),
        ),
        exp: fc.integer({ min: nowSeconds - 600, max: nowSeconds + 600 }),
        events: fc.oneof(
          fc.dictionary(
            fc.oneof(
              fc.constantFrom('syncCompleted', 'newTransactions', 'other').map(moneyhubEventUrn),
              fc.string({ maxLength: 20 }),
            ),
            fc.anything({ maxDepth: 2 }),
          ),
          fc.anything({ maxDepth: 1 }),
        ),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(claims, fc.boolean(), async (payload, base64) => {
        const token = await moneyhubControl.signWebhook({ ...payload, jti: payload.jti ?? randomUUID() });
        const answer = await send(moneyhubWebhook, '/webhooks/moneyhub', {
          body: new TextEncoder().encode(token),
          base64,
          headers: { 'Content-Type': 'application/jwt' },
        });
        expectWellFormed(answer);
      }),
      { seed, numRuns: runs(300) },
    );
  });
});
