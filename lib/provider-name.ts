// The providers this service fronts. A module of its own so the registry, the sweep and the HTTP
// layer can name a provider without importing a provider client.
export type ProviderName = 'tink' | 'moneyhub';
