// The shared provider transport against a real HTTP server on loopback (the simulator harness),
// with faults injected per route.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as z from 'zod';
import type { RequestGate } from '../../lib/call-context';
import { providerErrorProblem } from '../../lib/http/provider-problem';
import { ProviderError, ProviderFailure } from '../../lib/providers/errors';
import { maxRetryAfterSeconds } from '../../lib/providers/retry-after';
import { type ProviderRequest, ProviderTransport } from '../../lib/providers/transport';
import { type RunningSimulator, SimulatorControl, startSimulator } from '../../local/simulators/harness';

let server: RunningSimulator;
let control: SimulatorControl;
const seenTraceIds: string[] = [];
const waits: number[] = [];
const deleted = new Set<string>();

/** The status our caller would be answered with for this failure. */
const statusOf = (error: ProviderError) => providerErrorProblem(error).problem.status;

function transport(overrides: Partial<ConstructorParameters<typeof ProviderTransport>[0]> = {}) {
  return new ProviderTransport({
    provider: 'tink',
    baseUrl: server.url,
    traceHeader: 'X-Client-Trace-ID',
    parseErrorBody: (text) => {
      const body = JSON.parse(text) as { errorMessage?: string; errorCode?: string };
      return { message: body.errorMessage, code: body.errorCode };
    },
    maxAttempts: 3,
    attemptTimeoutMs: 2000,
    retryBaseMs: 10,
    retryAfterCapSeconds: 5,
    maxBodyBytes: 4 * 1024 * 1024,
    sleep: async (ms) => {
      waits.push(ms);
    },
    ...overrides,
  });
}

const request = (overrides: Partial<ProviderRequest> = {}): ProviderRequest => ({
  operation: 'getThing',
  method: 'GET',
  path: '/things/abc',
  call: { requestId: 'trace-123', deadlineAtMs: Date.now() + 5000 },
  retry: true,
  ...overrides,
});

const thing = z.looseObject({ id: z.string() });

async function failureOf(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ProviderError);
  return error as ProviderError;
}

beforeAll(async () => {
  server = await startSimulator({
    name: 'transport-test',
    errorBody: (_status, message) => ({ errorMessage: message, errorCode: 'test.error' }),
    routes: [
      {
        method: 'GET',
        pattern: '/things/:id',
        handler: (req) => {
          seenTraceIds.push(String(req.headers['x-client-trace-id']));
          return { status: 200, body: { id: req.params.id, extra: 'kept' } };
        },
      },
      { method: 'POST', pattern: '/things', handler: () => ({ status: 200, body: { id: 'created' } }) },
      {
        method: 'DELETE',
        pattern: '/things/:id',
        handler: (req) => {
          if (deleted.has(req.params.id as string))
            return { status: 404, body: { errorMessage: 'not found' } };
          deleted.add(req.params.id as string);
          return { status: 204 };
        },
      },
    ],
  });
  control = new SimulatorControl(server.url);
});
afterAll(() => server.close());
beforeEach(async () => {
  await control.reset();
  waits.length = 0;
  seenTraceIds.length = 0;
});

describe('Class: ProviderTransport', () => {
  it('parses the body with the schema, keeps unknown fields and sends our trace id', async () => {
    const result = await transport().json(request(), thing);
    expect(result).toEqual({ id: 'abc', extra: 'kept' });
    expect(seenTraceIds).toEqual(['trace-123']);
  });

  it('retries a 503 with jittered exponential backoff and succeeds', async () => {
    await control.injectFault('GET /things/:id', { kind: 'status', status: 503 }, 2);
    const result = await transport().json(request(), thing);
    expect(result.id).toBe('abc');
    expect((await control.calls()).total).toBe(3);
    expect(waits).toHaveLength(2);
    expect(waits[0]).toBeLessThanOrEqual(10);
    expect(waits[1]).toBeLessThanOrEqual(20);
  });

  it('honours Retry-After on 429', async () => {
    await control.injectFault('GET /things/:id', { kind: 'rate-limit', retryAfterSeconds: 2 }, 1);
    await transport().json(request(), thing);
    expect(waits).toEqual([2000]);
  });

  it('answers 429 with the Retry-After when the wait exceeds the cap', async () => {
    await control.injectFault('GET /things/:id', { kind: 'rate-limit', retryAfterSeconds: 60 });
    const error = await failureOf(transport().json(request(), thing));
    expect(error).toMatchObject({
      failure: ProviderFailure.rateLimited,
      retryAfterSeconds: 60,
    });
    expect(statusOf(error)).toBe(429);
    expect((await control.calls()).total).toBe(1);
  });

  it('retries a dropped connection for an idempotent call', async () => {
    await control.injectFault('GET /things/:id', { kind: 'drop' }, 1);
    await transport().json(request(), thing);
    expect((await control.calls()).total).toBe(2);
  });

  it('never retries a call marked not retryable', async () => {
    await control.injectFault('POST /things', { kind: 'drop' });
    const error = await failureOf(
      transport().json(request({ method: 'POST', path: '/things', retry: false }), thing),
    );
    expect(error.failure).toBe(ProviderFailure.unavailable);
    expect(statusOf(error)).toBe(502);
    expect((await control.calls()).total).toBe(1);
  });

  it('gives up at the deadline when the provider hangs (504)', async () => {
    await control.injectFault('GET /things/:id', { kind: 'hang' });
    const startedMs = Date.now();
    const error = await failureOf(
      transport().json(request({ call: { requestId: 't', deadlineAtMs: startedMs + 300 } }), thing),
    );
    expect(error.failure).toBe(ProviderFailure.timeout);
    expect(statusOf(error)).toBe(504);
    expect(Date.now() - startedMs).toBeLessThan(1500);
  });

  it('treats malformed JSON and schema violations as provider faults (502)', async () => {
    await control.injectFault('GET /things/:id', { kind: 'malformed' }, 1);
    await control.injectFault('GET /things/:id', { kind: 'schema-violation', body: { id: 42 } }, 1);
    const malformed = await failureOf(transport().json(request(), thing));
    const violating = await failureOf(transport().json(request(), thing));
    expect(malformed.failure).toBe(ProviderFailure.badResponse);
    expect(statusOf(malformed)).toBe(502);
    expect(violating.detail).toContain('id');
    expect(statusOf(violating)).toBe(502);
  });

  it('maps 401/403 on our credentials to 502 without echoing the provider', async () => {
    await control.injectFault('GET /things/:id', {
      kind: 'status',
      status: 401,
      body: { errorMessage: 'token abc.def.ghi expired', errorCode: 'x' },
    });
    const error = await failureOf(transport().json(request(), thing));
    expect(statusOf(error)).toBe(502);
    expect(error.detail).not.toContain('abc.def.ghi');
    expect(providerErrorProblem(error).problem).toMatchObject({
      status: 502,
      provider: 'tink',
      providerStatus: 401,
    });
    expect(error.providerRequestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("passes the provider's message through on 400 and does not retry it", async () => {
    await control.injectFault('GET /things/:id', {
      kind: 'status',
      status: 400,
      body: { errorMessage: 'market must be ISO 3166-1', errorCode: 'bad' },
    });
    const error = await failureOf(transport().json(request(), thing));
    expect(error).toMatchObject({
      failure: ProviderFailure.badRequest,
      providerCode: 'bad',
    });
    expect(statusOf(error)).toBe(400);
    expect(error.detail).toContain('market must be ISO 3166-1');
    expect((await control.calls()).total).toBe(1);
  });

  it('never turns a 404 into success: a DELETE retried after a lost answer passes its 404 on, marked', async () => {
    await control.injectFault('DELETE /things/:id', { kind: 'drop-after-handling' }, 1);
    const error = await failureOf(
      transport().send(request({ method: 'DELETE', path: '/things/lost-answer' })),
    );
    const passed = await transport().send(
      request({ method: 'DELETE', path: '/things/lost-answer', passStatuses: [404] }),
    );
    expect(error.failure).toBe(ProviderFailure.notFound);
    expect(statusOf(error)).toBe(404);
    expect(passed).toMatchObject({ status: 404, mayFollowLostAnswer: false });
    expect((await control.calls()).total).toBe(3);
  });

  it('marks a passed status that follows an unanswered attempt, and only then', async () => {
    deleted.add('after-503');
    await control.injectFault('DELETE /things/:id', { kind: 'status', status: 503 }, 1);
    const afterFailure = await transport().send(
      request({ method: 'DELETE', path: '/things/after-503', passStatuses: [404] }),
    );
    const firstTime = await transport().send(
      request({ method: 'DELETE', path: '/things/after-503', passStatuses: [404] }),
    );
    expect(afterFailure).toMatchObject({ status: 404, mayFollowLostAnswer: true });
    expect(firstTime).toMatchObject({ status: 404, mayFollowLostAnswer: false });
  });

  it('pauses the request gate on a 429, unless the 429 limits only that resource', async () => {
    const pauses: number[] = [];
    const gate: RequestGate = { run: (task) => task(), rateLimited: (ms) => pauses.push(ms) };
    await control.injectFault('POST /things', { kind: 'rate-limit', retryAfterSeconds: 7 }, 2);
    const post = request({
      method: 'POST',
      path: '/things',
      retry: false,
      call: { requestId: 'trace-gate', deadlineAtMs: Date.now() + 5000, requestGate: gate },
    });
    await failureOf(transport().send({ ...post, rateLimitsResourceOnly: true }));
    const afterResourceOnly = [...pauses];
    await failureOf(transport().send(post));

    expect(afterResourceOnly).toEqual([]);
    expect(pauses).toEqual([7000]);
  });

  it("passes every attempt through the call's own gate, and calls without one go ungated", async () => {
    let gated = 0;
    const gate: RequestGate = {
      run: (task) => {
        gated += 1;
        return task();
      },
      rateLimited: () => {},
    };
    await control.injectFault('GET /things/:id', { kind: 'status', status: 503 }, 1);
    await transport().json(
      request({ call: { requestId: 'gated', deadlineAtMs: Date.now() + 5000, requestGate: gate } }),
      thing,
    );
    await transport().json(request(), thing);

    expect(gated).toBe(2);
    expect((await control.calls()).total).toBe(3);
  });
});

describe('Retry-After from the provider', () => {
  // A frozen clock and a recorded sleep: the waits are what the transport decided, never timed.
  const frozenNowMs = Date.parse('2026-01-05T10:00:00Z');
  const fixed = (overrides: Partial<ConstructorParameters<typeof ProviderTransport>[0]> = {}) =>
    transport({ now: () => frozenNowMs, random: () => 0.5, maxAttempts: 2, ...overrides });
  const frozenCall = { requestId: 'trace-ra', deadlineAtMs: frozenNowMs + 60_000 };
  // base 10 ms, attempt 1: the step is 10 ms, so the jittered backoff lies in [5, 10] and is 7.5 here.
  const jitteredBackoffMs = 7.5;
  const minimumBackoffMs = 5;

  async function waitAfter429(retryAfter: string) {
    await control.injectFault(
      'GET /things/:id',
      { kind: 'status', status: 429, headers: { 'Retry-After': retryAfter } },
      1,
    );
    await fixed().json(request({ call: frozenCall }), thing);
    return [...waits];
  }

  it.each(['-5', '1.5', '3, 4', 'soon', 'Mon, 05 Jan 2026 10:00:03', '2026-01-05T10:00:03Z'])(
    'ignores %j and falls back to the jittered backoff',
    async (retryAfter) => {
      expect(await waitAfter429(retryAfter)).toEqual([jitteredBackoffMs]);
      expect((await control.calls()).total).toBe(2);
    },
  );

  it('honours delta-seconds', async () => {
    expect(await waitAfter429('2')).toEqual([2000]);
  });

  it('honours an IMF-fixdate, measured against the injected clock', async () => {
    expect(await waitAfter429(new Date(frozenNowMs + 3000).toUTCString())).toEqual([3000]);
  });

  it('never waits less than the backoff minimum (0 seconds, or a date in the past)', async () => {
    expect(await waitAfter429('0')).toEqual([minimumBackoffMs]);
    waits.length = 0;
    expect(await waitAfter429(new Date(frozenNowMs - 60_000).toUTCString())).toEqual([minimumBackoffMs]);
  });

  it('answers our caller 429 with a bounded integer Retry-After when the provider asks for an absurd wait', async () => {
    await control.injectFault('GET /things/:id', {
      kind: 'status',
      status: 429,
      headers: { 'Retry-After': '99999999999999999999' },
    });
    const error = await failureOf(fixed().json(request({ call: frozenCall }), thing));
    expect(error.failure).toBe(ProviderFailure.rateLimited);
    expect(statusOf(error)).toBe(429);
    expect(providerErrorProblem(error).headers).toEqual({ 'Retry-After': String(maxRetryAfterSeconds) });
    expect(waits).toEqual([]);
    expect((await control.calls()).total).toBe(1);
  });

  it('answers 429 with Retry-After 1 when the provider gave none it could use', async () => {
    await control.injectFault('GET /things/:id', {
      kind: 'status',
      status: 429,
      headers: { 'Retry-After': '1.5' },
    });
    const error = await failureOf(fixed().json(request({ call: frozenCall }), thing));
    expect(providerErrorProblem(error).headers).toEqual({ 'Retry-After': '1' });
    expect(waits).toEqual([jitteredBackoffMs]);
  });
});
