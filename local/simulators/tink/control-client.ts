// Typed access to the Tink simulator's control routes, for tests and the local start script.
import { SimulatorControl } from '../harness';
import type { TokenKind } from './auth';
import type { TinkSeed } from './control';
import type {
  CredentialDump,
  CredentialPatch,
  SeedCredential,
  SeedResult,
  TinkSettings,
  UserDump,
} from './state';
import type { WebhookDeliveryStats, WebhookEndpoint } from './webhooks';

export class TinkSimulatorControl extends SimulatorControl {
  async seed(seed: TinkSeed): Promise<SeedResult> {
    return (await this.send('POST', '/seed', seed)) as SeedResult;
  }
  async users(): Promise<{
    count: number;
    users: Array<{ userId: string; externalUserId: string | null; market: string; credentialCount: number }>;
  }> {
    return (await this.send('GET', '/users')) as Awaited<ReturnType<TinkSimulatorControl['users']>>;
  }
  /** The user's state dump; rejects (404) once the user is gone. */
  async user(userId: string): Promise<UserDump> {
    return (await this.send('GET', `/users/${encodeURIComponent(userId)}`)) as UserDump;
  }
  async addCredentials(userId: string, credentials: SeedCredential[]): Promise<string[]> {
    const result = await this.send('POST', `/users/${encodeURIComponent(userId)}/credentials`, {
      credentials,
    });
    return (result as { credentialIds: string[] }).credentialIds;
  }
  async credential(credentialId: string): Promise<CredentialDump> {
    return (await this.send('GET', `/credentials/${encodeURIComponent(credentialId)}`)) as CredentialDump;
  }
  async setCredential(credentialId: string, patch: CredentialPatch): Promise<CredentialDump> {
    return (await this.send(
      'POST',
      `/credentials/${encodeURIComponent(credentialId)}`,
      patch,
    )) as CredentialDump;
  }
  /** Accepted (started) refreshes per credential id since the last reset. */
  async refreshes(): Promise<Record<string, number>> {
    return (await this.send('GET', '/refreshes')) as Record<string, number>;
  }
  async clearRefreshes() {
    await this.send('DELETE', '/refreshes');
  }
  async settings(patch?: Partial<TinkSettings>): Promise<TinkSettings> {
    return (await (patch
      ? this.send('POST', '/settings', patch)
      : this.send('GET', '/settings'))) as TinkSettings;
  }
  async tokens(): Promise<{
    issued: { client_credentials: number; authorization_code: number };
    active: { client: number; user: number };
  }> {
    return (await this.send('GET', '/tokens')) as Awaited<ReturnType<TinkSimulatorControl['tokens']>>;
  }
  /** Sets the scopes an app is entitled to (null: the documented table), until the next reset. */
  async setEntitlements(clientId: string, scopes: string[] | null) {
    await this.send('PUT', `/clients/${encodeURIComponent(clientId)}/scopes`, { scopes });
  }
  /** The access tokens and authorization codes issued lately, to prove none of them leaked. */
  async issuedValues(): Promise<string[]> {
    return ((await this.send('GET', '/tokens/issued-values')) as { values: string[] }).values;
  }
  /** Every (or every client/user) token answers 401 from now on. */
  async expireTokens(kind?: TokenKind): Promise<number> {
    return ((await this.send('POST', '/tokens/expire', kind ? { kind } : {})) as { expired: number }).expired;
  }
  /** Registered webhook endpoints (without secrets), the drop switch and delivery counts. */
  async webhooks(): Promise<{ endpoints: WebhookEndpoint[]; drop: boolean } & WebhookDeliveryStats> {
    return (await this.send('GET', '/webhooks')) as Awaited<ReturnType<TinkSimulatorControl['webhooks']>>;
  }
  /** While `drop` is set, webhook deliveries are lost (never sent). */
  async dropWebhooks(drop: boolean): Promise<void> {
    await this.send('POST', '/webhooks', { drop });
  }
  /** Starts a refresh as Tink's own background schedule would; its end is announced by webhook. */
  async backgroundRefresh(credentialId: string): Promise<void> {
    await this.send('POST', `/credentials/${encodeURIComponent(credentialId)}/background-refresh`);
  }
}
