// `npm start`: the whole stack on one machine — dynalite with the cache table, both provider
// simulators seeded with demo users, and serverless-offline serving every route on
// http://127.0.0.1:3000. Ctrl-C stops everything it started. Every route but /health sits behind the
// JWT authorizer: the banner prints a local dev token (local/dev-token.ts) and curls that send it.
// Every fixed port is checked before anything starts; a taken one stops start-up with its variable.
// The handlers' logs are shown readably (`--log-format json` for the raw lines, `--metrics` to see
// the metrics blobs too).
import { parseArgs } from 'node:util';
import { allScopes, localAudience, localIssuer, mintDevToken } from './dev-token';
import { defaultPorts, type PortVariable, portOf } from './endpoints';
import { formatOfflineLine, LogFormat } from './log-format';
import { assertPortsFree, PortInUseError } from './ports';
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

const usage = `Usage: npm start -- [--log-format pretty|json] [--metrics]
  --log-format json   print the handlers' log records as the raw JSON lines they are
  --metrics           also print the metrics (EMF) the handlers write
Ports (environment): ${Object.entries(defaultPorts)
  .map(([variable, port]) => `${variable} ${port}`)
  .join(', ')}`;

function options() {
  const { values } = parseArgs({
    options: {
      'log-format': { type: 'string', default: LogFormat.pretty },
      metrics: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const format = values['log-format'];
  if (format !== LogFormat.pretty && format !== LogFormat.json)
    throw new Error(`--log-format must be pretty or json, not ${format}\n${usage}`);
  return { format, showMetrics: values.metrics, help: values.help };
}

async function main() {
  const logs = options();
  if (logs.help) {
    console.log(usage);
    return;
  }
  const ports = Object.fromEntries(
    Object.keys(defaultPorts).map((variable) => [variable, portOf(variable as PortVariable)]),
  ) as Record<PortVariable, number>;
  await assertPortsFree(ports);
  const httpPort = ports.HTTP_PORT;
  console.log('Starting the local stack (dynalite, Tink and Moneyhub simulators, serverless-offline)…');
  const stack = await startLocalStack({
    dynamoPort: ports.DYNAMODB_PORT,
    tinkPort: ports.TINK_PORT,
    moneyhubPort: ports.MONEYHUB_PORT,
    seedDemo: true,
    offline: {
      httpPort,
      lambdaPort: ports.LAMBDA_PORT,
      echo: (line) => {
        const text = formatOfflineLine(line, logs);
        if (text !== undefined) console.log(text);
      },
    },
  }).catch((error: unknown) => {
    // Taken between the check and the bind: still name the variable.
    const taken = Object.entries(ports).find(([, value]) => String(error).includes(`:${value}`));
    if ((error as { code?: string }).code === 'EADDRINUSE' && taken)
      throw new PortInUseError([{ variable: taken[0], port: taken[1] }]);
    throw error;
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
  void stack.offline?.exited.then(async (how) => {
    if (stopping) return;
    stopping = true;
    console.error(`serverless-offline stopped on its own (${how}): stopping the simulators and dynalite.`);
    await stack.stop();
    process.exit(1);
  });

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
  Tink simulator            ${stack.tink.url}      control routes: ${stack.tink.url}/__control
  Moneyhub simulator        ${stack.moneyhub.url}      control routes: ${stack.moneyhub.url}/__control
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

Sandbox and looking inside (another terminal)
  npm run sandbox -- --help      credentials, connections, failing refreshes, provider outages
  npm run sweep                  run the scheduled refresh now and print its summary
  npm run cache -- scan          the cache table's items (no bodies)

Ctrl-C stops everything.`);
}

main().catch((error) => {
  console.error('The local stack could not start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
