// `npm start`: the whole stack on one machine — dynalite with the cache table, both provider
// simulators seeded with demo users, and serverless-offline serving every route on
// http://127.0.0.1:3000. Ctrl-C stops everything it started. Every route but /health sits behind the
// JWT authorizer: the banner prints a local dev token (local/dev-token.ts) and curls that send it.
import { allScopes, localAudience, localIssuer, mintDevToken } from './dev-token';
import {
  demoConnectionIds,
  demoDataDescription as moneyhubDemo,
  demoUserIds as moneyhubUsers,
} from './simulators/moneyhub/demo-data';
import {
  demoCredentialIds,
  demoDataDescription as tinkDemo,
  demoUserIds as tinkUsers,
} from './simulators/tink';
import { startLocalStack } from './stack';

const port = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

async function main() {
  const httpPort = port('HTTP_PORT', 3000);
  console.log('Starting the local stack (dynalite, Tink and Moneyhub simulators, serverless-offline)…');
  const stack = await startLocalStack({
    dynamoPort: port('DYNAMODB_PORT', 8000),
    tinkPort: port('TINK_PORT', 4010),
    moneyhubPort: port('MONEYHUB_PORT', 4020),
    seedDemo: true,
    offline: { httpPort, lambdaPort: port('LAMBDA_PORT', 3002), echo: process.env.OFFLINE_ECHO === '1' },
  });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping serverless-offline, the simulators and dynalite…`);
    await stack.stop();
    console.log('Stopped.');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  const api = stack.offline?.url ?? `http://127.0.0.1:${httpPort}`;
  const moneyhubConnection = encodeURIComponent(demoConnectionIds.aliceOk);
  // A local-only dev token (HS256, a key of this process; offline never checks signatures): fine to print.
  const token = await mintDevToken();
  const auth = '-H "Authorization: Bearer $TOKEN"';
  console.log(`
open-banking-users — local stack is up
  API (serverless-offline)  ${api}
  Lambda invoke endpoint    ${stack.offline?.lambdaUrl}
  DynamoDB (dynalite)       ${stack.dynamo.endpoint}  table ${stack.tableName}
  Tink simulator            ${stack.tink.url}      control: ${stack.tink.url}/__control/calls
  Moneyhub simulator        ${stack.moneyhub.url}      OIDC: ${stack.moneyhub.url}/oidc/.well-known/openid-configuration
  Webhooks                  both simulators POST to ${api}/webhooks/{tink,moneyhub} when a refresh or sync finishes

Demo data
${tinkDemo}

${moneyhubDemo}

Auth (JWT authorizer; locally serverless-offline checks issuer, audience, expiry and scopes, not signatures)
  issuer ${localIssuer}   audience ${localAudience}
  scopes ${allScopes.join(', ')}
  A dev token with every scope, valid 12 h:
    export TOKEN=${token}
  Another, e.g. read-only:  export TOKEN=$(npm run -s token -- --scope read)

Try
  curl -s ${api}/health
  curl -si ${auth} ${api}/tink/users/${tinkUsers.alice}/credentials
  curl -si ${auth} ${api}/tink/users/${tinkUsers.bob}/credentials/${demoCredentialIds.bobOpenBanking}
  curl -si ${auth} -X POST ${api}/tink/users/${tinkUsers.bob}/credentials/${demoCredentialIds.bobOpenBanking}/refresh
  curl -si ${auth} -X POST ${api}/tink/users -H 'content-type: application/json' -d '{"market":"SE","locale":"sv_SE"}'
  curl -si ${auth} ${api}/moneyhub/users/${moneyhubUsers.alice}
  curl -si ${auth} ${api}/moneyhub/users/${moneyhubUsers.alice}/connections/${moneyhubConnection}
  curl -si ${auth} '${api}/moneyhub/users/${moneyhubUsers.alice}/syncs?limit=5&offset=0'
  curl -si ${api}/tink/users/${tinkUsers.alice}/credentials    # no token: 401

Ctrl-C stops everything.`);
}

main().catch((error) => {
  console.error('The local stack could not start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
