// Moneyhub's responses as docs/providers.md describes them. Loose objects: a field Moneyhub adds
// tomorrow is kept and passed through; only what this service relies on is required (Moneyhub's own
// client's types have drifted from its responses, so the rest is typed but optional and nullable).
import * as z from 'zod';
import type { ProviderErrorBody } from '../error-body';
import { parseErrorBody } from '../error-body';

const text = z.string().nullish();

export const moneyhubTokenResponse = z.looseObject({
  access_token: z.string().min(1),
  token_type: z.string().min(1),
  expires_in: z.number().positive(),
  scope: z.string().optional(),
});
export type MoneyhubTokenResponse = z.output<typeof moneyhubTokenResponse>;

export const moneyhubUser = z.looseObject({
  userId: z.string().min(1),
  clientUserId: text,
  clientId: text,
  createdAt: text,
  updatedAt: text,
  scopes: text,
  managedBy: text,
  lastAccessed: text,
  deletedAt: text,
  userType: text,
  clientName: text,
  connectionIds: z.array(z.string()).nullish(),
});
export type MoneyhubUser = z.output<typeof moneyhubUser>;

export const userConnection = z.looseObject({
  id: z.string().min(1),
  name: text,
  type: text,
  connectedOn: text,
  accountIds: z.array(z.string()).nullish(),
  status: text,
  extendedStatus: text,
  lastUpdated: text,
  expiresAt: text,
  error: text,
});
export type UserConnection = z.output<typeof userConnection>;

export const connectionSync = z.looseObject({
  id: z.string().min(1),
  connectionId: text,
  action: text,
  method: text,
  fetchStatus: text,
  createdAt: text,
  fetchedAt: text,
  accounts: z.array(z.looseObject({ providerId: text, accountId: text })).nullish(),
});
export type ConnectionSync = z.output<typeof connectionSync>;

/** `{data: T[], meta?, links?}`: the envelope of every Moneyhub list. */
const listEnvelope = <Item extends z.ZodType>(item: Item) =>
  z.looseObject({
    data: z.array(item),
    meta: z
      .looseObject({
        limit: z.number().nullish(),
        offset: z.number().nullish(),
        total: z.number().nullish(),
      })
      .nullish(),
    links: z.looseObject({ self: text, next: text, prev: text }).nullish(),
  });

export const userConnectionList = listEnvelope(userConnection);
export type UserConnectionList = z.output<typeof userConnectionList>;

export const connectionSyncList = listEnvelope(connectionSync);
export type ConnectionSyncList = z.output<typeof connectionSyncList>;

/**
 * `POST {data API}/sync/{connectionId}`: `{data: {status: "ok" | "error", …}, links, meta}` (the
 * sync itself finishes later). A `syncId` may come too; nothing here relies on it.
 */
export const syncStarted = z.looseObject({
  data: z.looseObject({ status: text, syncId: text }),
  links: z.looseObject({ self: text }).nullish(),
  meta: z.looseObject({}).nullish(),
});
export type SyncStarted = z.output<typeof syncStarted>;

/** Moneyhub's `{code, message, correlationId}`, OAuth's `{error, error_description}`, or plain text. */
export function parseMoneyhubErrorBody(text: string): ProviderErrorBody {
  return parseErrorBody(text, {
    message: ['message', 'error_description', 'error'],
    code: ['code', 'error'],
    requestId: ['correlationId'],
  });
}
