import { responseCache } from '../../lib/cache';
import { tinkWebhookConfig } from '../../lib/config';
import { createHandler } from '../../lib/http/handler';
import { resolveSecret } from '../../lib/providers/secrets';
import { receiveTinkWebhook } from '../../lib/webhooks/receive';
import { webhookResponse } from './responses';

const config = tinkWebhookConfig();
const receiver = {
  cache: responseCache(),
  secret: () =>
    resolveSecret('TINK_WEBHOOK_SECRET', config.TINK_WEBHOOK_SECRET, config.TINK_WEBHOOK_SECRET_PARAMETER),
  toleranceSeconds: config.TINK_WEBHOOK_TOLERANCE_SECONDS,
};

export const handler = createHandler({
  operation: 'webhooks.tink',
  rawBody: true,
  sensitive: true,
  run: async ({ rawBody, headers, call }) =>
    webhookResponse(
      await receiveTinkWebhook(receiver, { rawBody, signatureHeader: headers['x-tink-signature'], call }),
    ),
});
