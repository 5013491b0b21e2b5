// The enrolment registry's own errors.

/** The configured REGISTRY_SHARDS differs from the count the registry in the table was written with. */
export class RegistryShardsMismatchError extends Error {
  constructor(
    readonly configuredShards: number,
    readonly storedShards: number | undefined,
    tableName: string,
  ) {
    super(
      `REGISTRY_SHARDS is ${configuredShards}, but the enrolment registry in table ${tableName} is laid ` +
        `out in ${storedShards} shards; with another count, un-enrolment and the scheduled refresh would ` +
        `look in the wrong partitions. Either set REGISTRY_SHARDS=${storedShards} again, or move the ` +
        `registry: run \`npm run registry -- reshard --shards ${configuredShards}\` with ` +
        `CACHE_TABLE_NAME=${tableName} (and AWS credentials, or DYNAMODB_ENDPOINT locally), deploy ` +
        `REGISTRY_SHARDS=${configuredShards}, then run the reshard once more (it collects what instances ` +
        `still on the old count enrolled meanwhile).`,
    );
    this.name = 'RegistryShardsMismatchError';
  }
}
