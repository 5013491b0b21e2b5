import { type CacheReadResult, CacheStatus } from '../cache';

export interface HttpResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

const cacheName = 'open-banking-users';

/**
 * Headers for a JSON API read by programs, not rendered by browsers: no sniffing, no framing, no
 * referrer, HTTPS only. Browser-only policies (Permissions-Policy, cross-origin isolation) have
 * nothing to govern in a JSON answer and are left out.
 */
export const securityHeaders = {
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
  'Strict-Transport-Security': 'max-age=31536000; includeSubDomains',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
} as const;

export function jsonResponse(
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): HttpResult {
  return {
    statusCode,
    headers: { 'Content-Type': 'application/json; charset=utf-8', ...headers },
    body: JSON.stringify(body),
  };
}

export function emptyResponse(statusCode = 204, headers: Record<string, string> = {}): HttpResult {
  return { statusCode, headers, body: '' };
}

/** RFC 9211 `Cache-Status` for one cache read. */
export function cacheStatusHeader(result: CacheReadResult<unknown>): string {
  switch (result.status) {
    case CacheStatus.hit:
      return `${cacheName}; hit; ttl=${result.ttlSeconds}`;
    case CacheStatus.stale:
      return `${cacheName}; fwd=stale; ttl=${result.ttlSeconds}; detail=stale-if-error`;
    case CacheStatus.revalidating:
      return `${cacheName}; hit; ttl=${result.ttlSeconds}; detail=stale-while-revalidate`;
    case CacheStatus.bypass:
      return `${cacheName}; fwd=request${result.stored ? `; stored; ttl=${result.ttlSeconds}` : ''}`;
    case CacheStatus.unavailable:
      return `${cacheName}; fwd=miss; detail=cache-unavailable`;
    default:
      return `${cacheName}; fwd=miss${result.stored ? `; stored; ttl=${result.ttlSeconds}` : ''}`;
  }
}

/** A provider resource served through the cache: 200 with `Cache-Status` and `Age`. */
export function cachedJsonResponse<T>(
  result: CacheReadResult<T>,
  project: (value: T) => unknown = (value) => value,
) {
  return jsonResponse(200, project(result.value), {
    'Cache-Status': cacheStatusHeader(result),
    Age: String(result.ageSeconds),
  });
}
