// Moneyhub-specific control routes (mounted under /__control by the harness): register API clients,
// seed users in bulk, change settings, read state, count sync triggers, expire tokens. Their typed
// client is control-client.ts.

import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import { type Route, SimHttpError, type SimRequest } from '../harness';
import {
  buildSync,
  type ClientRegistration,
  connectionStatuses,
  fetchStatuses,
  type MoneyhubSettings,
  type MoneyhubState,
  type MoneyhubUserFields,
  newConnectionId,
  newUserId,
  signingAlgs,
  type UserConnection,
  type UserRecord,
} from './state';

const privateJwkMembers = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth'];
const hourMs = 60 * 60 * 1000;
const dayMs = 24 * hourMs;

const clientSchema = z
  .object({
    clientId: z.string().min(1).max(256),
    tokenEndpointAuthMethod: z.enum(['private_key_jwt', 'client_secret_basic']),
    jwks: z.object({ keys: z.array(z.looseObject({ kty: z.string() })).min(1) }).optional(),
    clientSecret: z.string().min(1).optional(),
    signingAlg: z.enum(signingAlgs).optional(),
    clientName: z.string().optional(),
  })
  .superRefine((client, context) => {
    if (client.tokenEndpointAuthMethod === 'private_key_jwt' && !client.jwks)
      context.addIssue({ code: 'custom', message: 'private_key_jwt needs jwks', path: ['jwks'] });
    if (client.tokenEndpointAuthMethod === 'client_secret_basic' && !client.clientSecret)
      context.addIssue({
        code: 'custom',
        message: 'client_secret_basic needs clientSecret',
        path: ['clientSecret'],
      });
    // The simulator only ever holds public keys: a private member here is a leak in the caller.
    if (client.jwks?.keys.some((key) => privateJwkMembers.some((member) => member in key)))
      context.addIssue({ code: 'custom', message: 'jwks must hold public keys only', path: ['jwks'] });
  });

const isoDate = z.iso.datetime({ offset: true });

const seedConnectionSchema = z.looseObject({
  id: z
    .string()
    .regex(/^[^/?#]{1,512}$/)
    .optional(),
  name: z.string().optional(),
  type: z.string().optional(),
  connectedOn: isoDate.optional(),
  accountIds: z.array(z.string()).optional(),
  status: z.enum(connectionStatuses).optional(),
  extendedStatus: z.enum(['expired', 'stoppedSyncing']).optional(),
  lastUpdated: isoDate.optional(),
  expiresAt: isoDate.optional(),
  error: z.string().nullable().optional(),
  /** Outcome of syncs triggered on this connection (else the `syncOutcome` setting). */
  syncOutcome: z.enum(fetchStatuses).optional(),
});

const addConnectionsSchema = z.object({ connections: z.array(seedConnectionSchema).min(1) });

const seedSyncSchema = z.looseObject({
  id: z.string().optional(),
  connectionId: z.string().optional(),
  action: z.enum(['auto-update', 'client-update']).optional(),
  method: z.enum(['ADD', 'UPDATE']).optional(),
  fetchStatus: z.enum(fetchStatuses).optional(),
  createdAt: isoDate.optional(),
  fetchedAt: isoDate.optional(),
});

const seedUserSchema = z.looseObject({
  userId: z
    .string()
    .regex(/^[0-9a-f]{24}$/)
    .optional(),
  clientUserId: z.string().max(256).optional(),
  clientId: z.string().optional(),
  createdAt: isoDate.optional(),
  lastAccessed: isoDate.optional(),
  userType: z.enum(['test', 'demo', 'live']).optional(),
  managedBy: z.enum(['user', 'client']).optional(),
  scopes: z.string().optional(),
  connections: z.array(seedConnectionSchema).optional(),
  /** A count of generated syncs (spread over the connections, newest first) or explicit ones. */
  syncs: z.union([z.number().int().min(0).max(10_000), z.array(seedSyncSchema)]).optional(),
});

const seedSchema = z.object({
  clientId: z.string().optional(),
  users: z.array(seedUserSchema).optional(),
  /** Bulk generation without a big body: `users` users with N connections and M syncs each. */
  generate: z
    .object({
      users: z.number().int().min(1).max(100_000),
      connectionsPerUser: z.number().int().min(0).max(50).optional(),
      syncsPerUser: z.number().int().min(0).max(1000).optional(),
      clientUserIdPrefix: z.string().max(200).optional(),
    })
    .optional(),
});

const settingsSchema = z.strictObject({
  scopeFamily: z.enum(['either', 'connection', 'user']).optional(),
  deleteConnectionPath: z.enum(['singular', 'plural', 'both']).optional(),
  unsupportedPathStatus: z.union([z.literal(404), z.literal(405)]).optional(),
  tokenLifetimeSeconds: z.number().int().min(1).optional(),
  syncDurationMs: z.number().int().min(0).optional(),
  syncOutcome: z.enum(fetchStatuses).optional(),
  syncMinIntervalMs: z.number().int().min(0).optional(),
  defaultSyncsLimit: z.number().int().min(1).optional(),
  defaultUsersLimit: z.number().int().min(1).optional(),
  maxSyncsLimit: z.number().int().min(1).optional(),
  maxAssertionLifetimeSeconds: z.number().int().min(1).optional(),
});

export type SeedConnection = z.input<typeof seedConnectionSchema>;
export type SeedSync = z.input<typeof seedSyncSchema>;
export type SeedUser = z.input<typeof seedUserSchema>;
export type SeedRequest = z.input<typeof seedSchema>;
export type SettingsPatch = z.input<typeof settingsSchema>;

export interface SeededUser {
  userId: string;
  clientUserId?: string;
  connectionIds: string[];
  syncIds: string[];
}

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new SimHttpError(400, z.prettifyError(result.error), { code: 'BadRequest' });
  return result.data;
}

function buildConnection(seed: z.output<typeof seedConnectionSchema>, nowMs: number) {
  const { syncOutcome, ...fields } = seed;
  const status = fields.status ?? 'ok';
  const settled = status !== 'never';
  const connection: UserConnection = {
    ...fields,
    id: fields.id ?? newConnectionId(),
    name: fields.name ?? 'Simulated Bank',
    type: fields.type ?? 'test',
    connectedOn: fields.connectedOn ?? new Date(nowMs - 30 * dayMs).toISOString(),
    accountIds: fields.accountIds ?? (settled ? [randomUUID()] : []),
    status,
  };
  if (settled) {
    connection.lastUpdated ??= new Date(nowMs - hourMs).toISOString();
    connection.expiresAt ??= new Date(nowMs + 60 * dayMs).toISOString();
  }
  if (!('error' in fields) && settled) connection.error = status === 'error' ? 'sync_error' : null;
  return { connection, ...(syncOutcome === undefined ? {} : { syncOutcome }) };
}

function buildUserRecord(seed: z.output<typeof seedUserSchema>, clientId: string, nowMs: number): UserRecord {
  const { connections = [], syncs = 0, ...fields } = seed;
  const createdAt = fields.createdAt ?? new Date(nowMs - 60 * dayMs).toISOString();
  const user: MoneyhubUserFields = {
    ...fields,
    userId: fields.userId ?? newUserId(),
    clientId: fields.clientId ?? clientId,
    createdAt,
    updatedAt: createdAt,
    lastAccessed: fields.lastAccessed ?? createdAt,
    scopes: fields.scopes ?? 'openid id:any accounts:read transactions:read:all',
    managedBy: fields.managedBy ?? 'client',
    userType: fields.userType ?? 'test',
  };
  const built = connections.map((connection) => buildConnection(connection, nowMs));
  const record: UserRecord = {
    user,
    connections: new Map(built.map((entry) => [entry.connection.id, entry])),
    syncs: [],
  };
  const syncSeeds: Array<z.output<typeof seedSyncSchema>> =
    typeof syncs === 'number' ? Array.from({ length: syncs }, () => ({})) : syncs;
  if (syncSeeds.length > 0 && built.length === 0)
    throw new SimHttpError(400, `user ${user.userId}: syncs need at least one connection`, {
      code: 'BadRequest',
    });
  record.syncs = syncSeeds.map((sync, index) => {
    const owner =
      built.find((entry) => entry.connection.id === sync.connectionId) ?? built[index % built.length];
    const createdAtIso = sync.createdAt ?? new Date(nowMs - (index + 1) * hourMs).toISOString();
    return buildSync(
      { ...sync, connectionId: sync.connectionId ?? owner?.connection.id ?? '', createdAt: createdAtIso },
      owner?.connection.accountIds ?? [],
    );
  });
  // Newest first, as the list route serves them.
  record.syncs.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  return record;
}

/** Validates and applies a seed; all or nothing. */
export function applySeed(state: MoneyhubState, body: unknown): SeededUser[] {
  const request = parse(seedSchema, body);
  const nowMs = Date.now();
  const clientId = request.clientId ?? state.clients.keys().next().value ?? 'moneyhub-simulator-client';
  const seeds: Array<z.output<typeof seedUserSchema>> = [...(request.users ?? [])];
  if (request.generate) {
    const {
      users,
      connectionsPerUser = 1,
      syncsPerUser = 0,
      clientUserIdPrefix = 'generated-',
    } = request.generate;
    for (let index = 0; index < users; index += 1)
      seeds.push({
        clientUserId: `${clientUserIdPrefix}${index}`,
        connections: Array.from({ length: connectionsPerUser }, () => ({})),
        syncs: connectionsPerUser > 0 ? syncsPerUser : 0,
      });
  }
  // Build everything first so a bad entry leaves the state untouched.
  const records = seeds.map((entry) => buildUserRecord(entry, clientId, nowMs));
  for (const record of records) state.putUser(record);
  return records.map((record) => ({
    userId: record.user.userId,
    ...(record.user.clientUserId === undefined ? {} : { clientUserId: record.user.clientUserId }),
    connectionIds: [...record.connections.keys()],
    syncIds: record.syncs.map((sync) => sync.id),
  }));
}

export function moneyhubControlRoutes(state: MoneyhubState): Route[] {
  const userDump = (request: SimRequest) => {
    const record = state.users.get(request.params.userId ?? '');
    if (!record) throw new SimHttpError(404, 'User not found', { code: 'NotFound' });
    const connectionIds = [...record.connections.keys()];
    return {
      status: 200,
      body: {
        user: state.userView(record),
        connections: [...record.connections.values()].map((entry) => ({
          ...entry.connection,
          ...(entry.syncOutcome === undefined ? {} : { syncOutcome: entry.syncOutcome }),
        })),
        syncs: record.syncs,
        syncsTriggered: Object.fromEntries(
          connectionIds.map((id) => [id, state.syncsTriggered.get(id) ?? 0]),
        ),
      },
    };
  };

  return [
    {
      method: 'POST',
      pattern: '/clients',
      handler: (request) => {
        const client = state.registerClient(parse(clientSchema, request.json()) as ClientRegistration);
        return {
          status: 201,
          body: {
            clientId: client.clientId,
            tokenEndpointAuthMethod: client.tokenEndpointAuthMethod,
            signingAlg: client.signingAlg,
          },
        };
      },
    },
    {
      method: 'GET',
      pattern: '/clients',
      handler: () => ({
        status: 200,
        body: {
          clients: [...state.clients.values()].map(({ clientSecret: _secret, ...client }) => client),
        },
      }),
    },
    {
      method: 'DELETE',
      pattern: '/clients/:clientId',
      handler: (request) => {
        state.clients.delete(request.params.clientId ?? '');
        return { status: 204 };
      },
    },
    {
      method: 'POST',
      pattern: '/seed',
      handler: (request) => ({ status: 201, body: { users: applySeed(state, request.json()) } }),
    },
    { method: 'GET', pattern: '/users/:userId', handler: userDump },
    {
      method: 'POST',
      pattern: '/users/:userId/connections',
      summary: 'add connections to a user: {connections: [{status?, error?, syncOutcome?, …}]}',
      handler: (request) => {
        const record = state.users.get(request.params.userId ?? '');
        if (!record) throw new SimHttpError(404, 'User not found', { code: 'NotFound' });
        const { connections } = parse(addConnectionsSchema, request.json());
        const built = connections.map((connection) => buildConnection(connection, Date.now()));
        if (built.some((entry) => state.connectionOwners.has(entry.connection.id)))
          throw new SimHttpError(409, 'A connection with that id exists', { code: 'Conflict' });
        for (const entry of built) {
          record.connections.set(entry.connection.id, entry);
          state.connectionOwners.set(entry.connection.id, record.user.userId);
        }
        return { status: 201, body: { connectionIds: built.map((entry) => entry.connection.id) } };
      },
    },
    {
      method: 'GET',
      pattern: '/settings',
      handler: () => ({ status: 200, body: state.settings }),
    },
    {
      method: 'POST',
      pattern: '/settings',
      handler: (request) => {
        const patch = parse(settingsSchema, request.json());
        state.settings = { ...state.settings, ...(patch as Partial<MoneyhubSettings>) };
        return { status: 200, body: state.settings };
      },
    },
    {
      method: 'GET',
      pattern: '/syncs-triggered',
      handler: () => ({ status: 200, body: Object.fromEntries(state.syncsTriggered) }),
    },
    {
      method: 'GET',
      pattern: '/tokens',
      handler: () => {
        const now = Date.now();
        return {
          status: 200,
          body: {
            tokens: [...state.tokens.values()].map((token) => ({
              clientId: token.clientId,
              scope: token.scope,
              ...(token.sub === undefined ? {} : { sub: token.sub }),
              issuedAt: new Date(token.issuedAtMs).toISOString(),
              expiresAt: new Date(token.expiresAtMs).toISOString(),
              expired: token.expiresAtMs <= now,
            })),
          },
        };
      },
    },
    {
      method: 'GET',
      pattern: '/tokens/issued-values',
      handler: () => ({ status: 200, body: { values: state.recentlyIssuedValues() } }),
    },
    {
      method: 'POST',
      pattern: '/tokens/expire',
      handler: () => {
        state.expireTokens();
        return { status: 204 };
      },
    },
  ];
}
