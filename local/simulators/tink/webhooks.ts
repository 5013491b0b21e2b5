// Tink's webhooks, simulated: endpoints registered through the real route
// (`POST /events/v2/webhook-endpoints`, client token with scope `webhook-endpoints`; the secret is
// in that answer only), and a signed `refresh:finished` POSTed to each subscribed endpoint when a
// refresh finishes, on-demand or a control-API "background" one. Signing follows Tink's scheme,
// written out here on its own: `X-Tink-Signature: t=<unix s>,v1=hex(HMAC-SHA256(secret, t + "." + body))`.
// Like Tink, delivery is best effort; a control switch drops deliveries to show the TTL backstop.
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import type { Route, SimRequest } from '../harness';
import { SimHttpError } from '../harness';
import { authorize } from './auth';
import type { RefreshStarted, TinkState } from './state';

export interface WebhookEndpoint {
  id: string;
  url: string;
  description: string;
  enabledEvents: string[];
  disabled: boolean;
  createdAt: string;
}

export interface WebhookDeliveryStats {
  delivered: number;
  failed: number;
  dropped: number;
  /** The status each endpoint last answered with, by endpoint id. */
  lastStatus: Record<string, number>;
}

const deliveryTimeoutMs = 5000;
const badRequest = (message: string) => new SimHttpError(400, message, { errorCode: 'request.invalid' });

export class TinkWebhooks {
  private readonly endpoints = new Map<string, WebhookEndpoint & { secret: string }>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<void>>();
  private stats: WebhookDeliveryStats = { delivered: 0, failed: 0, dropped: 0, lastStatus: {} };
  /** Deliveries are dropped (never sent) while set: a lost webhook, as in Tink's 2025 incident. */
  drop = false;

  constructor(private readonly state: TinkState) {
    state.onRefreshStarted = (started) => this.schedule(started);
  }

  register(input: { url: string; description?: string; enabledEvents: string[]; disabled?: boolean }) {
    const endpoint = {
      id: randomUUID().replace(/-/g, ''),
      url: input.url,
      description: input.description ?? '',
      enabledEvents: input.enabledEvents,
      disabled: input.disabled ?? false,
      createdAt: new Date(this.state.now()).toISOString(),
      secret: randomBytes(24).toString('hex'),
    };
    this.endpoints.set(endpoint.id, endpoint);
    return endpoint;
  }

  list(): WebhookEndpoint[] {
    return [...this.endpoints.values()].map(({ secret: _secret, ...endpoint }) => endpoint);
  }

  deliveries(): WebhookDeliveryStats {
    return { ...this.stats, lastStatus: { ...this.stats.lastStatus } };
  }

  /** A background refresh, as Tink runs every few hours: started here, announced when it finishes. */
  backgroundRefresh(credentialId: string) {
    const credential = this.state.dumpCredential(credentialId);
    if (!credential) throw new SimHttpError(404, 'Credential not found');
    return this.state.refreshCredential(
      credential.userId,
      credentialId,
      { items: [], authenticate: false, body: null },
      'background',
    );
  }

  private schedule(started: RefreshStarted) {
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        this.refreshFinished(started);
      },
      Math.max(0, started.finishAtMs - this.state.now()),
    );
    timer.unref();
    this.timers.add(timer);
  }

  private refreshFinished(started: RefreshStarted) {
    let status: string;
    try {
      // Reading the credential applies the finished refresh (the state is evaluated lazily).
      status = this.state.getCredential(started.userId, started.credentialId).status;
    } catch {
      return; // deleted while it refreshed: nothing to announce
    }
    const user = this.state.dumpUser(started.userId);
    const credential = this.state.dumpCredential(started.credentialId);
    const body = JSON.stringify({
      context: { userId: started.userId, externalUserId: user?.externalUserId ?? null },
      content: {
        credentialsId: started.credentialId,
        credentialsStatus: `STATUS_${status}`,
        finished: this.state.now(),
        sessionExpiryDate: credential?.sessionExpiryDate ?? null,
        source: started.source === 'background' ? 'OPERATION_SOURCE_BACKGROUND' : 'OPERATION_SOURCE_API',
        status: `STATUS_${status}`,
      },
      event: 'refresh:finished',
    });
    this.publish('refresh:finished', body);
  }

  private publish(event: string, body: string) {
    for (const endpoint of this.endpoints.values()) {
      if (endpoint.disabled || !endpoint.enabledEvents.includes(event)) continue;
      if (this.drop) {
        this.stats.dropped += 1;
        continue;
      }
      const delivery = this.deliver(endpoint, body).finally(() => this.inFlight.delete(delivery));
      this.inFlight.add(delivery);
    }
  }

  private async deliver(endpoint: WebhookEndpoint & { secret: string }, body: string) {
    const timestamp = Math.floor(this.state.now() / 1000);
    const v1 = createHmac('sha256', endpoint.secret).update(`${timestamp}.${body}`).digest('hex');
    try {
      const response = await fetch(endpoint.url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Tink-Signature': `t=${timestamp},v1=${v1}` },
        body,
        signal: AbortSignal.timeout(deliveryTimeoutMs),
      });
      await response.arrayBuffer();
      this.stats.lastStatus[endpoint.id] = response.status;
      if (response.ok) this.stats.delivered += 1;
      else this.stats.failed += 1;
    } catch {
      this.stats.failed += 1;
    }
  }

  /** Forgets deliveries and the drop switch; endpoints stay registered (they belong to the app). */
  reset() {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.stats = { delivered: 0, failed: 0, dropped: 0, lastStatus: {} };
    this.drop = false;
  }

  async close() {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await Promise.allSettled([...this.inFlight]);
  }
}

function parseRegistration(request: SimRequest) {
  const body = request.json();
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw badRequest('The request body must be a JSON object');
  const input = body as Record<string, unknown>;
  if (typeof input.url !== 'string' || !/^https?:\/\//.test(input.url))
    throw badRequest('url must be an http(s) URL');
  if (
    !Array.isArray(input.enabledEvents) ||
    input.enabledEvents.length === 0 ||
    !input.enabledEvents.every((event) => typeof event === 'string' && event.length > 0)
  )
    throw badRequest('enabledEvents must list at least one event');
  if (input.description !== undefined && typeof input.description !== 'string')
    throw badRequest('description must be a string');
  if (input.disabled !== undefined && typeof input.disabled !== 'boolean')
    throw badRequest('disabled must be a boolean');
  return {
    url: input.url,
    enabledEvents: input.enabledEvents as string[],
    description: input.description as string | undefined,
    disabled: input.disabled as boolean | undefined,
  };
}

export function tinkWebhookRoutes(state: TinkState, webhooks: TinkWebhooks): Route[] {
  return [
    {
      method: 'POST',
      pattern: '/events/v2/webhook-endpoints',
      handler: (request) => {
        authorize(state.auth, request, { scope: 'webhook-endpoints', kind: 'client' });
        return { status: 200, body: webhooks.register(parseRegistration(request)) };
      },
    },
  ];
}

export function tinkWebhookControlRoutes(webhooks: TinkWebhooks): Route[] {
  return [
    {
      method: 'GET',
      pattern: '/webhooks',
      handler: () => ({
        status: 200,
        body: { endpoints: webhooks.list(), drop: webhooks.drop, ...webhooks.deliveries() },
      }),
    },
    {
      method: 'POST',
      pattern: '/webhooks',
      handler: (request) => {
        const body = request.json() as { drop?: unknown };
        if (typeof body !== 'object' || body === null || typeof body.drop !== 'boolean')
          throw new SimHttpError(400, 'Invalid control request: drop must be a boolean');
        webhooks.drop = body.drop;
        return { status: 200, body: { drop: webhooks.drop } };
      },
    },
    {
      method: 'POST',
      pattern: '/credentials/:id/background-refresh',
      handler: (request) => ({ status: 200, body: webhooks.backgroundRefresh(request.params.id ?? '') }),
    },
  ];
}
