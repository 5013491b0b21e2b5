// `npm run webhooks:tink -- --url https://<api>/webhooks/tink [--secret-file <path>]`
// Registers this service's Tink webhook endpoint (POST /events/v2/webhook-endpoints with a client
// token of scope `webhook-endpoints`) for the events that invalidate a user's cache. Tink shows the
// endpoint's signing secret once, in that answer: it is written to a file readable only by you
// (never printed or logged), and the script says where to store it for the stage.
// Reads the Tink settings the functions read: TINK_BASE_URL, TINK_CLIENT_ID and TINK_CLIENT_SECRET
// (or TINK_CLIENT_SECRET_PARAMETER), STAGE for the SSM parameter name.
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

// The Tink client reads the core settings too; this script touches no table.
process.env.CACHE_TABLE_NAME ??= 'open-banking-users-unused';

async function main() {
  const { values } = parseArgs({
    options: { url: { type: 'string' }, 'secret-file': { type: 'string' }, description: { type: 'string' } },
  });
  const url = values.url ? URL.parse(values.url) : null;
  const loopback = url?.hostname === '127.0.0.1' || url?.hostname === 'localhost';
  if (!url || (url.protocol !== 'https:' && !(loopback && url.protocol === 'http:'))) {
    console.error('Usage: npm run webhooks:tink -- --url https://<api>/webhooks/tink [--secret-file <path>]');
    console.error('The URL must be https (http only for 127.0.0.1/localhost).');
    process.exit(2);
  }
  const { tinkClient } = await import('../lib/providers/tink');
  const { tinkEnabledEvents } = await import('../lib/webhooks/tink-events');
  const endpoint = await tinkClient().createWebhookEndpoint(
    { requestId: randomUUID(), deadlineAtMs: Date.now() + 30_000 },
    {
      url: url.toString(),
      description: values.description ?? 'open-banking-users cache invalidation',
      enabledEvents: tinkEnabledEvents,
    },
  );
  const secretFile = path.resolve(
    values['secret-file'] ?? path.join(tmpdir(), `tink-webhook-secret-${endpoint.id}`),
  );
  writeFileSync(secretFile, endpoint.secret, { mode: 0o600, flag: 'wx' });
  const stage = process.env.STAGE ?? 'dev';
  console.log(`Registered Tink webhook endpoint ${endpoint.id}
  url     ${endpoint.url}
  events  ${endpoint.enabledEvents.join(', ')}

Its signing secret (shown by Tink this once) is in ${secretFile} (mode 600). Store it, then delete the file:
  aws ssm put-parameter --name /open-banking-users/${stage}/tink/webhook-secret --type SecureString \\
    --value "file://${secretFile}" --overwrite && rm ${secretFile}
Locally (npm start registers its own endpoint): TINK_WEBHOOK_SECRET="$(cat ${secretFile})".`);
}

main().catch((error) => {
  console.error('Registration failed:', error instanceof Error ? error.message : error);
  process.exit(1);
});
