import { randomBytes } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { handler as enroll } from '../../functions/enrollment/enroll-user';
import { handler as unenroll } from '../../functions/enrollment/unenroll-user';
import { enrollmentRegistry } from '../../lib/registry';
import { dynamoDocumentClient } from '../../lib/table/client';
import { countDynamoRequests } from '../support/dynamo-requests';
import { invoke } from '../support/events';
import { seedUser as seedMoneyhubUser } from './moneyhub/helpers';
import { seedUser as seedTinkUser } from './tink/helpers';

const requests = countDynamoRequests(dynamoDocumentClient());
const newUserId = () => randomBytes(12).toString('hex');

describe('Route: PUT/DELETE /{provider}/users/{userId}/enrollment', () => {
  beforeEach(() => requests.reset());

  it.each(['tink', 'moneyhub'] as const)(
    'enrols a %s user once, however often it is asked, and un-enrols it',
    async (provider) => {
      // Prepare: a user the provider knows (enrolment reads it first)
      const { userId } = provider === 'tink' ? await seedTinkUser() : await seedMoneyhubUser();
      const path = `/${provider}/users/${userId}/enrollment`;

      // Act
      const first = await invoke(enroll, { method: 'PUT', path, pathParameters: { userId } });
      const again = await invoke(enroll, { method: 'PUT', path, pathParameters: { userId } });
      const enrolled = await enrollmentRegistry().isEnrolled(provider, userId);
      const removed = await invoke(unenroll, { method: 'DELETE', path, pathParameters: { userId } });

      // Assess
      expect(first.statusCode).toBe(200);
      expect(first.json()).toEqual({ provider, userId, enrolled: true });
      expect(again.statusCode).toBe(200);
      expect(enrolled).toBe(true);
      expect(removed.statusCode).toBe(204);
      expect(await enrollmentRegistry().isEnrolled(provider, userId)).toBe(false);
      const other = provider === 'tink' ? 'moneyhub' : 'tink';
      expect(await enrollmentRegistry().isEnrolled(other, userId)).toBe(false);
    },
  );

  it('places users on shards by a stable hash and lists a shard in key order', async () => {
    const registry = enrollmentRegistry();
    const userIds = Array.from({ length: 40 }, newUserId);
    for (const userId of userIds) await registry.enroll('tink', userId);

    const listed: string[] = [];
    for (let shard = 0; shard < registry.shards; shard++) {
      let after: string | undefined;
      do {
        const page = await registry.listShard(shard, { after, limit: 7 });
        for (const item of page.items) {
          expect(registry.shardOf(item.provider, item.userId)).toBe(shard);
          listed.push(item.userId);
        }
        after = page.nextAfter;
      } while (after);
    }

    expect(listed).toEqual(expect.arrayContaining(userIds));
  });

  it('refuses an invalid user id with 400 and touches nothing', async () => {
    const response = await invoke(enroll, {
      method: 'PUT',
      path: '/tink/users/..%2Fx/enrollment',
      pathParameters: { userId: '..%2Fx' },
    });
    expect(response.statusCode).toBe(400);
    expect(response.headers['Content-Type']).toBe('application/problem+json');
    expect(requests.total()).toBe(0);
  });
});
