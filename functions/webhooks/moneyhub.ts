import { responseCache } from '../../lib/cache';
import { coreConfig, moneyhubWebhookConfig } from '../../lib/config';
import { createHandler } from '../../lib/http/handler';
import { dynamoDocumentClient } from '../../lib/table/client';
import { MoneyhubSetVerifier } from '../../lib/webhooks/moneyhub-set';
import { receiveMoneyhubWebhook } from '../../lib/webhooks/receive';
import { ReplayGuard } from '../../lib/webhooks/replay-guard';
import { webhookResponse } from './responses';

const config = moneyhubWebhookConfig();
const receiver = {
  cache: responseCache(),
  verifier: new MoneyhubSetVerifier({
    issuer: config.MONEYHUB_WEBHOOK_ISSUER,
    audience: config.MONEYHUB_CLIENT_ID,
    toleranceSeconds: config.MONEYHUB_WEBHOOK_IAT_TOLERANCE_SECONDS,
    jwksCooldownMs: config.MONEYHUB_WEBHOOK_JWKS_COOLDOWN_SECONDS * 1000,
  }),
  replayGuard: new ReplayGuard(dynamoDocumentClient(), coreConfig().CACHE_TABLE_NAME),
  toleranceSeconds: config.MONEYHUB_WEBHOOK_IAT_TOLERANCE_SECONDS,
  acceptUnsignedJson: config.MONEYHUB_WEBHOOK_ACCEPT_UNSIGNED_JSON,
};

export const handler = createHandler({
  operation: 'webhooks.moneyhub',
  rawBody: true,
  sensitive: true,
  run: async ({ rawBody, headers, call }) =>
    webhookResponse(
      await receiveMoneyhubWebhook(receiver, { rawBody, contentType: headers['content-type'], call }),
    ),
});
