// Changing REGISTRY_SHARDS (16 → 8, 8 → 16) never orphans an enrolment: an instance configured with
// a count other than the registry's refuses with a configuration error that says how to migrate;
// after `reshard`, every enrolment is walked exactly once by the sweep's walk and can be un-enrolled.
// The registry lives in a table of its own here, so its layout item does not meet the other files'.
import { randomUUID } from 'node:crypto';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ProviderName } from '../../lib/provider-name';
import { EnrollmentRegistry } from '../../lib/registry';
import { RegistryShardsMismatchError } from '../../lib/registry-errors';
import { RegistryWalk } from '../../lib/sweep/registry-walk';
import { createDynamoDocumentClient } from '../../lib/table/client';
import { createCacheTable } from '../../local/dynamodb';

const client = createDynamoDocumentClient({
  endpoint: process.env.DYNAMODB_ENDPOINT as string,
  region: 'eu-west-1',
});
const registryWith = (tableName: string, shards: number) => new EnrollmentRegistry(client, tableName, shards);

/** Every enrolment the sweep would visit, in walk order. */
async function walkAll(registry: EnrollmentRegistry): Promise<string[]> {
  const walk = new RegistryWalk(registry, { shard: 0, after: undefined, passes: 0 }, 7, undefined);
  const seen: string[] = [];
  for (let step = await walk.next(); step; step = await walk.next()) {
    if (step.enrollment) seen.push(`${step.enrollment.provider}#${step.enrollment.userId}`);
    walk.finish(step);
  }
  return seen;
}

/** Registry items left in any partition a count up to 16 uses (the layout item excluded). */
async function registryItemsLeft(tableName: string): Promise<number> {
  let count = 0;
  for (let shard = 0; shard < 16; shard++) {
    const result = await client.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `registry#${shard}` },
      }),
    );
    count += result.Count ?? 0;
  }
  return count;
}

const users = Array.from({ length: 40 }, (_, index) => ({
  provider: (index % 2 === 0 ? 'tink' : 'moneyhub') as ProviderName,
  userId: `user-${index}-${randomUUID().slice(0, 8)}`,
}));
const keys = users.map(({ provider, userId }) => `${provider}#${userId}`).sort();

describe('Class: EnrollmentRegistry', () => {
  describe('Method: unenroll', () => {
    it('only reads the layout, so functions that un-enrol need no PutItem', async () => {
      // Prepare: a registry never written
      const tableName = 'registry-unwritten';
      await createCacheTable(process.env.DYNAMODB_ENDPOINT as string, tableName);
      const registry = registryWith(tableName, 8);

      // Act
      await registry.unenroll('tink', 'never-enrolled');
      const afterUnenroll = await registry.storedLayout();
      await registryWith(tableName, 8).enroll('tink', 'someone');

      // Assess
      expect(afterUnenroll).toBeUndefined();
      expect(await registry.storedLayout()).toEqual({ shards: 8, widestShards: 8 });
    });
  });

  describe.each([
    { from: 16, to: 8 },
    { from: 8, to: 16 },
  ])('Method: reshard ($from → $to shards)', ({ from, to }) => {
    const tableName = `registry-${from}-to-${to}`;

    beforeAll(async () => {
      await createCacheTable(process.env.DYNAMODB_ENDPOINT as string, tableName);
      const before = registryWith(tableName, from);
      for (const { provider, userId } of users) await before.enroll(provider, userId);
    });

    it('refuses the new count until the registry is moved, naming the migration', async () => {
      // Act
      const error = await registryWith(tableName, to)
        .unenroll('tink', 'anyone')
        .catch((caught: unknown) => caught);

      // Assess
      expect(error).toBeInstanceOf(RegistryShardsMismatchError);
      expect((error as Error).message).toContain(`REGISTRY_SHARDS is ${to}`);
      expect((error as Error).message).toContain(`REGISTRY_SHARDS=${from} again`);
      expect((error as Error).message).toContain(`npm run registry -- reshard --shards ${to}`);
      expect((await walkAll(registryWith(tableName, from))).sort()).toEqual(keys);
    });

    it('moves every enrolment: the walk sees each once, and each can be un-enrolled', async () => {
      // Prepare
      const users0 = users.filter(
        (user) =>
          registryWith(tableName, from).shardOf(user.provider, user.userId) !==
          registryWith(tableName, to).shardOf(user.provider, user.userId),
      );
      expect(users0.length).toBeGreaterThan(0);

      // Act
      const result = await registryWith(tableName, to).reshard(to);
      const again = await registryWith(tableName, to).reshard(to);
      const after = registryWith(tableName, to);
      const walked = await walkAll(after);
      for (const { provider, userId } of users) await after.unenroll(provider, userId);

      // Assess
      expect(result).toEqual({
        fromShards: from,
        toShards: to,
        moved: users0.length,
        kept: users.length - users0.length,
      });
      expect(again).toEqual({ fromShards: to, toShards: to, moved: 0, kept: users.length });
      expect(walked.sort()).toEqual(keys);
      expect(await walkAll(after)).toEqual([]);
      expect(await registryItemsLeft(tableName)).toBe(0);
      await expect(registryWith(tableName, from).isEnrolled('tink', 'anyone')).rejects.toBeInstanceOf(
        RegistryShardsMismatchError,
      );
    });
  });
});
