// How the Tink client explains Tink's refusals of its grant, exchange and token requests. A scope
// the Tink app is not entitled to is the caller's business when the caller asked for it (403 naming
// it) and a configuration error when this service did; any other refusal of a request this service
// makes for itself is never the caller's fault (502). Tink's own words reach one bounded log line
// only (through the logger's redaction), never a caller.
import { logger } from '../../observability';
import { ProviderError, ProviderFailure } from '../errors';
import type { ProviderRequest, ProviderResponse } from '../transport';
import { parseTinkErrorBody } from './schemas';

/** Tink's words for an app that may not use a scope: "Client … isn't allowed to use the scope …". */
const entitlementWords = /(isn't|is not|not) allowed to use the scope/i;
const maxLoggedProviderMessageLength = 300;

/**
 * The requested scopes a refusal names (a scope is named when it appears whole in the message);
 * all of them when the message names none we asked for. Only our own validated input comes back.
 */
function scopesNamedIn(message: string, requested: readonly string[]): string[] {
  const named = requested.filter((scope) => {
    const at = message.indexOf(scope);
    if (at < 0) return false;
    const around = `${message[at - 1] ?? ' '}${message[at + scope.length] ?? ' '}`;
    return !/[a-z0-9._:-]/i.test(around);
  });
  return named.length > 0 ? named : [...requested];
}

/** The scopes an entitlement refusal names, or undefined when the 401 is not one. */
export function entitlementRefusal(
  response: ProviderResponse,
  requested: readonly string[],
): string[] | undefined {
  const message = parseTinkErrorBody(response.text).message ?? '';
  return entitlementWords.test(message) ? scopesNamedIn(message, requested) : undefined;
}

/** The caller asked for a scope this service's Tink app may not use: 403, the scope named. */
export function scopeNotAllowed(request: ProviderRequest, response: ProviderResponse, scopes: string[]) {
  logger.info('Tink refused a requested scope: the app is not entitled to it', {
    operation: request.operation,
    scopes,
    providerRequestId: response.providerRequestId,
  });
  return refusal(
    request,
    response,
    ProviderFailure.scopeNotAllowed,
    `Tink does not allow this service's app to use the scope ${scopes.join(', ')}`,
  );
}

/**
 * A scope this service asks for its own user tokens (TINK_USER_SCOPES, or `user:delete` for a
 * deletion) is one the Tink app may not use: a configuration error, logged here once.
 */
export function configuredScopeRefused(
  request: ProviderRequest,
  response: ProviderResponse,
  scopes: string[],
) {
  logger.error('The Tink app is not entitled to a scope this service needs (TINK_USER_SCOPES, user:delete)', {
    operation: request.operation,
    scopes,
    providerRequestId: response.providerRequestId,
  });
  return refusal(
    request,
    response,
    ProviderFailure.misconfigured,
    "This service's Tink configuration asks for a scope its Tink app may not use; the caller is not at fault",
  );
}

/**
 * Tink refused a request this service made for itself (its token, or a grant or exchange behind a
 * read): our configuration's fault, never the caller's. Tink's words go to this one log line
 * (bounded, through the logger's redaction), never to the caller.
 */
export function refusedOwnRequest(request: ProviderRequest, response: ProviderResponse): ProviderError {
  const body = parseTinkErrorBody(response.text);
  logger.error("Tink refused this service's own request", {
    operation: request.operation,
    providerStatus: response.status,
    providerCode: body.code,
    providerMessage: body.message?.slice(0, maxLoggedProviderMessageLength),
    providerRequestId: response.providerRequestId,
  });
  return refusal(
    request,
    response,
    ProviderFailure.credentialsRejected,
    `The provider refused this service's own request (status ${response.status}); the caller is not at fault`,
    body.code,
  );
}

/** The error a refusal becomes: our own detail, Tink's status, request id and (if any) code. */
function refusal(
  request: ProviderRequest,
  response: ProviderResponse,
  failure: ProviderFailure,
  detail: string,
  providerCode?: string,
): ProviderError {
  return new ProviderError({
    provider: 'tink',
    operation: request.operation,
    failure,
    detail,
    providerStatus: response.status,
    providerRequestId: response.providerRequestId,
    providerCode,
  });
}
