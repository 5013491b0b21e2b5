// How both webhook routes answer an outcome: 204 when taken, and problem+json refusals that never
// say which check failed.
import {
  DependencyUnavailableError,
  RequestValidationError,
  UnauthenticatedError,
} from '../../lib/http/problem';
import { emptyResponse, type HttpResult } from '../../lib/http/responses';
import { WebhookOutcome, type WebhookResult } from '../../lib/webhooks/receive';

export function webhookResponse(result: WebhookResult): HttpResult {
  switch (result.outcome) {
    case WebhookOutcome.accepted:
      return emptyResponse(204);
    case WebhookOutcome.unreadable:
      throw new RequestValidationError([
        { location: 'body', field: '', message: 'The body is not a webhook message this service reads' },
      ]);
    case WebhookOutcome.unavailable:
      throw new DependencyUnavailableError('The webhook could not be applied. Deliver it again.');
    default:
      throw new UnauthenticatedError();
  }
}
