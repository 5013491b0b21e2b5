// `npm run sweep`: runs the scheduled refresh now on the running local stack — the bundled
// refreshCredentials function, invoked through serverless-offline's Lambda invoke endpoint with the
// event an EventBridge schedule delivers — and prints its summary (`--json` for the raw summary).
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import type { SweepItemCounts, SweepSummary } from '../lib/sweep';
import { localEndpoints } from './endpoints';

/** serverless-offline's name for the function: service-stage-function. */
const functionName = 'open-banking-users-local-refreshCredentials';

const usage = `Usage: npm run sweep [-- --json]
Runs the scheduled refresh once on the running stack (npm start) and prints what it did.
The Lambda invoke endpoint is found at LAMBDA_PORT (3002).`;

const scheduledEvent = () => ({
  version: '0',
  id: randomUUID(),
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: '000000000000',
  time: new Date().toISOString(),
  region: 'eu-west-1',
  resources: [`arn:aws:events:eu-west-1:000000000000:rule/${functionName}`],
  detail: {},
});

export async function invokeSweep(lambdaUrl: string): Promise<SweepSummary> {
  const response = await fetch(`${lambdaUrl}/2015-03-31/functions/${functionName}/invocations`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(scheduledEvent()),
  });
  const text = await response.text();
  if (!response.ok || response.headers.get('x-amz-function-error'))
    throw new Error(`The refresh function failed (${response.status}): ${text.slice(0, 2000)}`);
  return JSON.parse(text) as SweepSummary;
}

const counts = (items: SweepItemCounts) =>
  Object.entries(items)
    .map(([outcome, count]) => `${outcome} ${count}`)
    .join(', ');

/** The summary in words: what each count means is in the README's "Looking inside" section. */
export function describeSweep(summary: SweepSummary): string {
  const lines = [
    `Sweep ${summary.runId}: ${summary.usersVisited} users visited in ${summary.durationMs} ms` +
      (summary.usersGone > 0 ? `, ${summary.usersGone} gone at the provider (un-enrolled)` : '') +
      (summary.usersFailed > 0 ? `, ${summary.usersFailed} could not be read (next pass)` : ''),
  ];
  for (const [provider, items] of Object.entries(summary.providers))
    if (items) lines.push(`  ${provider.padEnd(9)} ${counts(items)}`);
  lines.push(
    summary.passCompleted
      ? `  pass complete (${summary.cursor.passes} so far); the next run starts again at shard 0`
      : `  stopped early at shard ${summary.cursor.shard}; the next run goes on from there`,
  );
  return lines.join('\n');
}

if (require.main === module) {
  const { values } = parseArgs({
    options: { json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) console.log(usage);
  else
    invokeSweep(localEndpoints().lambda).then(
      (summary) => console.log(values.json ? JSON.stringify(summary, null, 2) : describeSweep(summary)),
      (error: unknown) => {
        const unreachable = (error as { cause?: { code?: string } }).cause?.code === 'ECONNREFUSED';
        console.error(
          unreachable
            ? 'No Lambda invoke endpoint answered: is the local stack running (npm start)?'
            : error instanceof Error
              ? error.message
              : error,
        );
        process.exit(1);
      },
    );
}
