// The Tink simulator: a stateful, in-memory stand-in for api.tink.com on loopback, faithful to
// docs/providers.md and controllable through /__control (see control.ts and the shared harness).
import { startSimulator } from '../harness';
import type { TinkClient } from './auth';
import type { TinkSeed } from './control';
import { seedUsers, tinkControlRoutes } from './control';
import { TinkSimulatorControl } from './control-client';
import { TinkErrorCode } from './error-codes';
import { tinkRoutes } from './routes';
import type { SeedResult, TinkSettings } from './state';
import { TinkState } from './state';
import { TinkWebhooks, tinkWebhookControlRoutes, tinkWebhookRoutes } from './webhooks';

export interface TinkSimulatorOptions {
  port?: number;
  clients: TinkClient[];
  refreshDurationMs?: number;
  deleteSettleMs?: number;
  codeTtlMs?: number;
  /** Any other setting's starting value (also what `/__control/reset` returns to). */
  settings?: Partial<TinkSettings>;
  /** Users to create at start (and not again after a reset). */
  seed?: TinkSeed;
  /** The clock; a test may pin it. */
  now?: () => number;
}

export interface TinkSimulator {
  url: string;
  port: number;
  /** A SimulatorControl with typed helpers for the Tink control routes. */
  control: TinkSimulatorControl;
  /** The in-memory world, for in-process callers (the local start script, benchmarks). */
  state: TinkState;
  /** Registered webhook endpoints and deliveries (in-process access for the local stack). */
  webhooks: TinkWebhooks;
  seed(seed: TinkSeed): SeedResult;
  calls(): Record<string, number>;
  close(): Promise<void>;
}

const defaultErrorCodes: Record<number, string> = {
  400: TinkErrorCode.badRequest,
  401: TinkErrorCode.unauthorized,
  403: TinkErrorCode.forbidden,
  404: 'request.not_found',
  405: 'request.method_not_allowed',
  409: 'request.conflict',
  413: 'request.too_large',
  429: TinkErrorCode.rateLimited,
};

/** OAuth endpoints answer `{error, error_description}`; everything else Tink's `{errorMessage, errorCode}`. */
function tinkErrorBody(status: number, message: string, _requestId: string, extra: Record<string, unknown>) {
  const { oauthError, errorCode, ...rest } = extra;
  if (typeof oauthError === 'string') return { error: oauthError, error_description: message };
  return {
    errorMessage: message,
    errorCode:
      typeof errorCode === 'string' ? errorCode : (defaultErrorCodes[status] ?? `server.error_${status}`),
    ...rest,
  };
}

export async function startTinkSimulator(options: TinkSimulatorOptions): Promise<TinkSimulator> {
  const settings: Partial<TinkSettings> = { ...options.settings };
  if (options.refreshDurationMs !== undefined) settings.refreshDurationMs = options.refreshDurationMs;
  if (options.deleteSettleMs !== undefined) settings.deleteSettleMs = options.deleteSettleMs;
  if (options.codeTtlMs !== undefined) settings.codeTtlMs = options.codeTtlMs;
  const state = new TinkState(options.clients, settings, options.now);
  if (options.seed) seedUsers(state, options.seed);
  const webhooks = new TinkWebhooks(state);

  const running = await startSimulator({
    name: 'tink',
    port: options.port,
    routes: [...tinkRoutes(state), ...tinkWebhookRoutes(state, webhooks)],
    controlRoutes: [...tinkControlRoutes(state), ...tinkWebhookControlRoutes(webhooks)],
    errorBody: tinkErrorBody,
    requestIdHeader: 'X-Request-ID',
    echoHeaders: ['X-Client-Trace-ID'],
    onReset: () => {
      state.reset();
      webhooks.reset();
    },
  });

  return {
    url: running.url,
    port: running.port,
    control: new TinkSimulatorControl(running.url),
    state,
    webhooks,
    seed: (seed) => seedUsers(state, seed),
    calls: running.calls,
    close: async () => {
      await webhooks.close();
      await running.close();
    },
  };
}

export type { TinkClient } from './auth';
export { documentedTinkScopes } from './auth';
export type { TinkSeed } from './control';
export { TinkSimulatorControl } from './control-client';
export { buildDemoSeed, demoClient, demoCredentialIds, demoDataDescription, demoUserIds } from './demo-data';
export { TinkErrorCode } from './error-codes';
export type {
  CredentialDump,
  CredentialPatch,
  SeedCredential,
  SeedResult,
  SeedUser,
  TinkCredential,
  TinkSettings,
  UserDump,
} from './state';
export { CredentialStatus } from './state';
export type { WebhookDeliveryStats, WebhookEndpoint } from './webhooks';
