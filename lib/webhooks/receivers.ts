// The process's webhook receivers, built from configuration on first use: what each webhook route
// hands its request to (as lib/providers/<provider>/index.ts does for the provider operations).
import { responseCache } from '../cache';
import { coreConfig, moneyhubWebhookConfig, tinkWebhookConfig } from '../config';
import { resolveSecret } from '../secrets';
import { dynamoDocumentClient } from '../table/client';
import { MoneyhubSetVerifier } from './moneyhub-set';
import type { MoneyhubWebhookReceiver, TinkWebhookReceiver } from './receive';
import { ReplayGuard } from './replay-guard';

let tink: TinkWebhookReceiver | undefined;
let moneyhub: MoneyhubWebhookReceiver | undefined;

export function tinkWebhookReceiver(): TinkWebhookReceiver {
  if (!tink) {
    const config = tinkWebhookConfig();
    tink = {
      cache: responseCache(),
      secret: () =>
        resolveSecret(
          'TINK_WEBHOOK_SECRET',
          config.TINK_WEBHOOK_SECRET,
          config.TINK_WEBHOOK_SECRET_PARAMETER,
        ),
      toleranceSeconds: config.TINK_WEBHOOK_TOLERANCE_SECONDS,
    };
  }
  return tink;
}

export function moneyhubWebhookReceiver(): MoneyhubWebhookReceiver {
  if (!moneyhub) {
    const config = moneyhubWebhookConfig();
    moneyhub = {
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
  }
  return moneyhub;
}
