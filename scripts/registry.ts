// `npm run registry -- <command>`: the enrolment registry's layout, and moving it to another shard
// count. Reads CACHE_TABLE_NAME and REGISTRY_SHARDS (and DYNAMODB_ENDPOINT for a local table) from
// the environment, as the functions do; on AWS it uses the usual credential chain.
import { parseArgs } from 'node:util';
import { coreConfig } from '../lib/config';
import { EnrollmentRegistry } from '../lib/registry';
import { dynamoDocumentClient } from '../lib/table/client';

const usage = `Usage: npm run registry -- <command>

Commands
  layout                 print the shard count stored with the registry and the configured one
  reshard --shards <n>   move every enrolment to the partition <n> shards give it, then store <n>
                         (safe to run again; run it before and once after deploying REGISTRY_SHARDS=<n>)

Environment: CACHE_TABLE_NAME, REGISTRY_SHARDS, DYNAMODB_ENDPOINT (local tables), AWS_REGION.`;

async function main() {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { shards: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  const [command] = positionals;
  if (values.help || !command) {
    console.log(usage);
    return;
  }
  const config = coreConfig();
  const registry = new EnrollmentRegistry(
    dynamoDocumentClient(),
    config.CACHE_TABLE_NAME,
    config.REGISTRY_SHARDS,
  );
  if (command === 'layout') {
    const stored = await registry.storedLayout();
    console.log(
      `table ${config.CACHE_TABLE_NAME}: stored ${stored?.shards ?? '(none yet)'} shards, ` +
        `REGISTRY_SHARDS ${config.REGISTRY_SHARDS}`,
    );
    return;
  }
  if (command === 'reshard') {
    const shards = Number(values.shards);
    if (!Number.isInteger(shards) || shards < 1 || shards > 1000)
      throw new Error(`--shards must be a whole number from 1 to 1000 (as REGISTRY_SHARDS)`);
    const result = await registry.reshard(shards);
    console.log(
      `table ${config.CACHE_TABLE_NAME}: ${result.fromShards} → ${result.toShards} shards, ` +
        `${result.moved} enrolments moved, ${result.kept} already in place`,
    );
    return;
  }
  throw new Error(`Unknown command "${command}"\n\n${usage}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
