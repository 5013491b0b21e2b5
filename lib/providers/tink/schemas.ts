// Tink's responses as docs/providers.md describes them. Loose objects: a field Tink adds tomorrow is
// kept and passed through, never a failure; a field we rely on that is missing or mistyped is.
import * as z from 'zod';
import type { ProviderErrorBody } from '../error-body';
import { parseErrorBody } from '../error-body';

/** Credential statuses during which a refresh is under way (the cache keeps them briefly). */
export const inProgressStatuses: ReadonlySet<string> = new Set(['CREATED', 'AUTHENTICATING', 'UPDATING']);

const epochMs = z.number().int().nonnegative();

export const tinkTokenResponse = z.looseObject({
  access_token: z.string().min(1),
  token_type: z.string().min(1),
  expires_in: z.number().positive(),
  scope: z.string().optional(),
  id_hint: z.string().optional(),
});
export type TinkTokenResponse = z.output<typeof tinkTokenResponse>;

export const tinkCreatedUser = z.looseObject({
  user_id: z.string().min(1),
  external_user_id: z.string().nullable().optional(),
});
export type TinkCreatedUser = z.output<typeof tinkCreatedUser>;

export const tinkAuthorizationCode = z.looseObject({ code: z.string().min(1) });

export const tinkCredential = z.looseObject({
  id: z.string().min(1),
  status: z.string().min(1),
  providerName: z.string().optional(),
  type: z.string().optional(),
  statusPayload: z.string().nullable().optional(),
  statusUpdated: epochMs.nullable().optional(),
  updated: epochMs.nullable().optional(),
  fields: z.record(z.string(), z.unknown()).nullable().optional(),
  supplementalInformation: z.string().nullable().optional(),
  sessionExpiryDate: epochMs.nullable().optional(),
  userId: z.string().optional(),
});
export type TinkCredential = z.output<typeof tinkCredential>;

export const tinkCredentialList = z.looseObject({ credentials: z.array(tinkCredential) });
export type TinkCredentialList = z.output<typeof tinkCredentialList>;

/** A registered webhook endpoint; `secret` is in this answer only (Tink never shows it again). */
export const tinkWebhookEndpoint = z.looseObject({
  id: z.string().min(1),
  url: z.string(),
  enabledEvents: z.array(z.string()),
  secret: z.string().min(1),
});
export type TinkWebhookEndpoint = z.output<typeof tinkWebhookEndpoint>;

/** Tink's error bodies: `{errorMessage, errorCode}`, OAuth's `{error, error_description}`, or plain text. */
export function parseTinkErrorBody(text: string): ProviderErrorBody {
  return parseErrorBody(text, {
    message: ['errorMessage', 'error_description', 'message', 'error'],
    code: ['errorCode', 'error'],
  });
}
