// The key layout of the one DynamoDB table (`pk` partition key, `sk` sort key, TTL attribute
// `expiresAt` in epoch seconds). Every kind of item, and who writes it:
//
//   pk                                  sk              item
//   <provider>#<userId>                 meta            a user's cache generation (lib/cache)
//   <provider>#<userId>                 c#<resource>    a cached response, with its refill lease (lib/cache)
//   registry#<shard>                    <provider>#<userId>  an enrolment (lib/registry.ts)
//   registry#layout                     layout          the shard count the registry was written with
//   lease#<provider>#<userId>#<itemId>  lease           a sweep's lease on one credential or connection
//   sweep                               cursor          where the scheduled sweep stopped
//   idempotency#<function name>         <request hash>  an Idempotency-Key record (written by Powertools)
//   webhook#<source>#<jti>              seen            a webhook id remembered against replays
//
// The prefixes keep the kinds apart: a provider name is never `registry`, `lease`, `sweep`,
// `idempotency` or `webhook`, so no user's partition can collide with another kind's.
import type { ProviderName } from '../provider-name';

export interface TableKey {
  pk: string;
  sk: string;
}

/** One provider user: the partition of their cache items and the sort key of their enrolment. */
export const providerUserKey = (provider: ProviderName, userId: string) => `${provider}#${userId}`;

/** The sort key of a cache partition's generation item. */
export const cacheGenerationSortKey = 'meta';

export const cacheEntrySortKey = (resource: string) => `c#${resource}`;

export const registryShardPartitionKey = (shard: number) => `registry#${shard}`;

export const registryEnrollmentKey = (shard: number, provider: ProviderName, userId: string): TableKey => ({
  pk: registryShardPartitionKey(shard),
  sk: providerUserKey(provider, userId),
});

export const registryLayoutKey = { pk: 'registry#layout', sk: 'layout' } as const satisfies TableKey;

/** What a sweep leases: one item (credential, connection) of one provider user. */
export const leasedItemKey = (provider: ProviderName, userId: string, itemId: string) =>
  `${providerUserKey(provider, userId)}#${itemId}`;

export const leaseKey = (leasedItem: string): TableKey => ({ pk: `lease#${leasedItem}`, sk: 'lease' });

export const sweepCursorKey = { pk: 'sweep', sk: 'cursor' } as const satisfies TableKey;

export const webhookReplayKey = (source: string, id: string): TableKey => ({
  pk: `webhook#${source}#${id}`,
  sk: 'seen',
});
