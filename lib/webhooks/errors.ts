/** The table that remembers webhook ids could not be written: the webhook can be neither accepted nor refused. */
export class WebhookStoreUnavailableError extends Error {
  constructor(options?: { cause?: unknown }) {
    super('The webhook replay guard could not record the event', options);
    this.name = 'WebhookStoreUnavailableError';
  }
}

/** Moneyhub's OIDC discovery document could not be read or did not describe the configured issuer. */
export class MoneyhubDiscoveryError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MoneyhubDiscoveryError';
  }
}
