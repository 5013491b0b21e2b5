// The Moneyhub simulator: one loopback server playing the identity service (OIDC discovery, JWKS,
// token endpoint, /users…) at its root and the data API under /v3, built on the shared harness.
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import { startSimulator } from '../harness';
import { applySeed, moneyhubControlRoutes, type SeededUser, type SeedRequest } from './control';
import { MoneyhubSimulatorControl } from './control-client';
import { type MoneyhubUrls, moneyhubRoutes } from './routes';
import {
  type ClientRegistration,
  type DeleteConnectionPath,
  defaultSettings,
  type MoneyhubSettings,
  MoneyhubState,
  type RegisteredClient,
  type ScopeFamily,
} from './state';
import { MoneyhubWebhooks, moneyhubWebhookControlRoutes } from './webhooks';

export interface MoneyhubSimulatorOptions {
  port?: number;
  clients?: ClientRegistration[];
  scopeFamily?: ScopeFamily;
  deleteConnectionPath?: DeleteConnectionPath;
  /** Any other setting; `/__control/reset` returns to these. */
  settings?: Partial<MoneyhubSettings>;
  seed?: SeedRequest;
}

export interface MoneyhubSimulator {
  /** Identity service root: `/users…`, `/oidc/…`. */
  url: string;
  port: number;
  issuer: string;
  tokenEndpoint: string;
  jwksUri: string;
  /** The data API base a client is configured with (`${url}/v3`). */
  dataApiUrl: string;
  control: MoneyhubSimulatorControl;
  /** What the initial seed created. */
  seeded: SeededUser[];
  registerClient(client: ClientRegistration): RegisteredClient;
  seed(request: SeedRequest): SeededUser[];
  /** Where sync completions are announced, and their deliveries (in-process, for the local stack). */
  webhooks: MoneyhubWebhooks;
  close(): Promise<void>;
}

const errorCodes: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  413: 'PayloadTooLarge',
  429: 'TooManyRequests',
  502: 'ExternalProvider',
};

/** Moneyhub's error body: `{code, message, correlationId}`; 5xx add `statusCode`. */
function errorBody(status: number, message: string, requestId: string, extra: Record<string, unknown>) {
  const { code, ...rest } = extra;
  return {
    code:
      typeof code === 'string' ? code : (errorCodes[status] ?? (status >= 500 ? 'InternalServer' : 'Error')),
    message,
    correlationId: requestId,
    ...(status >= 500 ? { statusCode: status } : {}),
    ...rest,
  };
}

export async function startMoneyhubSimulator(
  options: MoneyhubSimulatorOptions = {},
): Promise<MoneyhubSimulator> {
  const state = new MoneyhubState({
    ...defaultSettings,
    ...options.settings,
    ...(options.scopeFamily === undefined ? {} : { scopeFamily: options.scopeFamily }),
    ...(options.deleteConnectionPath === undefined
      ? {}
      : { deleteConnectionPath: options.deleteConnectionPath }),
  });
  for (const client of options.clients ?? []) state.registerClient(client);

  // The simulator's own signing key: published at /oidc/certs like Moneyhub's; it signs webhooks.
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const publicJwk = await exportJWK(publicKey);
  publicJwk.kid = await calculateJwkThumbprint(publicJwk);
  publicJwk.alg = 'RS256';
  publicJwk.use = 'sig';

  const urls: MoneyhubUrls = { url: '', issuer: '', tokenEndpoint: '', jwksUri: '' };
  const webhooks = new MoneyhubWebhooks({ privateKey, kid: publicJwk.kid }, () => urls.issuer);
  state.onSyncCompleted = (sync) => webhooks.syncCompleted(sync);
  const simulator = await startSimulator({
    name: 'moneyhub',
    port: options.port,
    routes: moneyhubRoutes(state, urls, publicJwk),
    controlRoutes: [...moneyhubControlRoutes(state), ...moneyhubWebhookControlRoutes(webhooks, state)],
    errorBody,
    onReset: () => {
      state.reset();
      webhooks.reset();
    },
  });
  Object.assign(urls, {
    url: simulator.url,
    issuer: `${simulator.url}/oidc`,
    tokenEndpoint: `${simulator.url}/oidc/token`,
    jwksUri: `${simulator.url}/oidc/certs`,
  });
  const seeded = options.seed ? applySeed(state, options.seed) : [];

  return {
    url: urls.url,
    port: simulator.port,
    issuer: urls.issuer,
    tokenEndpoint: urls.tokenEndpoint,
    jwksUri: urls.jwksUri,
    dataApiUrl: `${urls.url}/v3`,
    control: new MoneyhubSimulatorControl(urls.url),
    seeded,
    registerClient: (client) => state.registerClient(client),
    seed: (request) => applySeed(state, request),
    webhooks,
    close: async () => {
      state.close();
      await webhooks.close();
      await simulator.close();
    },
  };
}

export { clientAssertionType } from './auth';
export type { SeededUser, SeedRequest, SettingsPatch } from './control';
export type { TokenDump, UserStateDump } from './control-client';
export { MoneyhubSimulatorControl } from './control-client';
export {
  buildDemoSeed,
  demoClientId,
  demoConnectionIds,
  demoDataDescription,
  demoUserIds,
  type GeneratedClientKey,
  generateClientKey,
} from './demo-data';
export type {
  ClientRegistration,
  ConnectionSync,
  MoneyhubSettings,
  MoneyhubUser,
  UserConnection,
} from './state';
export type { MoneyhubWebhookStats } from './webhooks';
export { MoneyhubWebhooks, moneyhubEventUrn } from './webhooks';
