// Points both simulators' webhooks at the local API, as an operator would at the providers: a Tink
// webhook endpoint registered for the events that invalidate (its secret goes to the handlers'
// environment only), and Moneyhub's webhook URL set for the demo API client, in the JWT format.
import { tinkEnabledEvents } from '../lib/webhooks/tink-events';
import type { MoneyhubSimulator } from './simulators/moneyhub';
import type { TinkSimulator } from './simulators/tink';

export function connectWebhooks(
  simulators: { tink: TinkSimulator; moneyhub: MoneyhubSimulator },
  apiUrl: string,
  moneyhubClientId: string,
): Record<string, string> {
  const endpoint = simulators.tink.webhooks.register({
    url: `${apiUrl}/webhooks/tink`,
    description: 'local stack',
    enabledEvents: [...tinkEnabledEvents],
  });
  simulators.moneyhub.webhooks.configure({ url: `${apiUrl}/webhooks/moneyhub`, clientId: moneyhubClientId });
  return { TINK_WEBHOOK_SECRET: endpoint.secret };
}
