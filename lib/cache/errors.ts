/** DynamoDB could not be reached or refused the call; the cache falls open around it. */
export class CacheUnavailableError extends Error {
  constructor(operation: string, options: { cause: unknown }) {
    super(`Cache ${operation} failed`, options);
    this.name = 'CacheUnavailableError';
  }
}

/** A purge could not delete every item of a user after its retries. */
export class CachePurgeIncompleteError extends Error {
  constructor(
    readonly partition: string,
    readonly remainingItems: number,
  ) {
    super(`Cache purge of ${partition} left ${remainingItems} items after retries`);
    this.name = 'CachePurgeIncompleteError';
  }
}
