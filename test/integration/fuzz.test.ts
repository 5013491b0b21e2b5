// Property-based fuzzing of every HTTP route (issue 6, part 5), in-process with API Gateway v2
// events against dynalite and both simulators. For each route, three properties:
//   - invalid input (built to break one rule, or classified by the rule restated in fuzz/inputs.ts)
//     is a 400 (415 for a body that is not JSON) problem+json, with zero provider calls and zero
//     DynamoDB requests;
//   - valid-shaped input for nobody's user is a 2xx or a provider-mapped 4xx, never a 5xx, and never
//     refused as invalid;
//   - anything at all is never a 5xx, every 4xx is a well-formed problem, and a validation refusal
//     made no provider call.
// Every problem is bounded in size whatever the input. The seed is FUZZ_SEED (else random) and is
// printed, with the failing property's own seed and path, when a property fails; FUZZ_SCALE scales
// the number of cases. The total number of cases run is printed at the end.
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrollmentRegistry } from '../../lib/registry';
import { dynamoDocumentClient } from '../../lib/table/client';
import { SimulatorControl } from '../../local/simulators/harness';
import { contractViolations } from '../support/contract';
import { countDynamoRequests } from '../support/dynamo-requests';
import { type HandlerResponse, httpEvent, lambdaContext } from '../support/events';
import {
  anyBody,
  anyQuery,
  type BodyCase,
  bodyCases,
  extraHeaders,
  type IdKind,
  invalidId,
  invalidQuery,
  isJsonContentType,
  type Verdict,
  validId,
  validQuery,
  type WireBody,
} from './fuzz/inputs';
import { type RouteSpec, routes } from './fuzz/routes';

const baseSeed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : randomBytes(4).readInt32BE(0);
const scale = Number(process.env.FUZZ_SCALE ?? 1);
const runs = {
  invalid: Math.max(1, Math.round(300 * scale)),
  valid: Math.max(1, Math.round(30 * scale)),
  anything: Math.max(1, Math.round(100 * scale)),
};
/** A problem never grows with the input: at most 10 issues of clipped text, whatever was sent. */
const maxProblemBytes = 64 * 1024;

const tink = new SimulatorControl(process.env.TINK_SIMULATOR_URL as string);
const moneyhub = new SimulatorControl(process.env.MONEYHUB_SIMULATOR_URL as string);
const dynamoRequests = countDynamoRequests(dynamoDocumentClient());

let casesRun = 0;
const startedAt = performance.now();

interface FuzzCase {
  ids: Record<string, string>;
  query: Record<string, string>;
  body: WireBody;
  headers: Record<string, string>;
}

/** Provider calls so far, both simulators together (control routes are not counted). */
async function providerCalls(): Promise<number> {
  const [fromTink, fromMoneyhub] = await Promise.all([tink.calls(), moneyhub.calls()]);
  return fromTink.total + fromMoneyhub.total;
}

/** Invokes the route's function with the event API Gateway would build for the case. */
async function send(route: RouteSpec, input: FuzzCase): Promise<HandlerResponse> {
  const path = route.template.replace(/\{(\w+)\}/g, (_, name: string) => input.ids[name] ?? '');
  const event = httpEvent({
    method: route.method,
    path,
    routeKey: route.key,
    pathParameters: Object.keys(route.ids).length > 0 ? input.ids : undefined,
    query: Object.keys(input.query).length > 0 ? input.query : undefined,
    headers: {
      ...input.headers,
      ...(input.body.contentType === undefined ? {} : { 'Content-Type': input.body.contentType }),
    },
    body: input.body.text,
  });
  if (input.body.contentType === undefined) delete event.headers['content-type'];
  event.isBase64Encoded = input.body.base64 === true;
  casesRun += 1;
  const response = (await route.handler(event as never, lambdaContext())) as Omit<HandlerResponse, 'json'>;
  return { ...response, json: <T>() => JSON.parse(response.body) as T };
}

interface ProblemBody {
  type: string;
  status: number;
  detail: string;
  requestId: string;
}

/**
 * What holds for every answer: below 500, one docs/openapi.json describes for the route (status,
 * headers, body; a 4xx validates against the problem schema), and every 4xx a bounded, well-formed problem.
 */
function expectWellFormed(route: RouteSpec, response: HandlerResponse): ProblemBody | undefined {
  expect(Number.isInteger(response.statusCode)).toBe(true);
  expect(
    contractViolations({
      method: route.method,
      path: route.template,
      template: route.template,
      status: response.statusCode,
      headers: response.headers,
      body: response.body,
    }),
  ).toEqual([]);
  expect(response.statusCode).toBeGreaterThanOrEqual(200);
  expect(response.statusCode, response.body.slice(0, 500)).toBeLessThan(500);
  if (response.statusCode < 400) return undefined;
  expect(response.headers['Content-Type']).toBe('application/problem+json');
  expect(Buffer.byteLength(response.body)).toBeLessThanOrEqual(maxProblemBytes);
  const problem = response.json<ProblemBody>();
  expect(problem.status).toBe(response.statusCode);
  expect(typeof problem.detail).toBe('string');
  expect(problem.detail.trim()).not.toBe('');
  expect(typeof problem.type).toBe('string');
  expect(problem.requestId).toBe(response.headers['X-Request-ID']);
  return problem;
}

const refusalTypes = ['/invalid-request', '/unsupported-media-type', '/payload-too-large'];

const isValidationRefusal = (problem: ProblemBody | undefined) =>
  problem !== undefined && refusalTypes.some((type) => problem.type.endsWith(type));

/** A body over 64 KiB is refused (413) before anything parses it, whatever it holds. */
const bodyTooLarge = (body: WireBody) =>
  body.text !== undefined &&
  (body.base64 ? Math.floor((body.text.length * 3) / 4) : Buffer.byteLength(body.text)) > 64 * 1024;

/** The status and problem type a refused request gets: size first, then media type, then the rest. */
function expectedRefusal(body: WireBody): { status: number; type: RegExp } {
  if (bodyTooLarge(body)) return { status: 413, type: /\/payload-too-large$/ };
  if (mediaTypeRefused(body)) return { status: 415, type: /\/unsupported-media-type$/ };
  return { status: 400, type: /\/invalid-request$/ };
}

/** A body the JSON parser refuses for its media type (a present body with another content type). */
const mediaTypeRefused = (body: WireBody) =>
  body.text !== undefined && body.text !== '' && !isJsonContentType(body.contentType);

function idsOf(route: RouteSpec, pick: (kind: IdKind) => fc.Arbitrary<string>) {
  return fc.record(
    Object.fromEntries(Object.entries(route.ids).map(([name, kind]) => [name, pick(kind)])),
  ) as fc.Arbitrary<Record<string, string>>;
}

interface Judged<T> {
  value: T;
  verdict: Verdict;
}

const judged = <T>(valid: fc.Arbitrary<T>, invalid: fc.Arbitrary<T>): fc.Arbitrary<Judged<T>> =>
  fc.oneof(
    { weight: 1, arbitrary: valid.map((value) => ({ value, verdict: 'valid' as const })) },
    { weight: 3, arbitrary: invalid.map((value) => ({ value, verdict: 'invalid' as const })) },
  );

/** Cases with at least one component known to be invalid (path ids, query, body). */
function invalidCases(route: RouteSpec): fc.Arbitrary<FuzzCase> {
  const idEntries = Object.entries(route.ids).map(([name, kind]) =>
    judged(validId(kind), invalidId(kind)).map((id) => ({ name, ...id })),
  );
  const body = fc.oneof(
    { weight: 1, arbitrary: bodyCases(route.body, true) },
    { weight: 3, arbitrary: bodyCases(route.body, false) },
  );
  return fc
    .record({
      ids: fc.tuple(...idEntries),
      query:
        route.query === 'ignored'
          ? fc.constant<Judged<Record<string, string>>>({ value: {}, verdict: 'valid' })
          : judged(validQuery(route.query), invalidQuery(route.query)),
      body,
      headers: extraHeaders,
    })
    .filter(({ ids, query, body }) => {
      return [...ids.map((id) => id.verdict), query.verdict, body.verdict].includes('invalid');
    })
    .map(({ ids, query, body, headers }) => ({
      ids: Object.fromEntries(ids.map((id) => [id.name, id.value])),
      query: query.value,
      body: (body as BodyCase).wire,
      headers,
    }));
}

function validCases(route: RouteSpec): fc.Arbitrary<FuzzCase> {
  return fc.record({
    ids: idsOf(route, validId),
    query: validQuery(route.query),
    body: bodyCases(route.body, true).map((body) => body.wire),
    headers: extraHeaders,
  });
}

function anyCases(route: RouteSpec): fc.Arbitrary<FuzzCase> {
  return fc.record({
    ids: idsOf(route, (kind) =>
      fc.oneof(validId(kind), invalidId(kind), fc.string({ unit: 'binary', maxLength: 300 })),
    ),
    query: anyQuery,
    body: anyBody,
    headers: extraHeaders,
  });
}

/** A stable per-property seed derived from the run's seed. */
function seedFor(name: string): number {
  let hash = baseSeed | 0;
  for (const char of name) hash = Math.imul(hash ^ char.charCodeAt(0), 16_777_619) | 0;
  return hash;
}

async function check(name: string, property: fc.IAsyncProperty<[FuzzCase]>, numRuns: number) {
  const seed = seedFor(name);
  try {
    await fc.assert(property, { seed, numRuns, endOnFailure: false });
  } catch (error) {
    throw new Error(
      `Fuzz property "${name}" failed. Reproduce with FUZZ_SEED=${baseSeed} ` +
        `(this property's fast-check seed is ${seed}).\n${(error as Error).message}`,
      { cause: error },
    );
  }
}

/** Every enrolment in the registry, as `provider#userId`. */
async function enrolments(): Promise<Set<string>> {
  const registry = enrollmentRegistry();
  const keys = new Set<string>();
  for (let shard = 0; shard < registry.shards; shard++) {
    let after: string | undefined;
    do {
      const page = await registry.listShard(shard, { after, limit: 500 });
      for (const item of page.items) keys.add(`${item.provider}#${item.userId}`);
      after = page.nextAfter;
    } while (after);
  }
  return keys;
}

describe('Fuzz: every route, in-process', () => {
  let enrolledBefore = new Set<string>();

  beforeAll(async () => {
    enrolledBefore = await enrolments();
    console.log(`fuzz: FUZZ_SEED=${baseSeed} FUZZ_SCALE=${scale} over ${routes.length} routes`);
  });

  afterAll(() => {
    const seconds = ((performance.now() - startedAt) / 1000).toFixed(1);
    console.log(
      `fuzz: ${casesRun} cases run over ${routes.length} routes in ${seconds} s (FUZZ_SEED=${baseSeed})`,
    );
  });

  describe.each(routes.map((route) => [route.key, route] as const))('%s', (key, route) => {
    it('answers invalid input with a 400/415 problem, making no provider call and no DynamoDB request', async () => {
      await check(
        `${key} invalid`,
        fc.asyncProperty(invalidCases(route), async (input) => {
          const callsBefore = await providerCalls();
          dynamoRequests.reset();

          const response = await send(route, input);

          const problem = expectWellFormed(route, response);
          const refusal = expectedRefusal(input.body);
          expect(response.statusCode).toBe(refusal.status);
          expect(problem?.type).toMatch(refusal.type);
          expect(dynamoRequests.total()).toBe(0);
          expect(await providerCalls()).toBe(callsBefore);
        }),
        runs.invalid,
      );
    }, 90_000);

    it('answers valid-shaped input for unknown users with a 2xx or a provider 4xx, never a 5xx', async () => {
      await check(
        `${key} valid`,
        fc.asyncProperty(validCases(route), async (input) => {
          const callsBefore = route.provider ? 0 : await providerCalls();

          const response = await send(route, input);

          try {
            const problem = expectWellFormed(route, response);
            expect(isValidationRefusal(problem), response.body).toBe(false);
            if (!route.provider) expect(await providerCalls()).toBe(callsBefore);
          } finally {
            await route.cleanup?.(response, input.ids);
          }
        }),
        runs.valid,
      );
    }, 90_000);

    it('answers anything with a 2xx or a well-formed 4xx; a validation refusal makes no provider call', async () => {
      await check(
        `${key} anything`,
        fc.asyncProperty(anyCases(route), async (input) => {
          const callsBefore = await providerCalls();

          const response = await send(route, input);

          try {
            const problem = expectWellFormed(route, response);
            if (isValidationRefusal(problem)) expect(await providerCalls()).toBe(callsBefore);
          } finally {
            await route.cleanup?.(response, input.ids);
          }
        }),
        runs.anything,
      );
    }, 90_000);
  });

  // The fuzz creates users and enrolments only to undo them: the sweep suites must not meet them.
  it('leaves no user enrolled for the scheduled refresh', async () => {
    const left = [...(await enrolments())].filter((key) => !enrolledBefore.has(key));
    expect(left).toEqual([]);
  });
});
