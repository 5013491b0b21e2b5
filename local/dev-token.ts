// Local dev tokens for the JWT authorizer. serverless-offline (with `ignoreJWTSignature`) checks the
// issuer, audience, expiry and the route's scopes of a bearer token, but never its signature, so these
// are signed HS256 with a random key made per process and thrown away: they prove nothing and are
// accepted nowhere but the local stack. On AWS, API Gateway verifies tokens against the stage's
// issuer (its JWKS); nothing here is used there.
//
//   npm run -s token                                      # every scope
//   npm run -s token -- --scope open-banking-users/read  # only reading (short form: --scope read)
import { randomBytes, randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { SignJWT } from 'jose';

/** serverless.yml `params.local.jwtIssuer` and `jwtAudience`: the e2e lane fails if they drift. */
export const localIssuer = 'https://local-issuer.open-banking-users.invalid';
export const localAudience = 'open-banking-users-local';

/** serverless.yml `custom.scopes`: the three classes of route. */
export const apiScopes = {
  read: 'open-banking-users/read',
  write: 'open-banking-users/write',
  tokens: 'open-banking-users/tokens',
} as const;
export const allScopes: readonly string[] = Object.values(apiScopes);

const defaultLifetimeSeconds = 12 * 60 * 60;
const signingKey = randomBytes(32);

export interface DevTokenOptions {
  /** Scopes granted (the `scope` claim, space-separated); default all three. An empty list omits the claim. */
  scopes?: readonly string[];
  /** Seconds until `exp`; negative for a token that has already expired. Default 12 h. */
  expiresInSeconds?: number;
  issuer?: string;
  audience?: string;
  subject?: string;
}

export function mintDevToken(options: DevTokenOptions = {}): Promise<string> {
  const nowSeconds = Math.floor(Date.now() / 1000);
  const scopes = options.scopes ?? allScopes;
  const expiresAt = nowSeconds + (options.expiresInSeconds ?? defaultLifetimeSeconds);
  return new SignJWT(scopes.length > 0 ? { scope: scopes.join(' ') } : {})
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(options.issuer ?? localIssuer)
    .setAudience(options.audience ?? localAudience)
    .setSubject(options.subject ?? 'local-developer')
    .setIssuedAt(Math.min(nowSeconds, expiresAt))
    .setExpirationTime(expiresAt)
    .setJti(randomUUID())
    .sign(signingKey);
}

/** `read`, `write` and `tokens` stand for the full scope names; anything else is passed as given. */
export function scopeNamed(name: string): string {
  return (apiScopes as Record<string, string>)[name] ?? name;
}

async function main() {
  const { values } = parseArgs({
    options: {
      scope: { type: 'string', multiple: true },
      'expires-in': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.error(
      `Usage: npm run -s token [-- --scope <scope> ...] [--expires-in <seconds>]\n` +
        `Prints a local dev JWT for the local stack (signature not checked there). Scopes: ${allScopes.join(', ')}` +
        ` (or read, write, tokens); default all three.`,
    );
    return;
  }
  const scopes = values.scope?.flatMap((value) => value.split(/[\s,]+/).filter(Boolean)).map(scopeNamed);
  const expiresIn = values['expires-in'] === undefined ? undefined : Number(values['expires-in']);
  if (expiresIn !== undefined && !Number.isInteger(expiresIn))
    throw new Error('--expires-in must be a whole number of seconds');
  for (const scope of scopes ?? []) {
    if (!allScopes.includes(scope)) console.error(`note: ${scope} is not a scope any route asks for`);
  }
  console.log(await mintDevToken({ scopes, expiresInSeconds: expiresIn }));
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
