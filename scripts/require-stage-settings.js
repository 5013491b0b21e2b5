// A Serverless plugin: `sls package` / `sls deploy` for any stage but `local` stops with an error
// while the JWT authorizer or the provider client ids are still serverless.yml's placeholders.
// Otherwise such a stack deploys fine and answers every call with a 401 (or a provider 502).
'use strict';

/** Placeholders in serverless.yml `params.default` start with `set-` (the issuer's host too). */
const isPlaceholder = (value) => {
  const text = String(value ?? '');
  if (text === '' || text.startsWith('set-')) return true;
  try {
    return new URL(text).hostname.startsWith('set-');
  } catch {
    return false;
  }
};

class RequireStageSettings {
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = { 'before:package:initialize': () => this.check() };
  }

  check() {
    const stage = this.serverless.getProvider('aws').getStage();
    if (stage === 'local') return;
    const provider = this.serverless.service.provider;
    const authorizer = provider.httpApi?.authorizers?.jwtAuthorizer ?? {};
    // Each provider's settings, as serverless.yml gives them to that provider's functions.
    const environment = this.serverless.service.custom?.environment ?? {};
    const settings = [
      ['jwtIssuer', 'JWT_ISSUER', authorizer.issuerUrl],
      ['jwtAudience', 'JWT_AUDIENCE', [].concat(authorizer.audience ?? [])[0]],
      ['tinkClientId', 'TINK_CLIENT_ID', environment.tink?.TINK_CLIENT_ID],
      ['moneyhubClientId', 'MONEYHUB_CLIENT_ID', environment.moneyhub?.MONEYHUB_CLIENT_ID],
    ];
    const missing = settings.filter(([, , value]) => isPlaceholder(value));
    if (missing.length === 0) return;
    const names = missing.map(([param, variable]) => `${param} (${variable}=…)`).join(', ');
    throw new this.serverless.classes.Error(
      `Stage "${stage}" still has placeholder settings: ${names}. Set them in the environment or in a ` +
        `params.${stage} block of serverless.yml (README, "Deploying"); a stack built with them answers every call with 401.`,
    );
  }
}

module.exports = RequireStageSettings;
