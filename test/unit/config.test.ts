import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, coreConfig, moneyhubConfig, sweepConfig, tinkConfig } from '../../lib/config';

const saved = { ...process.env };

function withEnv(env: Record<string, string | undefined>) {
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  for (const section of [coreConfig, tinkConfig, moneyhubConfig, sweepConfig]) section.reset();
}

afterEach(() => {
  process.env = { ...saved };
  for (const section of [coreConfig, tinkConfig, moneyhubConfig, sweepConfig]) section.reset();
});

describe('Module: config', () => {
  it('applies the documented defaults and coerces numbers', () => {
    withEnv({ CACHE_TABLE_NAME: 'table', CACHE_TTL_MONEYHUB_USER_SECONDS: '120', DYNAMODB_ENDPOINT: '' });
    expect(coreConfig()).toMatchObject({
      CACHE_TTL_TINK_CREDENTIALS_SECONDS: 30,
      CACHE_TTL_TINK_CREDENTIALS_IN_PROGRESS_SECONDS: 2,
      CACHE_TTL_MONEYHUB_USER_SECONDS: 120,
      CACHE_STALE_WINDOW_SECONDS: 600,
      DYNAMODB_ENDPOINT: undefined,
    });
  });

  it('fails at start-up with the name of a missing variable', () => {
    withEnv({ CACHE_TABLE_NAME: undefined });
    expect(() => coreConfig()).toThrow(ConfigError);
    expect(() => coreConfig()).toThrow(/CACHE_TABLE_NAME/);
  });

  it('fails with the name of a malformed variable', () => {
    withEnv({ CACHE_TABLE_NAME: 'table', CACHE_TTL_TINK_CREDENTIALS_SECONDS: 'thirty' });
    expect(() => coreConfig()).toThrow(/CACHE_TTL_TINK_CREDENTIALS_SECONDS/);
  });

  it('requires a Tink secret or the SSM parameter that holds it', () => {
    withEnv({ TINK_CLIENT_ID: 'client', TINK_CLIENT_SECRET: '', TINK_CLIENT_SECRET_PARAMETER: '' });
    expect(() => tinkConfig()).toThrow(/TINK_CLIENT_SECRET or TINK_CLIENT_SECRET_PARAMETER/);
  });

  it('requires a signing key for private_key_jwt and a secret for client_secret_basic', () => {
    withEnv({
      MONEYHUB_CLIENT_ID: 'client',
      MONEYHUB_PRIVATE_JWK: undefined,
      MONEYHUB_PRIVATE_JWK_PARAMETER: undefined,
    });
    expect(() => moneyhubConfig()).toThrow(/MONEYHUB_PRIVATE_JWK/);
    withEnv({ MONEYHUB_AUTH_METHOD: 'client_secret_basic', MONEYHUB_CLIENT_SECRET: undefined });
    expect(() => moneyhubConfig()).toThrow(/MONEYHUB_CLIENT_SECRET/);
    withEnv({ MONEYHUB_AUTH_METHOD: 'mutual_tls' });
    expect(() => moneyhubConfig()).toThrow(/MONEYHUB_AUTH_METHOD/);
  });

  it('reads the sweep providers as a list and refuses unknown ones', () => {
    withEnv({ SWEEP_PROVIDERS: 'tink, moneyhub' });
    expect(sweepConfig().SWEEP_PROVIDERS).toEqual(['tink', 'moneyhub']);
    withEnv({ SWEEP_PROVIDERS: 'tink,plaid' });
    expect(() => sweepConfig()).toThrow(/SWEEP_PROVIDERS/);
  });
});
