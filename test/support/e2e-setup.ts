// The e2e lane: the whole local stack — dynalite, both simulators, serverless-offline running the
// esbuild bundles — started once, on ports of its own, and stopped by PID at the end. Tests reach
// the API at E2E_BASE_URL and the simulators' control API at TINK_SIMULATOR_URL / MONEYHUB_SIMULATOR_URL.
import { freePort } from '../../local/ports';
import { startLocalStack } from '../../local/stack';

export default async function setup() {
  // Ports the OS picks, so parallel runs (and a running `npm start`) never collide.
  const httpPort = Number(process.env.E2E_HTTP_PORT ?? (await freePort()));
  const lambdaPort = await freePort();
  const stack = await startLocalStack({
    seedDemo: true,
    // The name serverless.yml gives the table on stage `local`: its provider.environment sets
    // CACHE_TABLE_NAME for the handlers, over the stack's environment. This dynalite is the lane's own.
    tableName: 'open-banking-users-local-cache',
    // Bundling every function takes minutes on a busy machine: wait up to five.
    offline: { httpPort, lambdaPort, timeoutMs: 300_000 },
    env: { POWERTOOLS_LOG_LEVEL: 'WARN', POWERTOOLS_METRICS_DISABLED: 'true' },
  });
  Object.assign(process.env, {
    E2E_BASE_URL: stack.offline?.url,
    E2E_LAMBDA_URL: stack.offline?.lambdaUrl,
    TINK_SIMULATOR_URL: stack.tink.url,
    MONEYHUB_SIMULATOR_URL: stack.moneyhub.url,
    DYNAMODB_ENDPOINT: stack.dynamo.endpoint,
    CACHE_TABLE_NAME: stack.tableName,
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
  });
  return async () => {
    await stack.stop();
  };
}
