import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, moneyhubWebhookConfig, tinkWebhookConfig } from '../../lib/config';

const saved = { ...process.env };

function withEnv(env: Record<string, string | undefined>) {
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  tinkWebhookConfig.reset();
  moneyhubWebhookConfig.reset();
}

afterEach(() => {
  process.env = { ...saved };
  tinkWebhookConfig.reset();
  moneyhubWebhookConfig.reset();
});

describe('Module: config (webhooks)', () => {
  it('needs the Tink webhook secret or its SSM parameter, and defaults the tolerance to 5 minutes', () => {
    withEnv({ TINK_WEBHOOK_SECRET: undefined, TINK_WEBHOOK_SECRET_PARAMETER: '' });
    expect(() => tinkWebhookConfig()).toThrow(ConfigError);
    expect(() => tinkWebhookConfig()).toThrow(/TINK_WEBHOOK_SECRET or TINK_WEBHOOK_SECRET_PARAMETER/);

    withEnv({ TINK_WEBHOOK_SECRET_PARAMETER: '/open-banking-users/dev/tink/webhook-secret' });
    expect(tinkWebhookConfig()).toMatchObject({ TINK_WEBHOOK_TOLERANCE_SECONDS: 300 });
  });

  it('derives the Moneyhub webhook issuer from the identity URL and keeps unsigned JSON off', () => {
    withEnv({ MONEYHUB_CLIENT_ID: 'client', MONEYHUB_IDENTITY_URL: 'https://identity.example/' });
    expect(moneyhubWebhookConfig()).toMatchObject({
      MONEYHUB_WEBHOOK_ISSUER: 'https://identity.example/oidc',
      MONEYHUB_WEBHOOK_IAT_TOLERANCE_SECONDS: 300,
      MONEYHUB_WEBHOOK_JWKS_COOLDOWN_SECONDS: 30,
      MONEYHUB_WEBHOOK_ACCEPT_UNSIGNED_JSON: false,
    });
  });

  it('turns unsigned JSON on only for exactly "true", and refuses anything but true/false', () => {
    withEnv({ MONEYHUB_CLIENT_ID: 'client', MONEYHUB_WEBHOOK_ACCEPT_UNSIGNED_JSON: 'true' });
    expect(moneyhubWebhookConfig().MONEYHUB_WEBHOOK_ACCEPT_UNSIGNED_JSON).toBe(true);
    withEnv({ MONEYHUB_WEBHOOK_ACCEPT_UNSIGNED_JSON: 'yes' });
    expect(() => moneyhubWebhookConfig()).toThrow(/MONEYHUB_WEBHOOK_ACCEPT_UNSIGNED_JSON/);
  });
});
