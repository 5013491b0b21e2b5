// `npm run sandbox -- <command>`: shape the running local stack's provider simulators the way a
// test would — give a user credentials or connections, make refreshes fail, take a provider down —
// through the simulators' control API (`GET /__control` on each lists every route).
import { parseArgs } from 'node:util';
import { localEndpoints } from './endpoints';
import { SimulatorControl } from './simulators/harness';

const usage = `Usage: npm run sandbox -- <command> [options]

Commands
  routes [--provider tink|moneyhub]
      list each simulator's control routes (GET /__control)
  tink-credential --user <tinkUserId> [--status UPDATED] [--provider-name se-demobank-password]
                  [--type PASSWORD] [--refresh-outcome UPDATED]
      add a credential in that status to a Tink user (e.g. one made with POST /tink/users); prints its id
  moneyhub-connection --user <moneyhubUserId> [--status ok|error|never] [--error <code>]
                      [--sync-outcome success|error|partial|mfa-required|credentials-error]
      add a connection to a Moneyhub user; prints its id
  fail-refresh --credential <tinkCredentialId> [--outcome TEMPORARY_ERROR]
      every later refresh of that Tink credential ends in that status (UPDATED makes it succeed again)
  outage --provider tink|moneyhub [--status 503] [--times <n>]
      every request to that provider (token calls included) answers that status, n times or until cleared
  clear-outage [--provider tink|moneyhub]
      clear injected faults (both providers when --provider is absent)

The simulators are found at TINK_PORT / MONEYHUB_PORT (4010 / 4020), as npm start binds them.`;

const providers = ['tink', 'moneyhub'] as const;
type Provider = (typeof providers)[number];

/** A flag's value or a clear usage error. */
function required(value: string | undefined, flag: string): string {
  if (value === undefined || value === '') throw new UsageError(`${flag} is required`);
  return value;
}

function providerFrom(value: string | undefined): Provider {
  const provider = required(value, '--provider');
  if (!providers.includes(provider as Provider))
    throw new UsageError(`--provider must be tink or moneyhub, not "${provider}"`);
  return provider as Provider;
}

function wholeNumber(value: string | undefined, flag: string, fallback?: number): number | undefined {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new UsageError(`${flag} must be a whole number above 0`);
  return number;
}

class UsageError extends Error {
  constructor(message: string) {
    super(`${message}\n\n${usage}`);
    this.name = 'UsageError';
  }
}

export async function runSandbox(argv: string[]): Promise<string> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      provider: { type: 'string' },
      user: { type: 'string' },
      credential: { type: 'string' },
      status: { type: 'string' },
      'provider-name': { type: 'string' },
      type: { type: 'string' },
      'refresh-outcome': { type: 'string' },
      error: { type: 'string' },
      'sync-outcome': { type: 'string' },
      outcome: { type: 'string' },
      times: { type: 'string' },
    },
  });
  const [command] = positionals;
  if (values.help || command === undefined) return usage;
  const endpoints = localEndpoints();
  const control = {
    tink: new SimulatorControl(endpoints.tink),
    moneyhub: new SimulatorControl(endpoints.moneyhub),
  };

  switch (command) {
    case 'routes': {
      const chosen = values.provider === undefined ? providers : [providerFrom(values.provider)];
      const listings = await Promise.all(chosen.map((provider) => control[provider].send('GET', '')));
      return JSON.stringify(listings, null, 2);
    }
    case 'tink-credential': {
      const userId = required(values.user, '--user');
      const { credentialIds } = (await control.tink.send(
        'POST',
        `/users/${encodeURIComponent(userId)}/credentials`,
        {
          credentials: [
            {
              status: values.status ?? 'UPDATED',
              providerName: values['provider-name'] ?? 'se-demobank-password',
              type: values.type ?? 'PASSWORD',
              ...(values['refresh-outcome'] === undefined
                ? {}
                : { refreshOutcome: values['refresh-outcome'] }),
            },
          ],
        },
      )) as { credentialIds: string[] };
      return `Tink user ${userId}: credential ${credentialIds.join(', ')} (${values.status ?? 'UPDATED'})`;
    }
    case 'moneyhub-connection': {
      const userId = required(values.user, '--user');
      const status = values.status ?? 'ok';
      const { connectionIds } = (await control.moneyhub.send(
        'POST',
        `/users/${encodeURIComponent(userId)}/connections`,
        {
          connections: [
            {
              status,
              ...(values.error === undefined ? {} : { error: values.error }),
              ...(values['sync-outcome'] === undefined ? {} : { syncOutcome: values['sync-outcome'] }),
            },
          ],
        },
      )) as { connectionIds: string[] };
      return `Moneyhub user ${userId}: connection ${connectionIds.join(', ')} (${status})`;
    }
    case 'fail-refresh': {
      const credentialId = required(values.credential, '--credential');
      const outcome = values.outcome ?? 'TEMPORARY_ERROR';
      await control.tink.send('POST', `/credentials/${encodeURIComponent(credentialId)}`, {
        refreshOutcome: outcome,
      });
      return `Tink credential ${credentialId}: refreshes now end in ${outcome}`;
    }
    case 'outage': {
      const provider = providerFrom(values.provider);
      const status = wholeNumber(values.status, '--status', 503) as number;
      const times = wholeNumber(values.times, '--times');
      await control[provider].injectFault('*', { kind: 'status', status }, times);
      return `${provider}: every request answers ${status}${times === undefined ? ' until cleared' : `, ${times} times`}`;
    }
    case 'clear-outage': {
      const chosen = values.provider === undefined ? providers : [providerFrom(values.provider)];
      for (const provider of chosen) await control[provider].clearFaults();
      return `${chosen.join(' and ')}: faults cleared`;
    }
    default:
      throw new UsageError(`Unknown command "${command}"`);
  }
}

if (require.main === module) {
  runSandbox(process.argv.slice(2)).then(
    (text) => console.log(text),
    (error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      const unreachable = (error as { cause?: { code?: string } }).cause?.code === 'ECONNREFUSED';
      console.error(unreachable ? `${message}\nIs the local stack running (npm start)?` : message);
      process.exit(1);
    },
  );
}
