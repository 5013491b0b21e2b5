// Every setting comes from the environment, parsed by the schemas below once per cold start.
// A missing or malformed value fails loudly with the variable's name, never as a provider 401 later.
// Sections are parsed on first use, so a Tink function does not need Moneyhub's settings.
import * as z from 'zod';

const seconds = (fallback: number) => z.coerce.number().int().nonnegative().default(fallback);
const milliseconds = (fallback: number) => z.coerce.number().int().nonnegative().default(fallback);
/** Unset and empty mean the same: serverless.yml writes '' for settings a stage does not use. */
const optionalText = z
  .string()
  .optional()
  .transform((value) => (value === '' ? undefined : value));
const optionalUrl = optionalText.pipe(z.url().optional());

const coreSchema = z.object({
  STAGE: z.string().min(1).default('local'),
  SERVICE_VERSION: z.string().min(1).default('0.0.0'),
  AWS_REGION: z.string().min(1).default('eu-west-1'),
  CACHE_TABLE_NAME: z.string().min(3).max(255),
  /** Only for local DynamoDB (dynalite, DynamoDB Local); unset on AWS. */
  DYNAMODB_ENDPOINT: optionalUrl,
  CACHE_STALE_WINDOW_SECONDS: seconds(600),
  CACHE_JITTER_RATIO: z.coerce.number().min(0).max(0.5).default(0.1),
  CACHE_TTL_TINK_CREDENTIALS_SECONDS: seconds(30),
  CACHE_TTL_TINK_CREDENTIALS_IN_PROGRESS_SECONDS: seconds(2),
  CACHE_TTL_MONEYHUB_USER_SECONDS: seconds(300),
  CACHE_TTL_MONEYHUB_CONNECTIONS_SECONDS: seconds(60),
  CACHE_TTL_MONEYHUB_SYNCS_SECONDS: seconds(30),
  /** Attempts per idempotent provider call, the first included. */
  PROVIDER_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(6).default(3),
  PROVIDER_ATTEMPT_TIMEOUT_MS: milliseconds(5000),
  PROVIDER_RETRY_BASE_MS: milliseconds(100),
  PROVIDER_RETRY_AFTER_CAP_SECONDS: seconds(5),
  /**
   * The largest provider body read (bytes); a larger one is a bad upstream response (502). The
   * largest real answers are a Tink credential list, a Moneyhub connection list and a page of syncs:
   * about 1-2 KB per item, so even a few hundred items stay well under 1 MB. 4 MiB leaves room for
   * that many times over and stays under Lambda's 6 MB response limit, which every answer we pass
   * on must fit (a body over 400 KB is served but not cached: see docs/cache.md).
   */
  PROVIDER_MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(64 * 1024)
    .max(5 * 1024 * 1024)
    .default(4 * 1024 * 1024),
  /** Kept back from the Lambda's remaining time so a handler can still answer 504 itself. */
  DEADLINE_SAFETY_MS: milliseconds(500),
  /**
   * Part of DEADLINE_SAFETY_MS reserved for the cache work after a provider mutation (invalidation,
   * purge), so a provider answer that comes at the deadline cannot leave it no time. Never more
   * than DEADLINE_SAFETY_MS itself.
   */
  CACHE_WORK_RESERVE_MS: milliseconds(300),
  /** Used when there is no Lambda context (scripts, tests calling clients directly). */
  DEFAULT_DEADLINE_MS: milliseconds(10_000),
  REGISTRY_SHARDS: z.coerce.number().int().min(1).max(1000).default(16),
});

const tinkSchema = z.object({
  TINK_BASE_URL: z.url().default('https://api.tink.com'),
  TINK_CLIENT_ID: z.string().min(1),
  TINK_CLIENT_SECRET: optionalText,
  /** SSM parameter (SecureString) holding the client secret; used when TINK_CLIENT_SECRET is unset. */
  TINK_CLIENT_SECRET_PARAMETER: optionalText,
  /** Scopes of the one user token per user that serves every credential operation. */
  TINK_USER_SCOPES: z.string().default('credentials:read,credentials:write,credentials:refresh'),
});

const moneyhubSchema = z.object({
  MONEYHUB_IDENTITY_URL: z.url().default('https://identity.moneyhub.co.uk'),
  MONEYHUB_DATA_API_URL: z.url().default('https://api.moneyhub.co.uk/v3'),
  MONEYHUB_CLIENT_ID: z.string().min(1),
  MONEYHUB_AUTH_METHOD: z.enum(['private_key_jwt', 'client_secret_basic']).default('private_key_jwt'),
  /** The private signing key as a JWK (JSON), with `kid` and `alg`. */
  MONEYHUB_PRIVATE_JWK: optionalText,
  MONEYHUB_PRIVATE_JWK_PARAMETER: optionalText,
  MONEYHUB_CLIENT_SECRET: optionalText,
  MONEYHUB_CLIENT_SECRET_PARAMETER: optionalText,
  MONEYHUB_DELETE_CONNECTION_PATH: z.enum(['singular', 'plural']).default('singular'),
  /**
   * The scope family the connection and sync routes ask for first (`connection:*` or `user:*`);
   * Moneyhub accepts either; the other is the fallback when the token server refuses the first
   * (`invalid_scope`).
   */
  MONEYHUB_CONNECTION_SCOPE_FAMILY: z.enum(['connection', 'user']).default('connection'),
});

const sweepSchema = z.object({
  /** Provider requests per second for one sweep run (every HTTP request, token calls included). */
  SWEEP_RATE_PER_SECOND: z.coerce.number().positive().max(1000).default(5),
  /** Provider requests in flight at once. */
  SWEEP_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(4),
  /** Users visited at once. */
  SWEEP_USER_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(4),
  /** How long a refresh or sync lease is held (covers an at-least-once duplicate run). */
  SWEEP_LEASE_SECONDS: seconds(900),
  /** Stop starting new work this long before the Lambda's deadline. */
  SWEEP_SAFETY_MARGIN_MS: milliseconds(5000),
  /** A settled Tink credential is due when `updated` is older than this. */
  SWEEP_TINK_REFRESH_AFTER_SECONDS: seconds(6 * 60 * 60),
  /** An `ok` Moneyhub connection is due for a sync when `lastUpdated` is older than this. */
  SWEEP_MONEYHUB_SYNC_AFTER_SECONDS: seconds(6 * 60 * 60),
  /** Which providers the sweep visits. */
  SWEEP_PROVIDERS: z
    .string()
    .default('tink,moneyhub')
    .transform((value) =>
      value
        .split(',')
        .map((part) => part.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.enum(['tink', 'moneyhub']))),
});

/** Off unless the stage sets exactly `true`: a typo never turns a safety switch on. */
const enabledFlag = z
  .enum(['true', 'false', ''])
  .optional()
  .transform((value) => value === 'true');

const tinkWebhookSchema = z.object({
  /** The endpoint secret Tink returned at registration (locally); on AWS the SSM parameter below. */
  TINK_WEBHOOK_SECRET: optionalText,
  TINK_WEBHOOK_SECRET_PARAMETER: optionalText,
  /** How old a signed timestamp may be (Tink advises no less than 5 minutes, so redeliveries pass). */
  TINK_WEBHOOK_TOLERANCE_SECONDS: z.coerce.number().int().min(1).max(3600).default(300),
});

const moneyhubWebhookSchema = z.object({
  MONEYHUB_IDENTITY_URL: z.url().default('https://identity.moneyhub.co.uk'),
  MONEYHUB_CLIENT_ID: z.string().min(1),
  /** The `iss` of Moneyhub's signed webhooks; its OIDC discovery document lives under it. */
  MONEYHUB_WEBHOOK_ISSUER: optionalUrl,
  /** How old a signed webhook's `iat` may be; a `jti` is remembered a little longer than this. */
  MONEYHUB_WEBHOOK_IAT_TOLERANCE_SECONDS: z.coerce.number().int().min(1).max(3600).default(300),
  /** The least time between two JWKS fetches, so forged `kid`s cannot make us hammer Moneyhub. */
  MONEYHUB_WEBHOOK_JWKS_COOLDOWN_SECONDS: seconds(30),
  /**
   * Accept Moneyhub's unsigned JSON webhooks. Anyone who knows the URL can then invalidate any
   * user's Moneyhub cache (extra provider calls, never wrong data); off unless a stage opts in.
   */
  MONEYHUB_WEBHOOK_ACCEPT_UNSIGNED_JSON: enabledFlag,
});

export class ConfigError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConfigError';
  }
}

function parseSection<Schema extends z.ZodType>(section: string, schema: Schema): z.output<Schema> {
  const result = schema.safeParse(process.env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
  throw new ConfigError(`Invalid ${section} configuration: ${problems}`, { cause: result.error });
}

function requireOneOf(section: string, env: Record<string, unknown>, names: string[]) {
  if (names.some((name) => env[name] !== undefined)) return;
  throw new ConfigError(`Invalid ${section} configuration: set one of ${names.join(' or ')}`);
}

function memoize<T>(load: () => T): (() => T) & { reset(): void } {
  let value: { current: T } | undefined;
  const get = () => {
    value ??= { current: load() };
    return value.current;
  };
  return Object.assign(get, {
    reset: () => {
      value = undefined;
    },
  });
}

export const coreConfig = memoize(() => parseSection('core', coreSchema));

export const tinkConfig = memoize(() => {
  const env = parseSection('Tink', tinkSchema);
  requireOneOf('Tink', env, ['TINK_CLIENT_SECRET', 'TINK_CLIENT_SECRET_PARAMETER']);
  return env;
});

export const moneyhubConfig = memoize(() => {
  const env = parseSection('Moneyhub', moneyhubSchema);
  if (env.MONEYHUB_AUTH_METHOD === 'private_key_jwt') {
    requireOneOf('Moneyhub', env, ['MONEYHUB_PRIVATE_JWK', 'MONEYHUB_PRIVATE_JWK_PARAMETER']);
  } else {
    requireOneOf('Moneyhub', env, ['MONEYHUB_CLIENT_SECRET', 'MONEYHUB_CLIENT_SECRET_PARAMETER']);
  }
  return env;
});

export const sweepConfig = memoize(() => parseSection('sweep', sweepSchema));

export const tinkWebhookConfig = memoize(() => {
  const env = parseSection('Tink webhook', tinkWebhookSchema);
  requireOneOf('Tink webhook', env, ['TINK_WEBHOOK_SECRET', 'TINK_WEBHOOK_SECRET_PARAMETER']);
  return env;
});

export const moneyhubWebhookConfig = memoize(() => {
  const env = parseSection('Moneyhub webhook', moneyhubWebhookSchema);
  return {
    ...env,
    MONEYHUB_WEBHOOK_ISSUER:
      env.MONEYHUB_WEBHOOK_ISSUER ?? `${env.MONEYHUB_IDENTITY_URL.replace(/\/$/, '')}/oidc`,
  };
});

export type CoreConfig = ReturnType<typeof coreConfig>;
export type TinkConfig = ReturnType<typeof tinkConfig>;
export type MoneyhubConfig = ReturnType<typeof moneyhubConfig>;
export type SweepConfig = ReturnType<typeof sweepConfig>;
export type TinkWebhookConfig = ReturnType<typeof tinkWebhookConfig>;
export type MoneyhubWebhookConfig = ReturnType<typeof moneyhubWebhookConfig>;
