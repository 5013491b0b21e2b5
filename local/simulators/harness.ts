// The machinery both provider simulators share: a tiny router over node:http, request ids, per-route
// call counts, fault injection, Idempotency-Key replay, and the /__control API that tests and the
// local stack use to seed data, read counts and inject faults. Real HTTP on loopback only.

import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface SimRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  rawBody: string;
  params: Record<string, string>;
  requestId: string;
  /** Parsed JSON body; throws SimHttpError(400) when the body is not JSON. */
  json(): unknown;
  /** Parsed application/x-www-form-urlencoded body. */
  form(): URLSearchParams;
}

export interface SimResponse {
  status: number;
  headers?: Record<string, string>;
  /** A string is sent as-is (text/plain unless a content-type header says otherwise); anything else as JSON. */
  body?: unknown;
}

export type RouteHandler = (request: SimRequest) => SimResponse | Promise<SimResponse>;

export interface Route {
  method: string;
  /** Path pattern with `:name` segments, e.g. `/api/v1/credentials/:id`. */
  pattern: string;
  handler: RouteHandler;
  /** Replay the stored response for a repeated `Idempotency-Key` (kept 24 h). */
  honoursIdempotencyKey?: boolean;
  /** One line for the `GET /__control` listing. */
  summary?: string;
}

export type Fault =
  | { kind: 'status'; status: number; body?: unknown; headers?: Record<string, string> }
  | { kind: 'rate-limit'; retryAfterSeconds?: number }
  | { kind: 'latency'; ms: number }
  | { kind: 'hang' }
  | { kind: 'drop' }
  | { kind: 'drop-after-handling' }
  | { kind: 'malformed' }
  | { kind: 'schema-violation'; body?: unknown }
  /**
   * A 200 whose body is `{"<listKey>": [item, item, …]}` of at least `bytes` bytes, streamed in
   * chunks without a Content-Length, so the simulator never holds it whole.
   */
  | { kind: 'large-body'; bytes: number; listKey: string; item: unknown };

/** Every fault kind with its fields, for the control listing. */
const faultKinds = {
  status: '{kind, status, body?, headers?}: answer with this status',
  'rate-limit': '{kind, retryAfterSeconds?}: 429 with Retry-After',
  latency: '{kind, ms}: answer normally after a delay',
  hang: '{kind}: never answer',
  drop: '{kind}: close the connection without answering',
  'drop-after-handling': '{kind}: do the work, then close without answering',
  malformed: '{kind}: 200 with a body that is not JSON',
  'schema-violation': "{kind, body?}: 200 with JSON that breaks the provider's schema",
  'large-body': '{kind, bytes, listKey, item}: 200 with a list of about this many bytes, streamed',
} satisfies Record<Fault['kind'], string>;

export interface FaultRule {
  /** `METHOD /pattern` exactly as the route was registered, or `*` for every route. */
  route: string;
  fault: Fault;
  /** How many matching requests the fault applies to; unlimited when absent. */
  times?: number;
}

/** Thrown by route handlers to answer with an error in the simulator's own error shape. */
export class SimHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'SimHttpError';
  }
}

export interface SimulatorOptions {
  name: string;
  routes: Route[];
  port?: number;
  /** Builds the provider's error body for an error status. */
  errorBody: (status: number, message: string, requestId: string, extra: Record<string, unknown>) => unknown;
  /** Header carrying the provider's request id on every response. */
  requestIdHeader?: string;
  /** Headers echoed back unchanged (e.g. Tink's X-Client-Trace-ID). */
  echoHeaders?: string[];
  /** Simulator-specific control routes, mounted under `/__control`. */
  controlRoutes?: Route[];
  /** Called on `POST /__control/reset` after the harness cleared its own state. */
  onReset?: () => void;
}

export interface RunningSimulator {
  url: string;
  port: number;
  calls(): Record<string, number>;
  resetCalls(): void;
  addFault(rule: FaultRule): void;
  clearFaults(): void;
  close(): Promise<void>;
}

interface CompiledRoute extends Route {
  key: string;
  regex: RegExp;
  names: string[];
}

const idempotencyWindowMs = 24 * 60 * 60 * 1000;
const notReplayed = new Set([401, 403, 429]);
const maxBodyBytes = 1024 * 1024;
// Seeding thousands of users in one control call needs more room than any provider request.
const maxControlBodyBytes = 64 * 1024 * 1024;

function compile(route: Route): CompiledRoute {
  const names: string[] = [];
  const source = route.pattern
    .split('/')
    .map((segment) => {
      if (!segment.startsWith(':')) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      names.push(segment.slice(1));
      return '([^/]+)';
    })
    .join('/');
  return { ...route, key: `${route.method} ${route.pattern}`, regex: new RegExp(`^${source}$`), names };
}

function match(routes: CompiledRoute[], method: string, path: string) {
  let pathMatched = false;
  for (const route of routes) {
    const found = route.regex.exec(path);
    if (!found) continue;
    pathMatched = true;
    if (route.method !== method) continue;
    const params: Record<string, string> = {};
    route.names.forEach((name, index) => {
      const raw = found[index + 1] ?? '';
      try {
        params[name] = decodeURIComponent(raw);
      } catch {
        params[name] = raw; // malformed percent-encoding: the route answers for an unknown id
      }
    });
    return { route, params, pathMatched };
  }
  return { route: undefined, params: {}, pathMatched };
}

function readBody(request: http.IncomingMessage, limitBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limitBytes) {
        reject(new SimHttpError(413, 'Request body too large'));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

export async function startSimulator(options: SimulatorOptions): Promise<RunningSimulator> {
  const routes = options.routes.map(compile);
  const requestIdHeader = options.requestIdHeader ?? 'X-Request-ID';
  const callCounts = new Map<string, number>();
  let faultRules: FaultRule[] = [];
  const idempotentResponses = new Map<string, { at: number; response: SimResponse }>();
  const sockets = new Set<Socket>();

  const ownControlRoutes: Route[] = [
    {
      method: 'GET',
      pattern: '/__control',
      summary: 'this listing: the control routes, the provider routes (fault keys) and the fault kinds',
      handler: () => ({
        status: 200,
        body: {
          simulator: options.name,
          control: controlRoutes.map(({ method, pattern, summary }) => ({ method, path: pattern, summary })),
          providerRoutes: routes.map((route) => route.key),
          faults: {
            route: "a provider route exactly as listed in providerRoutes (e.g. 'POST /x/:id'), or '*'",
            kinds: faultKinds,
            example: { route: '*', fault: { kind: 'status', status: 503 }, times: 3 },
          },
        },
      }),
    },
    {
      method: 'POST',
      pattern: '/__control/reset',
      summary: 'back to the initial state: data as seeded at start, no faults, no counts',
      handler: () => {
        callCounts.clear();
        faultRules = [];
        idempotentResponses.clear();
        options.onReset?.();
        return { status: 204 };
      },
    },
    {
      method: 'GET',
      pattern: '/__control/calls',
      summary: 'provider requests received, per route',
      handler: () => {
        const calls = Object.fromEntries(callCounts);
        const total = [...callCounts.values()].reduce((sum, count) => sum + count, 0);
        return { status: 200, body: { calls, total } };
      },
    },
    {
      method: 'DELETE',
      pattern: '/__control/calls',
      summary: 'zero the request counts',
      handler: () => {
        callCounts.clear();
        return { status: 204 };
      },
    },
    {
      method: 'POST',
      pattern: '/__control/faults',
      summary: 'inject a fault: {route, fault: {kind, …}, times?} (times absent: until cleared)',
      handler: (request: SimRequest) => {
        faultRules.push(request.json() as FaultRule);
        return { status: 204 };
      },
    },
    {
      method: 'DELETE',
      pattern: '/__control/faults',
      summary: 'clear every injected fault',
      handler: () => {
        faultRules = [];
        return { status: 204 };
      },
    },
  ];
  const controlRoutes = [
    ...(options.controlRoutes ?? []).map((route) => ({ ...route, pattern: `/__control${route.pattern}` })),
    ...ownControlRoutes,
  ].map(compile);

  function takeFault(routeKey: string): Fault | undefined {
    const rule = faultRules.find((candidate) => candidate.route === routeKey || candidate.route === '*');
    if (!rule) return undefined;
    if (rule.times !== undefined) {
      rule.times -= 1;
      if (rule.times <= 0) faultRules = faultRules.filter((candidate) => candidate !== rule);
    }
    return rule.fault;
  }

  function send(
    res: http.ServerResponse,
    requestId: string,
    echoed: Record<string, string>,
    out: SimResponse,
  ) {
    const headers: Record<string, string> = {
      [requestIdHeader]: requestId,
      ...echoed,
      ...(out.headers ?? {}),
    };
    let payload = '';
    if (out.body !== undefined) {
      if (typeof out.body === 'string') {
        payload = out.body;
        headers['Content-Type'] ??= 'text/plain; charset=utf-8';
      } else {
        payload = JSON.stringify(out.body);
        headers['Content-Type'] ??= 'application/json; charset=utf-8';
      }
    }
    res.writeHead(out.status, headers);
    res.end(payload);
  }

  async function streamLargeBody(
    res: http.ServerResponse,
    requestId: string,
    echoed: Record<string, string>,
    fault: Extract<Fault, { kind: 'large-body' }>,
  ) {
    const item = JSON.stringify(fault.item);
    const chunk = Array.from(
      { length: Math.max(1, Math.floor(65_536 / (item.length + 1))) },
      () => item,
    ).join(',');
    res.writeHead(200, {
      [requestIdHeader]: requestId,
      ...echoed,
      'Content-Type': 'application/json; charset=utf-8',
    });
    res.write(`{${JSON.stringify(fault.listKey)}:[`);
    // Bounded: every pass writes a chunk; a reader that goes away ends it early.
    for (let writtenBytes = 0; writtenBytes < fault.bytes && !res.destroyed; ) {
      const piece = writtenBytes === 0 ? chunk : `,${chunk}`;
      writtenBytes += Buffer.byteLength(piece);
      if (!res.write(piece) && !res.destroyed) {
        await new Promise<void>((resolve) => {
          const done = () => {
            res.off('drain', done);
            res.off('close', done);
            resolve();
          };
          res.on('drain', done);
          res.on('close', done);
        });
      }
    }
    if (!res.destroyed) res.end(']}');
  }

  function errorResponse(
    status: number,
    message: string,
    requestId: string,
    extra: Record<string, unknown> = {},
  ) {
    return { status, body: options.errorBody(status, message, requestId, extra) };
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const requestId = randomUUID();
    const echoed: Record<string, string> = {};
    for (const name of options.echoHeaders ?? []) {
      const value = req.headers[name.toLowerCase()];
      if (typeof value === 'string') echoed[name] = value;
    }
    const url = new URL(req.url ?? '/', 'http://simulator.invalid');
    const method = req.method ?? 'GET';
    const isControl = url.pathname === '/__control' || url.pathname.startsWith('/__control/');
    const rawBody = await readBody(req, isControl ? maxControlBodyBytes : maxBodyBytes);
    const found = match(isControl ? controlRoutes : routes, method, url.pathname);
    const request: SimRequest = {
      method,
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      rawBody,
      params: found.params,
      requestId,
      json() {
        try {
          return rawBody === '' ? {} : JSON.parse(rawBody);
        } catch {
          throw new SimHttpError(400, 'Request body is not valid JSON');
        }
      },
      form: () => new URLSearchParams(rawBody),
    };
    if (!found.route) {
      const status = found.pathMatched ? 405 : 404;
      send(
        res,
        requestId,
        echoed,
        errorResponse(status, status === 405 ? 'Method not allowed' : 'Not found', requestId),
      );
      return;
    }
    const route = found.route;
    if (!isControl) callCounts.set(route.key, (callCounts.get(route.key) ?? 0) + 1);
    const fault = isControl ? undefined : takeFault(route.key);

    if (fault) {
      switch (fault.kind) {
        case 'hang':
          return; // never answer; the socket is destroyed when the simulator closes
        case 'drop':
          req.socket.destroy();
          return;
        case 'latency':
          await sleep(fault.ms);
          break;
        case 'status':
          send(res, requestId, echoed, {
            status: fault.status,
            headers: fault.headers,
            body: fault.body ?? options.errorBody(fault.status, `Injected ${fault.status}`, requestId, {}),
          });
          return;
        case 'rate-limit':
          send(res, requestId, echoed, {
            ...errorResponse(429, 'Too many requests', requestId),
            headers:
              fault.retryAfterSeconds === undefined ? {} : { 'Retry-After': String(fault.retryAfterSeconds) },
          });
          return;
        case 'malformed':
          send(res, requestId, echoed, {
            status: 200,
            headers: { 'Content-Type': 'application/json' },
            body: '{"truncated": [',
          });
          return;
        case 'schema-violation':
          send(res, requestId, echoed, { status: 200, body: fault.body ?? { unexpected: true } });
          return;
        case 'large-body':
          await streamLargeBody(res, requestId, echoed, fault);
          return;
        case 'drop-after-handling':
          break;
      }
    }

    const idempotencyKey = req.headers['idempotency-key'];
    const replayKey =
      route.honoursIdempotencyKey && typeof idempotencyKey === 'string'
        ? `${route.key}|${idempotencyKey}`
        : undefined;
    let response: SimResponse;
    const stored = replayKey ? idempotentResponses.get(replayKey) : undefined;
    if (stored && Date.now() - stored.at < idempotencyWindowMs) {
      response = stored.response;
    } else {
      try {
        response = await route.handler(request);
      } catch (error) {
        if (error instanceof SimHttpError) {
          response = {
            ...errorResponse(error.status, error.message, requestId, error.extra),
            headers: error.headers,
          };
        } else {
          response = errorResponse(500, 'Simulator failure', requestId);
          console.error(`[${options.name} simulator]`, error);
        }
      }
      // Like Stripe: a request turned away before it acted (auth, rate limit) is not a result to
      // replay, so a retry with a fresh token or after Retry-After can still go through.
      if (replayKey && response.status < 500 && !notReplayed.has(response.status))
        idempotentResponses.set(replayKey, { at: Date.now(), response });
    }
    if (fault?.kind === 'drop-after-handling') {
      req.socket.destroy();
      return;
    }
    send(res, requestId, echoed, response);
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error) => {
      if (!res.headersSent && !res.destroyed) {
        const status = error instanceof SimHttpError ? error.status : 500;
        res.writeHead(status, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ error: String(error?.message ?? error) }));
      }
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    calls: () => Object.fromEntries(callCounts),
    resetCalls: () => callCounts.clear(),
    addFault: (rule) => faultRules.push({ ...rule }),
    clearFaults: () => {
      faultRules = [];
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** The control API from the outside: what tests, benchmarks and the start script use. */
export class SimulatorControl {
  constructor(readonly baseUrl: string) {}

  private async call(method: string, path: string, body?: unknown): Promise<unknown> {
    const response = await fetch(`${this.baseUrl}/__control${path}`, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok)
      throw new Error(`Simulator control ${method} ${path} failed: ${response.status} ${text}`);
    return text === '' ? undefined : JSON.parse(text);
  }

  reset() {
    return this.call('POST', '/reset');
  }
  async calls(): Promise<{ calls: Record<string, number>; total: number }> {
    return (await this.call('GET', '/calls')) as { calls: Record<string, number>; total: number };
  }
  resetCalls() {
    return this.call('DELETE', '/calls');
  }
  injectFault(route: string, fault: Fault, times?: number) {
    return this.call('POST', '/faults', { route, fault, times });
  }
  clearFaults() {
    return this.call('DELETE', '/faults');
  }
  /** Simulator-specific control routes (seeding, settings). */
  send(method: string, path: string, body?: unknown) {
    return this.call(method, path, body);
  }
}
