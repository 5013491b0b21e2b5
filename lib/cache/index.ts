// The process-wide cache, built from configuration on first use.
import { coreConfig } from '../config';
import { dynamoDocumentClient } from '../table/client';
import { DynamoDbCacheStore } from './dynamodb-store';
import { ResponseCache } from './response-cache';

let instance: ResponseCache | undefined;

export function responseCache(): ResponseCache {
  if (!instance) {
    const config = coreConfig();
    instance = new ResponseCache({
      store: new DynamoDbCacheStore(dynamoDocumentClient(), config.CACHE_TABLE_NAME),
      staleWindowSeconds: config.CACHE_STALE_WINDOW_SECONDS,
      jitterRatio: config.CACHE_JITTER_RATIO,
    });
  }
  return instance;
}

export { DynamoDbCacheStore } from './dynamodb-store';
export { CachePurgeIncompleteError, CacheUnavailableError } from './errors';
export type { CacheReadOptions, CacheReadResult } from './response-cache';
export { CacheStatus, ResponseCache } from './response-cache';
export type { CacheEntryRecord, CacheStore, FillDeadline } from './store';
export { FillOutcome } from './store';
