/** What a caller may ask of a cached read, for both providers' operations. */
export interface ReadOptions {
  /** The caller sent `Cache-Control: no-cache`: skip the cached entry and refill it. */
  noCache?: boolean;
}
