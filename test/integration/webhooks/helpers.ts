// Shared by the webhook suites: a user's cache generation read straight from the table (the
// observable effect of an invalidation), and a check that a refusal says nothing about why.
import { expect } from 'vitest';
import { DynamoDbCacheStore } from '../../../lib/cache';
import { dynamoDocumentClient } from '../../../lib/table/client';
import type { HandlerResponse } from '../../support/events';

const store = new DynamoDbCacheStore(dynamoDocumentClient(), process.env.CACHE_TABLE_NAME as string);

/** The partition's generation: it moves by one per invalidation. */
export async function generationOf(partition: string): Promise<number> {
  return (await store.read(partition, 'webhook-test')).generation;
}

/** A 401 problem whose text is the same whatever failed. */
export function expectUnauthenticated(response: HandlerResponse) {
  expect(response.statusCode).toBe(401);
  expect(response.headers['Content-Type']).toBe('application/problem+json');
  const { requestId, ...problem } = response.json<Record<string, unknown>>();
  expect(requestId).toBe(response.headers['X-Request-ID']);
  expect(problem).toEqual({
    type: 'https://open-banking-users.dev/problems/unauthenticated',
    title: 'Unauthenticated',
    status: 401,
    detail: 'The request could not be authenticated.',
  });
}
