// Moneyhub's signed webhooks: a Security Event Token (`application/jwt`, RS256 with a `kid`) whose
// key is in Moneyhub's JWKS, found through OIDC discovery under the issuer. The discovery document
// is read once per process; jose's remote key set caches the keys, fetches them again for a `kid`
// it does not know, and never more often than the cooldown (a forged `kid` costs one fetch at most).
import {
  createRemoteJWKSet,
  decodeProtectedHeader,
  type JWTPayload,
  errors as joseErrors,
  jwtVerify,
} from 'jose';
import * as z from 'zod';
import { moneyhubUserId } from '../ids';
import { MoneyhubDiscoveryError } from './errors';

export const SetRejection = {
  malformed: 'jwt-malformed',
  algorithm: 'jwt-algorithm',
  kidMissing: 'jwt-kid-missing',
  kidUnknown: 'jwt-kid-unknown',
  signature: 'signature-mismatch',
  issuer: 'jwt-issuer',
  audience: 'jwt-audience',
  issuedAt: 'timestamp-outside-tolerance',
  expired: 'jwt-expired',
  claims: 'jwt-claims',
} as const;
export type SetRejection = (typeof SetRejection)[keyof typeof SetRejection];

const setClaims = z.object({
  jti: z.string().min(1).max(256),
  sub: moneyhubUserId,
  iat: z.number().int(),
  events: z.record(z.string().max(256), z.unknown()),
});
export type MoneyhubSetClaims = z.infer<typeof setClaims>;

export type SetVerdict = { valid: true; claims: MoneyhubSetClaims } | { valid: false; reason: SetRejection };

export interface MoneyhubSetVerifierOptions {
  issuer: string;
  /** Our client id: the `aud` every token must carry. */
  audience: string;
  /** How old `iat` may be (a token is never taken from further ahead than the clock skew). */
  toleranceSeconds: number;
  jwksCooldownMs: number;
  /** Per HTTP request to discovery or the JWKS. */
  fetchTimeoutMs?: number;
}

/** Clocks differ a little: `exp`, `nbf` and a future `iat` are judged with this much leeway. */
const clockSkewSeconds = 5;

const discoveryDocument = z.object({ issuer: z.string(), jwks_uri: z.url() });

function claimRejection(claim: string): SetRejection {
  if (claim === 'iss') return SetRejection.issuer;
  if (claim === 'aud') return SetRejection.audience;
  if (claim === 'iat') return SetRejection.issuedAt;
  return SetRejection.claims;
}

export class MoneyhubSetVerifier {
  private keys: Promise<ReturnType<typeof createRemoteJWKSet>> | undefined;

  constructor(private readonly options: MoneyhubSetVerifierOptions) {}

  async verify(token: string, nowMs: number): Promise<SetVerdict> {
    let header: ReturnType<typeof decodeProtectedHeader>;
    try {
      header = decodeProtectedHeader(token);
    } catch {
      return { valid: false, reason: SetRejection.malformed };
    }
    if (header.alg !== 'RS256') return { valid: false, reason: SetRejection.algorithm };
    if (typeof header.kid !== 'string' || header.kid === '')
      return { valid: false, reason: SetRejection.kidMissing };

    const keys = await this.keySet();
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        issuer: this.options.issuer,
        audience: this.options.audience,
        algorithms: ['RS256'],
        requiredClaims: ['iat', 'jti', 'sub'],
        maxTokenAge: this.options.toleranceSeconds,
        clockTolerance: clockSkewSeconds,
        currentDate: new Date(nowMs),
      }));
    } catch (error) {
      return { valid: false, reason: this.rejectionFor(error) };
    }
    const claims = setClaims.safeParse(payload);
    if (!claims.success) return { valid: false, reason: SetRejection.claims };
    // jose lets the skew leeway stretch the maximum age too; the tolerance is meant exactly.
    if (nowMs / 1000 - claims.data.iat > this.options.toleranceSeconds)
      return { valid: false, reason: SetRejection.issuedAt };
    return { valid: true, claims: claims.data };
  }

  private rejectionFor(error: unknown): SetRejection {
    if (error instanceof joseErrors.JWTExpired) return SetRejection.expired;
    if (error instanceof joseErrors.JWTClaimValidationFailed) return claimRejection(error.claim);
    if (error instanceof joseErrors.JWKSNoMatchingKey) return SetRejection.kidUnknown;
    if (error instanceof joseErrors.JWKSMultipleMatchingKeys) return SetRejection.kidUnknown;
    if (error instanceof joseErrors.JWSSignatureVerificationFailed) return SetRejection.signature;
    if (error instanceof joseErrors.JOSEAlgNotAllowed) return SetRejection.algorithm;
    if (error instanceof joseErrors.JWKSTimeout || error instanceof joseErrors.JWKSInvalid) throw error;
    if (error instanceof joseErrors.JOSEError) return SetRejection.malformed;
    // Anything else is our side failing (the JWKS unreachable): not the sender's fault.
    throw error;
  }

  /** The issuer's JWKS, located through its discovery document (read again after a failure). */
  private keySet() {
    this.keys ??= this.discover().catch((error) => {
      this.keys = undefined;
      throw error;
    });
    return this.keys;
  }

  private async discover() {
    const timeoutMs = this.options.fetchTimeoutMs ?? 2000;
    const url = `${this.options.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
    let document: z.infer<typeof discoveryDocument>;
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
      if (!response.ok) throw new MoneyhubDiscoveryError(`OIDC discovery answered ${response.status}`);
      document = discoveryDocument.parse(await response.json());
    } catch (error) {
      if (error instanceof MoneyhubDiscoveryError) throw error;
      throw new MoneyhubDiscoveryError('OIDC discovery failed', { cause: error });
    }
    if (document.issuer !== this.options.issuer)
      throw new MoneyhubDiscoveryError('OIDC discovery names another issuer than the one configured');
    return createRemoteJWKSet(new URL(document.jwks_uri), {
      cooldownDuration: this.options.jwksCooldownMs,
      timeoutDuration: timeoutMs,
    });
  }
}

/** `urn:com:moneyhub:events:syncCompleted` → `syncCompleted` (the URN prefix is unconfirmed). */
export const eventName = (key: string) => key.slice(key.lastIndexOf(':') + 1);
