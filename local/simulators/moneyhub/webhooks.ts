// Moneyhub's webhooks, simulated in the JWT format: a Security Event Token signed RS256 with the
// key the identity service publishes in its JWKS (`iss` = the issuer, `aud` = the API client,
// `sub` = the user, `events` keyed by URN), POSTed as `application/jwt` when a sync completes, to
// the URL the control API sets (Moneyhub's admin portal, in real life). Sent once, 5 s timeout, no
// retry, like Moneyhub; a control switch drops deliveries to show the TTL backstop.
import { randomUUID } from 'node:crypto';
import { type CryptoKey, type JWTPayload, SignJWT } from 'jose';
import type { Route } from '../harness';
import { SimHttpError } from '../harness';
import type { FetchStatus, MoneyhubState } from './state';

export const moneyhubEventUrn = (name: string) => `urn:com:moneyhub:events:${name}`;

export interface SyncCompleted {
  userId: string;
  connectionId: string;
  syncId: string;
  fetchStatus: FetchStatus;
}

export interface MoneyhubWebhookStats {
  url: string | null;
  clientId: string | null;
  drop: boolean;
  delivered: number;
  failed: number;
  dropped: number;
  lastStatus: number | null;
}

const deliveryTimeoutMs = 5000;

export class MoneyhubWebhooks {
  private target: { url: string; clientId: string } | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private counts = { delivered: 0, failed: 0, dropped: 0, lastStatus: null as number | null };
  drop = false;

  constructor(
    private readonly signingKey: { privateKey: CryptoKey; kid: string },
    private readonly issuer: () => string,
  ) {}

  configure(target: { url: string; clientId: string } | undefined) {
    this.target = target;
  }

  stats(): MoneyhubWebhookStats {
    return {
      url: this.target?.url ?? null,
      clientId: this.target?.clientId ?? null,
      drop: this.drop,
      ...this.counts,
    };
  }

  /** A SET signed with the published key; `header`/`claims` overrides are for tests of the receiver. */
  sign(claims: JWTPayload, header: { kid?: string } = {}) {
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', typ: 'secevent+jwt', kid: header.kid ?? this.signingKey.kid })
      .sign(this.signingKey.privateKey);
  }

  syncCompleted(sync: SyncCompleted) {
    const target = this.target;
    if (!target) return;
    if (this.drop) {
      this.counts.dropped += 1;
      return;
    }
    const delivery = this.deliver(target, sync).finally(() => this.inFlight.delete(delivery));
    this.inFlight.add(delivery);
  }

  private async deliver(target: { url: string; clientId: string }, sync: SyncCompleted) {
    try {
      const token = await this.sign({
        iss: this.issuer(),
        aud: target.clientId,
        sub: sync.userId,
        jti: randomUUID(),
        iat: Math.floor(Date.now() / 1000),
        events: {
          [moneyhubEventUrn('syncCompleted')]: {
            completedAt: new Date().toISOString(),
            processingStatus: sync.fetchStatus === 'success' ? 'success' : 'error',
            syncId: sync.syncId,
            connectionId: sync.connectionId,
          },
        },
      });
      const response = await fetch(target.url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/jwt' },
        body: token,
        signal: AbortSignal.timeout(deliveryTimeoutMs),
      });
      await response.arrayBuffer();
      this.counts.lastStatus = response.status;
      if (response.ok) this.counts.delivered += 1;
      else this.counts.failed += 1;
    } catch {
      this.counts.failed += 1;
    }
  }

  /** Forgets deliveries and the drop switch; the configured URL stays (it is the client's setting). */
  reset() {
    this.counts = { delivered: 0, failed: 0, dropped: 0, lastStatus: null };
    this.drop = false;
  }

  async close() {
    await Promise.allSettled([...this.inFlight]);
  }
}

export function moneyhubWebhookControlRoutes(webhooks: MoneyhubWebhooks, state: MoneyhubState): Route[] {
  return [
    {
      // A sync Moneyhub starts on its own (its daily auto-sync): its completion is announced by webhook.
      method: 'POST',
      pattern: '/connections/:connectionId/sync',
      handler: (request) => {
        const connectionId = request.params.connectionId ?? '';
        const userId = state.connectionOwners.get(connectionId);
        if (userId === undefined) throw new SimHttpError(404, 'Connection not found');
        return { status: 200, body: state.startSync(userId, connectionId) };
      },
    },
    { method: 'GET', pattern: '/webhooks', handler: () => ({ status: 200, body: webhooks.stats() }) },
    {
      method: 'POST',
      pattern: '/webhooks',
      handler: (request) => {
        const body = request.json() as { url?: unknown; clientId?: unknown; drop?: unknown };
        if (typeof body !== 'object' || body === null)
          throw new SimHttpError(400, 'Invalid control request: a JSON object is required');
        if (body.drop !== undefined) {
          if (typeof body.drop !== 'boolean') throw new SimHttpError(400, 'Invalid control request: drop');
          webhooks.drop = body.drop;
        }
        if (body.url === null) webhooks.configure(undefined);
        else if (body.url !== undefined) {
          if (
            typeof body.url !== 'string' ||
            !/^https?:\/\//.test(body.url) ||
            typeof body.clientId !== 'string'
          )
            throw new SimHttpError(
              400,
              'Invalid control request: url (http/https) and clientId are required',
            );
          webhooks.configure({ url: body.url, clientId: body.clientId });
        }
        return { status: 200, body: webhooks.stats() };
      },
    },
    {
      // Signs whatever claims a test of the receiver needs, with the published key (or another kid).
      method: 'POST',
      pattern: '/webhooks/sign',
      handler: async (request) => {
        const body = request.json() as { claims?: JWTPayload; kid?: string };
        if (typeof body?.claims !== 'object' || body.claims === null)
          throw new SimHttpError(400, 'Invalid control request: claims is required');
        return { status: 200, body: { token: await webhooks.sign(body.claims, { kid: body.kid }) } };
      },
    },
  ];
}
