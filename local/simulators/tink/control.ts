// The Tink simulator's own control routes (mounted under /__control by the harness): seeding,
// state dumps for assertions, direct credential edits, refresh counts, settings and tokens.
import * as z from 'zod';
import type { Route, SimRequest } from '../harness';
import { SimHttpError } from '../harness';
import { TinkState } from './state';

const timestampMs = z.number().int().nonnegative();

const seedCredentialSchema = z.object({
  id: z.string().min(1).optional(),
  providerName: z.string().min(1).optional(),
  type: z.string().min(1).optional(),
  status: z.string().min(1).optional(),
  statusPayload: z.string().nullable().optional(),
  statusUpdated: timestampMs.optional(),
  updated: timestampMs.nullable().optional(),
  fields: z.record(z.string(), z.string()).optional(),
  supplementalInformation: z.string().nullable().optional(),
  sessionExpiryDate: timestampMs.nullable().optional(),
  refreshOutcome: z.string().min(1).optional(),
  refreshDurationMs: z.number().int().nonnegative().optional(),
  settleAfterMs: z.number().int().nonnegative().optional(),
});

const seedUserSchema = z.object({
  userId: z.string().min(1).optional(),
  externalUserId: z.string().min(1).nullable().optional(),
  market: z.string().optional(),
  locale: z.string().optional(),
  retentionClass: z.string().optional(),
  credentials: z.array(seedCredentialSchema).optional(),
});

export const seedSchema = z.object({ users: z.array(seedUserSchema) });
export type TinkSeed = z.infer<typeof seedSchema>;

const addCredentialsSchema = z.object({ credentials: z.array(seedCredentialSchema) });

const credentialPatchSchema = z.object({
  status: z.string().min(1).optional(),
  statusPayload: z.string().nullable().optional(),
  statusUpdated: timestampMs.optional(),
  updated: timestampMs.nullable().optional(),
  sessionExpiryDate: timestampMs.nullable().optional(),
  providerName: z.string().min(1).optional(),
  type: z.string().min(1).optional(),
  fields: z.record(z.string(), z.string()).optional(),
  supplementalInformation: z.string().nullable().optional(),
  refreshOutcome: z.string().min(1).optional(),
  refreshDurationMs: z.number().int().nonnegative().nullable().optional(),
  settleAfterMs: z.number().int().nonnegative().optional(),
});

const durationMs = z.number().int().nonnegative();
const lifetimeSeconds = z.number().int().positive();
const settingsSchema = z
  .object({
    refreshDurationMs: durationMs,
    deleteSettleMs: durationMs,
    codeTtlMs: durationMs,
    clientTokenExpiresInSeconds: lifetimeSeconds,
    userTokenExpiresInSeconds: lifetimeSeconds,
    needsUserRefresh: z.enum(['reject', 'ignore']),
    refreshMinIntervalMs: durationMs,
    rateLimitedRefresh: z.enum(['reject', 'ignore']),
  })
  .partial()
  .strict();

const entitlementsSchema = z.object({ scopes: z.array(z.string().min(1)).nullable() });

const expireTokensSchema = z.object({ kind: z.enum(['client', 'user']).optional() });

function parse<T>(schema: z.ZodType<T>, request: SimRequest): T {
  const result = schema.safeParse(request.json());
  if (!result.success)
    throw new SimHttpError(400, `Invalid control request: ${z.prettifyError(result.error)}`);
  return result.data;
}

/** Seeds users, holding them to the API's market and locale rules so seeded users are valid ones. */
export function seedUsers(state: TinkState, seed: TinkSeed) {
  for (const user of seed.users) {
    if (user.market !== undefined) TinkState.validateMarket(user.market);
    if (user.locale !== undefined) TinkState.validateLocale(user.locale);
    if (user.retentionClass !== undefined) TinkState.validateRetentionClass(user.retentionClass);
  }
  return state.seed(seed.users);
}

export function tinkControlRoutes(state: TinkState): Route[] {
  const notFound = (what: string) => new SimHttpError(404, `${what} not found`);
  return [
    {
      method: 'POST',
      pattern: '/seed',
      handler: (request) => ({ status: 200, body: seedUsers(state, parse(seedSchema, request)) }),
    },
    {
      method: 'GET',
      pattern: '/users',
      handler: () => {
        const users = state.listUsers();
        return { status: 200, body: { count: users.length, users } };
      },
    },
    {
      method: 'GET',
      pattern: '/users/:userId',
      handler: (request) => {
        const user = state.dumpUser(request.params.userId ?? '');
        if (!user) throw notFound('User');
        return { status: 200, body: user };
      },
    },
    {
      method: 'POST',
      pattern: '/users/:userId/credentials',
      handler: (request) => {
        const { credentials } = parse(addCredentialsSchema, request);
        return {
          status: 200,
          body: { credentialIds: state.addCredentials(request.params.userId ?? '', credentials) },
        };
      },
    },
    {
      method: 'GET',
      pattern: '/credentials/:id',
      handler: (request) => {
        const credential = state.dumpCredential(request.params.id ?? '');
        if (!credential) throw notFound('Credential');
        return { status: 200, body: credential };
      },
    },
    {
      method: 'POST',
      pattern: '/credentials/:id',
      handler: (request) => {
        const credential = state.patchCredential(
          request.params.id ?? '',
          parse(credentialPatchSchema, request),
        );
        if (!credential) throw notFound('Credential');
        return { status: 200, body: credential };
      },
    },
    { method: 'GET', pattern: '/refreshes', handler: () => ({ status: 200, body: state.refreshes() }) },
    {
      method: 'DELETE',
      pattern: '/refreshes',
      handler: () => {
        state.clearRefreshes();
        return { status: 204 };
      },
    },
    { method: 'GET', pattern: '/settings', handler: () => ({ status: 200, body: { ...state.settings } }) },
    {
      method: 'POST',
      pattern: '/settings',
      handler: (request) => ({ status: 200, body: state.updateSettings(parse(settingsSchema, request)) }),
    },
    {
      // An app's entitlements (`scopes: null`: the documented table); a reset restores the start's.
      method: 'PUT',
      pattern: '/clients/:clientId/scopes',
      handler: (request) => {
        const { scopes } = parse(entitlementsSchema, request);
        if (!state.auth.setEntitlements(request.params.clientId ?? '', scopes ?? undefined))
          throw notFound('Client');
        return { status: 204 };
      },
    },
    { method: 'GET', pattern: '/tokens', handler: () => ({ status: 200, body: state.auth.tokenStats() }) },
    {
      method: 'GET',
      pattern: '/tokens/issued-values',
      handler: () => ({ status: 200, body: { values: state.auth.recentlyIssuedValues() } }),
    },
    {
      method: 'POST',
      pattern: '/tokens/expire',
      handler: (request) => {
        const { kind } = parse(expireTokensSchema, request);
        return { status: 200, body: { expired: state.auth.expireTokens(kind) } };
      },
    },
  ];
}
