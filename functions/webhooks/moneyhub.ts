import { createHandler } from '../../lib/http/handler';
import { receiveMoneyhubWebhook } from '../../lib/webhooks/receive';
import { moneyhubWebhookReceiver } from '../../lib/webhooks/receivers';
import { webhookResponse } from './responses';

const receiver = moneyhubWebhookReceiver();

export const handler = createHandler({
  operation: 'webhooks.moneyhub',
  rawBody: true,
  sensitive: true,
  run: async ({ rawBody, headers, call }) =>
    webhookResponse(
      await receiveMoneyhubWebhook(receiver, { rawBody, contentType: headers['content-type'], call }),
    ),
});
