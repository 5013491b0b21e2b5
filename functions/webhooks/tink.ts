import { createHandler } from '../../lib/http/handler';
import { receiveTinkWebhook } from '../../lib/webhooks/receive';
import { tinkWebhookReceiver } from '../../lib/webhooks/receivers';
import { webhookResponse } from './responses';

const receiver = tinkWebhookReceiver();

export const handler = createHandler({
  operation: 'webhooks.tink',
  rawBody: true,
  sensitive: true,
  run: async ({ rawBody, headers, call }) =>
    webhookResponse(
      await receiveTinkWebhook(receiver, { rawBody, signatureHeader: headers['x-tink-signature'], call }),
    ),
});
