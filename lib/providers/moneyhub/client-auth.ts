// How this service authenticates to Moneyhub's token endpoint. Production: `private_key_jwt`, a
// short-lived assertion signed with the configured private JWK (RFC 7523), fresh for every attempt
// because Moneyhub accepts each `jti` once. Development: `client_secret_basic`. Keys, secrets and
// assertions never leave this module except inside the token request itself.
import { randomUUID } from 'node:crypto';
import { type CryptoKey, importJWK, type JWK, SignJWT } from 'jose';
import { ConfigError, type MoneyhubConfig } from '../../config';
import { resolveSecret } from '../../secrets';

export const clientAssertionType = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** The algorithms Moneyhub accepts for client assertions. */
export const assertionAlgs = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
] as const;

/** A short lifetime: Moneyhub's docs use 60 s, and a leaked assertion is useless soon after. */
export const assertionLifetimeSeconds = 60;

export interface ClientAuthentication {
  readonly method: 'private_key_jwt' | 'client_secret_basic';
  /** Headers of a token request (HTTP Basic credentials). */
  headers(): Promise<Record<string, string>>;
  /** Form fields of one token request attempt; called for every attempt, so an assertion is never re-sent. */
  form(): Promise<Record<string, string>>;
}

export interface SigningKey {
  key: CryptoKey | Uint8Array;
  alg: string;
  kid?: string;
}

export interface AssertionClaims {
  clientId: string;
  /** Moneyhub's issuer (`…/oidc`); the token endpoint URL is accepted too. */
  audience: string;
  jti?: string;
  issuedAtSeconds?: number;
  lifetimeSeconds?: number;
}

const curveAlgs: Record<string, string> = { 'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512' };

function algOf(jwk: JWK): string {
  const alg =
    jwk.alg ?? (jwk.kty === 'RSA' ? 'RS256' : jwk.kty === 'EC' ? curveAlgs[jwk.crv ?? ''] : undefined);
  if (!alg || !(assertionAlgs as readonly string[]).includes(alg)) {
    throw new ConfigError(
      `Invalid Moneyhub configuration: MONEYHUB_PRIVATE_JWK must be an RSA or EC key for one of ${assertionAlgs.join(', ')}`,
    );
  }
  return alg;
}

/**
 * Imports the private JWK (JSON text). Errors name the setting and never quote it: the parser's
 * own messages would echo part of the key.
 */
export async function importSigningKey(jwkJson: string): Promise<SigningKey> {
  let jwk: JWK;
  try {
    jwk = JSON.parse(jwkJson) as JWK;
  } catch {
    throw new ConfigError('Invalid Moneyhub configuration: MONEYHUB_PRIVATE_JWK is not JSON');
  }
  if (typeof jwk !== 'object' || jwk === null || typeof jwk.d !== 'string') {
    throw new ConfigError('Invalid Moneyhub configuration: MONEYHUB_PRIVATE_JWK must be a private JWK');
  }
  const alg = algOf(jwk);
  try {
    return { key: await importJWK(jwk, alg), alg, ...(jwk.kid ? { kid: jwk.kid } : {}) };
  } catch {
    throw new ConfigError(`Invalid Moneyhub configuration: MONEYHUB_PRIVATE_JWK is not a usable ${alg} key`);
  }
}

/** A client assertion: header `{alg, kid}`, `iss` = `sub` = the client id, `aud`, a fresh `jti`, `iat`, `exp`. */
export function signClientAssertion(signingKey: SigningKey, claims: AssertionClaims): Promise<string> {
  const issuedAtSeconds = claims.issuedAtSeconds ?? Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({
      alg: signingKey.alg,
      typ: 'JWT',
      ...(signingKey.kid ? { kid: signingKey.kid } : {}),
    })
    .setIssuer(claims.clientId)
    .setSubject(claims.clientId)
    .setAudience(claims.audience)
    .setJti(claims.jti ?? randomUUID())
    .setIssuedAt(issuedAtSeconds)
    .setExpirationTime(issuedAtSeconds + (claims.lifetimeSeconds ?? assertionLifetimeSeconds))
    .sign(signingKey.key);
}

/** Loads a value once; a failed load is not remembered, so the next call tries again. */
function once<T>(load: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= load().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}

export function privateKeyJwt(options: {
  clientId: string;
  audience: string;
  privateJwk: () => Promise<string>;
}): ClientAuthentication {
  const signingKey = once(async () => importSigningKey(await options.privateJwk()));
  return {
    method: 'private_key_jwt',
    headers: async () => ({}),
    form: async () => ({
      client_id: options.clientId,
      client_assertion_type: clientAssertionType,
      client_assertion: await signClientAssertion(await signingKey(), {
        clientId: options.clientId,
        audience: options.audience,
      }),
    }),
  };
}

/** RFC 6749 §2.3.1: each half is form-urlencoded before base64. */
const formEncode = (value: string) => new URLSearchParams({ v: value }).toString().slice(2);

export function clientSecretBasic(options: {
  clientId: string;
  clientSecret: () => Promise<string>;
}): ClientAuthentication {
  return {
    method: 'client_secret_basic',
    headers: async () => {
      const pair = `${formEncode(options.clientId)}:${formEncode(await options.clientSecret())}`;
      return { Authorization: `Basic ${Buffer.from(pair).toString('base64')}` };
    },
    form: async () => ({}),
  };
}

/** The authentication the configuration selects (MONEYHUB_AUTH_METHOD); its secret is read when a token is requested. */
export function authenticationFrom(moneyhub: MoneyhubConfig): ClientAuthentication {
  const clientId = moneyhub.MONEYHUB_CLIENT_ID;
  if (moneyhub.MONEYHUB_AUTH_METHOD === 'client_secret_basic') {
    return clientSecretBasic({
      clientId,
      clientSecret: () =>
        resolveSecret(
          'MONEYHUB_CLIENT_SECRET',
          moneyhub.MONEYHUB_CLIENT_SECRET,
          moneyhub.MONEYHUB_CLIENT_SECRET_PARAMETER,
        ),
    });
  }
  return privateKeyJwt({
    clientId,
    audience: `${moneyhub.MONEYHUB_IDENTITY_URL.replace(/\/$/, '')}/oidc`,
    privateJwk: () =>
      resolveSecret(
        'MONEYHUB_PRIVATE_JWK',
        moneyhub.MONEYHUB_PRIVATE_JWK,
        moneyhub.MONEYHUB_PRIVATE_JWK_PARAMETER,
      ),
  });
}
