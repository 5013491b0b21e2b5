// `npm run load` (issue 6, part 7): a bounded load against the whole local stack — dynalite, both
// simulators and serverless-offline on OS-picked loopback ports, started here and stopped here
// (offline by its PID). Seeds extra users through the simulators' control APIs, warms every route,
// then runs many concurrent reads and mutations across users for a fixed time or request count,
// whichever comes first, and checks:
//   - no 5xx and no transport error;
//   - no stale read after an acknowledged mutation: once a delete of a credential, connection or user
//     was answered 204, no read *started later* may still show it (Tink's asynchronous deletion shows
//     a credential as `status: DELETED` for a while: that is not stale). A last pass re-reads every
//     user that saw a deletion.
// Prints requests, rps, p50/p95 latency per route, the cache hit ratio from `Cache-Status`, and
// errors by status. Exits 1 when a check fails.
//
// Settings (environment, each clamped): LOAD_DURATION_S (20), LOAD_MAX_REQUESTS (6000),
// LOAD_CONCURRENCY (8), LOAD_WARMUP_S (5), LOAD_TINK_USERS (24), LOAD_MONEYHUB_USERS (24),
// LOAD_SEED (random).
import './quiet';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mintDevToken } from '../local/dev-token';
import { freePort } from '../local/ports';
import { MoneyhubSimulatorControl } from '../local/simulators/moneyhub';
import {
  demoConnectionIds as moneyhubDemoConnections,
  demoUserIds as moneyhubDemoUsers,
} from '../local/simulators/moneyhub/demo-data';
import {
  TinkSimulatorControl,
  demoCredentialIds as tinkDemoCredentials,
  demoUserIds as tinkDemoUsers,
} from '../local/simulators/tink';
import { type LocalStack, startLocalStack } from '../local/stack';
import { seededRandom } from './seeded-random';

const bounded = (name: string, fallback: number, min: number, max: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value)) throw new Error(`${name} must be a number`);
  return Math.min(max, Math.max(min, Math.floor(value)));
};

const settings = {
  durationMs: bounded('LOAD_DURATION_S', 20, 1, 300) * 1000,
  maxRequests: bounded('LOAD_MAX_REQUESTS', 6000, 1, 100_000),
  concurrency: bounded('LOAD_CONCURRENCY', 8, 1, 64),
  warmUpMs: bounded('LOAD_WARMUP_S', 5, 0, 60) * 1000,
  tinkUsers: bounded('LOAD_TINK_USERS', 24, 1, 500),
  moneyhubUsers: bounded('LOAD_MONEYHUB_USERS', 24, 1, 500),
  seed: bounded('LOAD_SEED', Math.floor(Math.random() * 2 ** 31), 0, 2 ** 31 - 1),
  requestTimeoutMs: 15_000,
};

// ------------------------------------------------------------------------------------- randomness

const random = seededRandom(settings.seed);
const pick = <T>(items: readonly T[]): T | undefined => items[Math.floor(random() * items.length)];

// ------------------------------------------------------------------------------------------ model

type Phase = 'live' | 'deleting' | 'gone';

interface Entity {
  id: string;
  phase: Phase;
  /** When the 204 for its deletion arrived (performance.now()). */
  goneAtMs?: number;
}

interface UserModel extends Entity {
  provider: 'tink' | 'moneyhub';
  /** Credentials (Tink) or connections (Moneyhub). */
  children: Map<string, Entity>;
  /** Seeded demo users are only read; the others are also mutated. */
  mutable: boolean;
  /** A child is being deleted or a refresh started: the user is worth re-reading at the end. */
  mutated: boolean;
}

const users: UserModel[] = [];
const usersOf = (provider: UserModel['provider']) => users.filter((user) => user.provider === provider);

function addUser(provider: UserModel['provider'], id: string, childIds: string[], mutable: boolean) {
  const user: UserModel = {
    provider,
    id,
    phase: 'live',
    children: new Map(childIds.map((childId) => [childId, { id: childId, phase: 'live' as Phase }])),
    mutable,
    mutated: false,
  };
  users.push(user);
  return user;
}

const liveChildren = (user: UserModel) =>
  [...user.children.values()].filter((child) => child.phase === 'live');

// ---------------------------------------------------------------------------------------- figures

interface RouteFigures {
  latenciesMs: number[];
  statuses: Map<number, number>;
  cache: { hit: number; miss: number; stale: number; other: number };
}

const figures = new Map<string, RouteFigures>();
const transportErrors: string[] = [];
const staleReads: string[] = [];
const serverErrors: string[] = [];
const scriptErrors: string[] = [];
let requestsSent = 0;
let verificationReads = 0;

function figuresOf(route: string): RouteFigures {
  let entry = figures.get(route);
  if (!entry) {
    entry = { latenciesMs: [], statuses: new Map(), cache: { hit: 0, miss: 0, stale: 0, other: 0 } };
    figures.set(route, entry);
  }
  return entry;
}

function recordCacheStatus(entry: RouteFigures, header: string | null) {
  if (!header) return;
  if (/;\s*hit\b/.test(header)) entry.cache.hit += 1;
  else if (/fwd=stale/.test(header)) entry.cache.stale += 1;
  else if (/fwd=miss/.test(header)) entry.cache.miss += 1;
  else entry.cache.other += 1;
}

const percentile = (values: number[], p: number) => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
};

// ---------------------------------------------------------------------------------------- requests

interface Answer {
  status: number;
  startedAtMs: number;
  cacheStatus: string | null;
  body: unknown;
}

/**
 * A function that threw or ran out of time. API Gateway answers that with a 5xx; serverless-offline,
 * for an HTTP API (payload 2.0), answers 200 with the Lambda error as the body: counted as a 5xx.
 */
const lambdaFailure = 599;
const statusLabel = (status: number) => (status === lambdaFailure ? 'λ' : String(status));

function isLambdaFailure(text: string): boolean {
  if (!text.includes('"errorType"')) return false;
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    return typeof body.errorType === 'string' && typeof body.errorMessage === 'string';
  } catch {
    return false;
  }
}

let baseUrl = '';
let authorization = '';
/** Counted into the figures only during the timed phase. */
let measuring = false;

async function send(
  route: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<Answer | undefined> {
  const startedAtMs = performance.now();
  if (measuring) requestsSent += 1;
  try {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        Authorization: authorization,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(settings.requestTimeoutMs),
    });
    const text = await response.text();
    const elapsedMs = performance.now() - startedAtMs;
    const cacheStatus = response.headers.get('cache-status');
    // Shown as "λ" in the figures and never checked for staleness: there is no API answer to check.
    const status = isLambdaFailure(text) ? lambdaFailure : response.status;
    if (measuring) {
      const entry = figuresOf(route);
      entry.latenciesMs.push(elapsedMs);
      entry.statuses.set(status, (entry.statuses.get(status) ?? 0) + 1);
      recordCacheStatus(entry, cacheStatus);
    }
    if (status >= 500) serverErrors.push(`${route} ${method} ${path} → ${status} ${text.slice(0, 200)}`);
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = text;
    }
    return { status, startedAtMs, cacheStatus, body: parsed };
  } catch (error) {
    transportErrors.push(`${route} ${method} ${path}: ${(error as Error).message}`);
    return undefined;
  }
}

// ------------------------------------------------------------------------------------ stale checks

/** A thing deleted (204 received) before this read started. */
const goneBefore = (entity: Entity | undefined, startedAtMs: number) =>
  entity?.phase === 'gone' && (entity.goneAtMs as number) < startedAtMs;

/** Reads that started after a deletion in that user was acknowledged: the ones that could be stale. */
let readsAfterDeletion = 0;
/** Tink credentials read as `DELETED` after their deletion was acknowledged (asynchronous, not stale). */
let shownDeleted = 0;

function checkUserRead(route: string, user: UserModel, answer: Answer) {
  const after = (entity: Entity) => goneBefore(entity, answer.startedAtMs);
  if (after(user) || [...user.children.values()].some(after)) readsAfterDeletion += 1;
  if (answer.status === 200 && goneBefore(user, answer.startedAtMs)) {
    staleReads.push(
      `${route}: user ${user.id} was deleted before the read, answered 200 (${answer.cacheStatus})`,
    );
  }
}

interface TinkCredentialBody {
  id: string;
  status?: string;
}

function checkTinkCredentials(
  route: string,
  user: UserModel,
  answer: Answer,
  credentials: TinkCredentialBody[],
) {
  for (const credential of credentials) {
    if (credential.status === 'DELETED') {
      // Tink's asynchronous deletion, not stale.
      if (goneBefore(user.children.get(credential.id), answer.startedAtMs)) shownDeleted += 1;
      continue;
    }
    if (goneBefore(user.children.get(credential.id), answer.startedAtMs)) {
      staleReads.push(
        `${route}: credential ${credential.id} of ${user.id} deleted before the read, shown ${credential.status} (${answer.cacheStatus})`,
      );
    }
  }
}

function checkMoneyhubConnections(route: string, user: UserModel, answer: Answer, ids: string[]) {
  for (const id of ids) {
    if (goneBefore(user.children.get(id), answer.startedAtMs)) {
      staleReads.push(
        `${route}: connection ${id} of ${user.id} deleted before the read, still listed (${answer.cacheStatus})`,
      );
    }
  }
}

// -------------------------------------------------------------------------------------- operations

const enc = encodeURIComponent;
const tinkControl = () => new TinkSimulatorControl(stack?.tink.url as string);
const moneyhubControl = () => new MoneyhubSimulatorControl(stack?.moneyhub.url as string);

/** Mostly a live user; one read in five goes to any user, deleted ones included (they must be 404). */
const anyUser = (provider: UserModel['provider']) =>
  random() < 0.2 ? pick(usersOf(provider)) : pick(usersOf(provider).filter((user) => user.phase !== 'gone'));
const liveMutableUser = (provider: UserModel['provider']) =>
  pick(usersOf(provider).filter((user) => user.mutable && user.phase === 'live'));

const operations: Record<string, { weight: number; run: () => Promise<void> }> = {
  'GET /tink/users/{userId}/credentials': {
    weight: 16,
    run: async () => {
      const user = anyUser('tink');
      if (!user) return;
      const route = 'GET /tink/users/{userId}/credentials';
      const answer = await send(route, 'GET', `/tink/users/${user.id}/credentials`);
      if (!answer) return;
      checkUserRead(route, user, answer);
      if (answer.status === 200) {
        checkTinkCredentials(
          route,
          user,
          answer,
          (answer.body as { credentials: TinkCredentialBody[] }).credentials,
        );
      }
    },
  },
  'GET /tink/users/{userId}/credentials/{credentialId}': {
    weight: 8,
    run: async () => {
      const user = anyUser('tink');
      const credential = user && pick([...user.children.values()]);
      if (!user || !credential) return;
      const route = 'GET /tink/users/{userId}/credentials/{credentialId}';
      const answer = await send(route, 'GET', `/tink/users/${user.id}/credentials/${credential.id}`);
      if (!answer) return;
      checkUserRead(route, user, answer);
      if (answer.status === 200)
        checkTinkCredentials(route, user, answer, [answer.body as TinkCredentialBody]);
    },
  },
  'DELETE /tink/users/{userId}/credentials/{credentialId}': {
    weight: 3,
    run: async () => {
      const user = liveMutableUser('tink');
      const credential = user && pick(liveChildren(user));
      if (!user || !credential) return;
      credential.phase = 'deleting';
      user.mutated = true;
      const answer = await send(
        'DELETE /tink/users/{userId}/credentials/{credentialId}',
        'DELETE',
        `/tink/users/${user.id}/credentials/${credential.id}`,
      );
      if (answer?.status === 204) Object.assign(credential, { phase: 'gone', goneAtMs: performance.now() });
      else credential.phase = answer?.status === 404 ? 'gone' : 'live';
    },
  },
  'POST /tink/users/{userId}/credentials/{credentialId}/refresh': {
    weight: 3,
    run: async () => {
      const user = liveMutableUser('tink');
      const credential = user && pick(liveChildren(user));
      if (!user || !credential) return;
      user.mutated = true;
      await send(
        'POST /tink/users/{userId}/credentials/{credentialId}/refresh',
        'POST',
        `/tink/users/${user.id}/credentials/${credential.id}/refresh`,
      );
    },
  },
  'POST /tink/users': {
    weight: 1,
    run: async () => {
      const answer = await send('POST /tink/users', 'POST', '/tink/users', {
        market: 'SE',
        locale: 'sv_SE',
        externalUserId: `load-${randomUUID()}`,
      });
      if (answer?.status !== 201) return;
      const userId = (answer.body as { userId: string }).userId;
      // A user created through the API has no credentials until a bank is connected: give it two.
      const credentialIds = await tinkControl().addCredentials(userId, [
        { status: 'UPDATED' },
        { status: 'UPDATED' },
      ]);
      addUser('tink', userId, credentialIds, true);
    },
  },
  'DELETE /tink/users/{userId}': {
    weight: 0.3,
    run: async () => {
      const user = liveMutableUser('tink');
      if (!user || usersOf('tink').filter((candidate) => candidate.phase === 'live').length < 4) return;
      user.phase = 'deleting';
      user.mutated = true;
      const answer = await send('DELETE /tink/users/{userId}', 'DELETE', `/tink/users/${user.id}`);
      if (answer?.status === 204) Object.assign(user, { phase: 'gone', goneAtMs: performance.now() });
      else user.phase = 'live';
    },
  },
  'POST /moneyhub/users': {
    weight: 1,
    run: async () => {
      const clientUserId = `load-${randomUUID()}`;
      const answer = await send('POST /moneyhub/users', 'POST', '/moneyhub/users', { clientUserId });
      if (answer?.status !== 201) return;
      const userId = (answer.body as { userId: string }).userId;
      // Connections need a bank: the simulator gives the new user two.
      const [seeded] = await moneyhubControl().seed({
        users: [{ userId, clientUserId, connections: [{}, {}] }],
      });
      addUser('moneyhub', userId, seeded?.connectionIds ?? [], true);
    },
  },
  'GET /moneyhub/users/{userId}': {
    weight: 8,
    run: async () => {
      const user = anyUser('moneyhub');
      if (!user) return;
      const route = 'GET /moneyhub/users/{userId}';
      const answer = await send(route, 'GET', `/moneyhub/users/${user.id}`);
      if (answer) checkUserRead(route, user, answer);
    },
  },
  'DELETE /moneyhub/users/{userId}': {
    weight: 0.3,
    run: async () => {
      const user = liveMutableUser('moneyhub');
      if (!user || usersOf('moneyhub').filter((candidate) => candidate.phase === 'live').length < 4) return;
      user.phase = 'deleting';
      user.mutated = true;
      const answer = await send('DELETE /moneyhub/users/{userId}', 'DELETE', `/moneyhub/users/${user.id}`);
      if (answer?.status === 204) Object.assign(user, { phase: 'gone', goneAtMs: performance.now() });
      else user.phase = 'live';
    },
  },
  'GET /moneyhub/users/{userId}/connections': {
    weight: 14,
    run: async () => {
      const user = anyUser('moneyhub');
      if (!user) return;
      const route = 'GET /moneyhub/users/{userId}/connections';
      const answer = await send(route, 'GET', `/moneyhub/users/${user.id}/connections`);
      if (!answer) return;
      checkUserRead(route, user, answer);
      if (answer.status === 200) {
        const ids = (answer.body as { data: { id: string }[] }).data.map((connection) => connection.id);
        checkMoneyhubConnections(route, user, answer, ids);
      }
    },
  },
  'GET /moneyhub/users/{userId}/connections/{connectionId}': {
    weight: 6,
    run: async () => {
      const user = anyUser('moneyhub');
      const connection = user && pick([...user.children.values()]);
      if (!user || !connection) return;
      const route = 'GET /moneyhub/users/{userId}/connections/{connectionId}';
      const answer = await send(route, 'GET', `/moneyhub/users/${user.id}/connections/${enc(connection.id)}`);
      if (!answer) return;
      checkUserRead(route, user, answer);
      if (answer.status === 200)
        checkMoneyhubConnections(route, user, answer, [(answer.body as { id: string }).id]);
    },
  },
  'DELETE /moneyhub/users/{userId}/connections/{connectionId}': {
    weight: 3,
    run: async () => {
      const user = liveMutableUser('moneyhub');
      const connection = user && pick(liveChildren(user));
      if (!user || !connection) return;
      connection.phase = 'deleting';
      user.mutated = true;
      const answer = await send(
        'DELETE /moneyhub/users/{userId}/connections/{connectionId}',
        'DELETE',
        `/moneyhub/users/${user.id}/connections/${enc(connection.id)}`,
      );
      if (answer?.status === 204) Object.assign(connection, { phase: 'gone', goneAtMs: performance.now() });
      else connection.phase = answer?.status === 404 ? 'gone' : 'live';
    },
  },
  'GET /moneyhub/users/{userId}/syncs': {
    weight: 8,
    run: async () => {
      const user = anyUser('moneyhub');
      if (!user) return;
      const route = 'GET /moneyhub/users/{userId}/syncs';
      const page = pick(['', '?limit=5', '?limit=5&offset=5', '?limit=10&offset=0']) ?? '';
      const answer = await send(route, 'GET', `/moneyhub/users/${user.id}/syncs${page}`);
      if (answer) checkUserRead(route, user, answer);
    },
  },
};

const weighted = Object.entries(operations).map(([name, operation]) => ({ name, ...operation }));
const totalWeight = weighted.reduce((sum, operation) => sum + operation.weight, 0);

function nextOperation() {
  let roll = random() * totalWeight;
  for (const operation of weighted) {
    roll -= operation.weight;
    if (roll < 0) return operation;
  }
  return weighted[0] as (typeof weighted)[number];
}

// ------------------------------------------------------------------------------------------- phases

let stack: LocalStack | undefined;

async function seedUsers() {
  // The demo users (read, never mutated) and their credentials or connections, by name prefix.
  const demoChildren = (ids: Record<string, string>, owner: string) =>
    Object.entries(ids)
      .filter(([name]) => name.startsWith(owner))
      .map(([, id]) => id);
  for (const [name, id] of Object.entries(tinkDemoUsers)) {
    addUser('tink', id, demoChildren(tinkDemoCredentials, name), false);
  }
  const tinkSeeded = await tinkControl().seed({
    users: Array.from({ length: settings.tinkUsers }, (_, index) => ({
      market: 'SE',
      locale: 'sv_SE',
      externalUserId: `load-seed-${settings.seed}-${index}`,
      credentials: [
        { status: 'UPDATED' },
        { status: 'UPDATED' },
        { status: 'UPDATED' },
        { status: 'TEMPORARY_ERROR' },
      ],
    })),
  });
  for (const user of tinkSeeded.users) addUser('tink', user.userId, user.credentialIds, true);

  for (const [name, id] of Object.entries(moneyhubDemoUsers)) {
    addUser('moneyhub', id, demoChildren(moneyhubDemoConnections, name), false);
  }
  const moneyhubSeeded = await moneyhubControl().seed({
    users: Array.from({ length: settings.moneyhubUsers }, (_, index) => ({
      clientUserId: `load-seed-${settings.seed}-${index}`,
      connections: [{}, {}, {}],
      syncs: 12,
    })),
  });
  for (const user of moneyhubSeeded) addUser('moneyhub', user.userId, user.connectionIds, true);
}

/** An operation's own failure (a control call, an unexpected body) is reported, not fatal. */
async function runOperation(operation: (typeof weighted)[number]) {
  try {
    await operation.run();
  } catch (error) {
    scriptErrors.push(`${operation.name}: ${(error as Error).message}`);
  }
}

/**
 * Not measured: one request per operation, then the same load for a few seconds. serverless-offline
 * starts a worker per function and per concurrent invocation on first use (a cold start each), and
 * keeps it warm for a minute, so the figures describe warm functions.
 */
async function warmUp() {
  for (const operation of weighted) await runOperation(operation);
  const deadlineMs = performance.now() + settings.warmUpMs;
  const worker = async () => {
    while (performance.now() < deadlineMs) await runOperation(nextOperation());
  };
  await Promise.all(Array.from({ length: settings.concurrency }, worker));
}

async function runLoad() {
  measuring = true;
  const startedAtMs = performance.now();
  const deadlineMs = startedAtMs + settings.durationMs;
  const worker = async () => {
    while (performance.now() < deadlineMs && requestsSent < settings.maxRequests) {
      await runOperation(nextOperation());
    }
  };
  await Promise.all(Array.from({ length: settings.concurrency }, worker));
  measuring = false;
  return performance.now() - startedAtMs;
}

/** Every user that saw a mutation is read once more, after every acknowledgement. */
async function verifyAfterwards() {
  for (const user of users.filter((candidate) => candidate.mutated)) {
    const reads =
      user.provider === 'tink'
        ? ['GET /tink/users/{userId}/credentials']
        : ['GET /moneyhub/users/{userId}', 'GET /moneyhub/users/{userId}/connections'];
    for (const route of reads) {
      verificationReads += 1;
      const path =
        route === 'GET /moneyhub/users/{userId}'
          ? `/moneyhub/users/${user.id}`
          : user.provider === 'tink'
            ? `/tink/users/${user.id}/credentials`
            : `/moneyhub/users/${user.id}/connections`;
      const answer = await send(`${route} (verification)`, 'GET', path);
      if (!answer) continue;
      checkUserRead(route, user, answer);
      if (answer.status !== 200) continue;
      if (user.provider === 'tink') {
        checkTinkCredentials(
          route,
          user,
          answer,
          (answer.body as { credentials: TinkCredentialBody[] }).credentials,
        );
      } else if (route.endsWith('/connections')) {
        const ids = (answer.body as { data: { id: string }[] }).data.map((connection) => connection.id);
        checkMoneyhubConnections(route, user, answer, ids);
      }
    }
  }
}

// -------------------------------------------------------------------------------------------- report

function report(elapsedMs: number) {
  const seconds = elapsedMs / 1000;
  const rows = [...figures.entries()]
    .filter(([route]) => !route.endsWith('(verification)'))
    .sort(([a], [b]) => a.localeCompare(b));
  const all = rows.flatMap(([, entry]) => entry.latenciesMs);
  const cache = rows.reduce(
    (sum, [, entry]) => ({
      hit: sum.hit + entry.cache.hit,
      miss: sum.miss + entry.cache.miss,
      stale: sum.stale + entry.cache.stale,
      other: sum.other + entry.cache.other,
    }),
    { hit: 0, miss: 0, stale: 0, other: 0 },
  );
  const cached = cache.hit + cache.miss + cache.stale + cache.other;
  const errorsByStatus = new Map<number, number>();
  for (const [, entry] of rows) {
    for (const [status, count] of entry.statuses) {
      if (status >= 400) errorsByStatus.set(status, (errorsByStatus.get(status) ?? 0) + count);
    }
  }
  const ms = (value: number) => (Number.isNaN(value) ? '-' : value.toFixed(1));
  const pad = (text: string, width: number) => text.padEnd(width);
  const padLeft = (text: string, width: number) => text.padStart(width);

  console.log(
    `\nload: ${all.length} requests in ${seconds.toFixed(1)} s = ${(all.length / seconds).toFixed(1)} rps` +
      ` (concurrency ${settings.concurrency}, caps ${settings.durationMs / 1000} s / ${settings.maxRequests} requests, LOAD_SEED=${settings.seed})`,
  );
  console.log(
    `users: ${usersOf('tink').length} Tink, ${usersOf('moneyhub').length} Moneyhub ` +
      `(demo + seeded + created during the run); deleted: ${users.filter((user) => user.phase === 'gone').length} users, ` +
      `${users.reduce((sum, user) => sum + [...user.children.values()].filter((child) => child.phase === 'gone').length, 0)} credentials/connections`,
  );
  console.log(
    `\n${pad('route', 62)}${padLeft('n', 6)}${padLeft('p50 ms', 9)}${padLeft('p95 ms', 9)}${padLeft('hit', 7)}  statuses`,
  );
  for (const [route, entry] of rows) {
    const lookups = entry.cache.hit + entry.cache.miss + entry.cache.stale + entry.cache.other;
    const hit = lookups === 0 ? '-' : `${((100 * entry.cache.hit) / lookups).toFixed(0)}%`;
    const statuses = [...entry.statuses.entries()]
      .sort(([a], [b]) => a - b)
      .map(([status, count]) => `${statusLabel(status)}×${count}`)
      .join(' ');
    console.log(
      `${pad(route, 62)}${padLeft(String(entry.latenciesMs.length), 6)}${padLeft(ms(percentile(entry.latenciesMs, 50)), 9)}` +
        `${padLeft(ms(percentile(entry.latenciesMs, 95)), 9)}${padLeft(hit, 7)}  ${statuses}`,
    );
  }
  console.log(
    `${pad('all', 62)}${padLeft(String(all.length), 6)}${padLeft(ms(percentile(all, 50)), 9)}${padLeft(ms(percentile(all, 95)), 9)}`,
  );
  console.log(
    `\ncache: ${cached} cached reads — hit ${cache.hit}, miss ${cache.miss}, stale ${cache.stale}, other ${cache.other}; ` +
      `hit ratio ${cached === 0 ? '-' : `${((100 * cache.hit) / cached).toFixed(1)}%`}`,
  );
  const errors = [...errorsByStatus.entries()].sort(([a], [b]) => a - b);
  console.log(
    `errors by status: ${errors.length === 0 ? 'none' : errors.map(([status, count]) => `${statusLabel(status)}×${count}`).join(', ')}`,
  );
  console.log(
    `stale check: ${readsAfterDeletion} reads started after a deletion in that user was acknowledged ` +
      `(${shownDeleted} Tink credentials still read as DELETED, which is not stale); ` +
      `${verificationReads} verification reads after the load`,
  );

  const failures = [
    [`5xx answers: ${serverErrors.length}`, serverErrors],
    [`transport errors or timeouts: ${transportErrors.length}`, transportErrors],
    [`stale reads after an acknowledged mutation: ${staleReads.length}`, staleReads],
    [`operations that could not be checked: ${scriptErrors.length}`, scriptErrors],
  ] as const;
  console.log('');
  for (const [line, list] of failures) {
    console.log(`${list.length === 0 ? '✓' : '✗'} ${line}`);
    for (const example of list.slice(0, 5)) console.log(`    ${example}`);
  }
  return failures.every(([, list]) => list.length === 0);
}

// ---------------------------------------------------------------------------------------------- main

async function stopStack(keepOfflineLog = false) {
  const running = stack;
  stack = undefined;
  if (!running) return;
  if (keepOfflineLog && running.offline) {
    const file = path.join(os.tmpdir(), `open-banking-users-load-offline-${process.pid}.log`);
    writeFileSync(file, running.offline.output());
    console.log(`load: serverless-offline's output is in ${file}`);
  }
  await running.stop();
}

async function main() {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`\n${signal}: stopping the local stack…`);
      void stopStack().finally(() => process.exit(130));
    });
  }
  const [httpPort, lambdaPort] = [await freePort(), await freePort()];
  console.log('load: starting the local stack (dynalite, simulators, serverless-offline) on loopback…');
  const startedAtMs = performance.now();
  stack = await startLocalStack({ seedDemo: true, offline: { httpPort, lambdaPort } });
  baseUrl = stack.offline?.url as string;
  for (const url of [baseUrl, stack.tink.url, stack.moneyhub.url, stack.dynamo.endpoint]) {
    const { hostname } = new URL(url);
    if (hostname !== '127.0.0.1' && hostname !== 'localhost') throw new Error(`Not loopback: ${url}`);
  }
  console.log(
    `load: stack up in ${((performance.now() - startedAtMs) / 1000).toFixed(1)} s — API ${baseUrl} (offline PID ${stack.offline?.pid})`,
  );
  // Behind the JWT authorizer, offline checks issuer, audience, expiry and scopes of a dev token.
  authorization = `Bearer ${await mintDevToken()}`;

  await seedUsers();
  await warmUp();
  console.log(
    `load: seeded ${settings.tinkUsers} Tink and ${settings.moneyhubUsers} Moneyhub users besides the demo ones; ` +
      `warmed every route (${settings.warmUpMs / 1000} s); running…`,
  );

  const elapsedMs = await runLoad();
  await verifyAfterwards();
  return report(elapsedMs);
}

main()
  .then(async (passed) => {
    await stopStack(!passed);
    console.log(passed ? '\nload: passed' : '\nload: FAILED');
    process.exit(passed ? 0 : 1);
  })
  .catch(async (error: unknown) => {
    console.error('load: could not run:', error instanceof Error ? error.message : error);
    await stopStack(true);
    process.exit(1);
  });
