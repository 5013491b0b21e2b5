// The typed client of the Moneyhub simulator's control routes (control.ts), for tests and the start
// script.
import { SimulatorControl } from '../harness';
import type { SeededUser, SeedRequest, SettingsPatch } from './control';
import type {
  ClientRegistration,
  ConnectionSync,
  FetchStatus,
  MoneyhubSettings,
  MoneyhubUser,
  UserConnection,
} from './state';
import type { MoneyhubWebhookStats } from './webhooks';

export interface UserStateDump {
  user: MoneyhubUser;
  connections: Array<UserConnection & { syncOutcome?: FetchStatus }>;
  syncs: ConnectionSync[];
  syncsTriggered: Record<string, number>;
}

export interface TokenDump {
  clientId: string;
  scope: string;
  sub?: string;
  issuedAt: string;
  expiresAt: string;
  expired: boolean;
}

/** The control API of the Moneyhub simulator, typed. */
export class MoneyhubSimulatorControl extends SimulatorControl {
  /** Where sync completions are POSTed (as signed SETs for `clientId`), and delivery counts. */
  async configureWebhooks(target: { url: string | null; clientId?: string; drop?: boolean }) {
    return (await this.send('POST', '/webhooks', target)) as MoneyhubWebhookStats;
  }
  async webhooks() {
    return (await this.send('GET', '/webhooks')) as MoneyhubWebhookStats;
  }
  /** While `drop` is set, webhook deliveries are lost (never sent). */
  async dropWebhooks(drop: boolean) {
    return (await this.send('POST', '/webhooks', { drop })) as MoneyhubWebhookStats;
  }
  /** Starts a sync as Moneyhub's own schedule would (no API client involved); announced by webhook. */
  async startSync(connectionId: string) {
    return (await this.send('POST', `/connections/${encodeURIComponent(connectionId)}/sync`)) as {
      syncId: string;
      status: string;
    };
  }
  /** A SET signed with the simulator's published key (or naming another `kid`), for receiver tests. */
  async signWebhook(claims: Record<string, unknown>, kid?: string): Promise<string> {
    return ((await this.send('POST', '/webhooks/sign', { claims, kid })) as { token: string }).token;
  }
  async registerClient(client: ClientRegistration) {
    return (await this.send('POST', '/clients', client)) as {
      clientId: string;
      tokenEndpointAuthMethod: string;
      signingAlg: string;
    };
  }
  removeClient(clientId: string) {
    return this.send('DELETE', `/clients/${encodeURIComponent(clientId)}`);
  }
  async seed(request: SeedRequest): Promise<SeededUser[]> {
    return ((await this.send('POST', '/seed', request)) as { users: SeededUser[] }).users;
  }
  async settings(patch: SettingsPatch = {}): Promise<MoneyhubSettings> {
    return (await this.send('POST', '/settings', patch)) as MoneyhubSettings;
  }
  async user(userId: string): Promise<UserStateDump> {
    return (await this.send('GET', `/users/${encodeURIComponent(userId)}`)) as UserStateDump;
  }
  async syncsTriggered(): Promise<Record<string, number>> {
    return (await this.send('GET', '/syncs-triggered')) as Record<string, number>;
  }
  async tokens(): Promise<TokenDump[]> {
    return ((await this.send('GET', '/tokens')) as { tokens: TokenDump[] }).tokens;
  }
  expireTokens() {
    return this.send('POST', '/tokens/expire');
  }
  /** The access tokens issued and client assertions received lately, to prove none of them leaked. */
  async issuedValues(): Promise<string[]> {
    return ((await this.send('GET', '/tokens/issued-values')) as { values: string[] }).values;
  }
}
