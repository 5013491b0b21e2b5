// `Idempotency-Key` on the routes that create or trigger something (IETF httpapi idempotency-key
// draft, as Stripe does it): the same key with the same body within 24 h replays the stored answer
// (status, headers, body) without running the route; the same key with another body is a 422; a key
// whose first request is still running is a 409. Only successful answers are stored: a failed request
// may be retried with the same key and runs again.
//
// Powertools Idempotency does the work (records in the cache table, conditional writes as the lock,
// expiry checked in code). This module adds what it leaves to the caller: the key comes from the
// header and is checked first; a request without one is not idempotent at all; the key is scoped to
// the route and the caller; its refusals become problem+json; and a refusal made in `before` must not
// reach Powertools' `onError`, which would delete the record of the request that holds the key.
import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  IdempotencyValidationError,
} from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { makeHandlerIdempotent } from '@aws-lambda-powertools/idempotency/middleware';
import type middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { coreConfig } from '../config';
import { countMetric, logger } from '../observability';
import { dynamoClient } from '../table/client';
import type { RouteMiddleware } from './handler';
import { type Problem, type ProblemSource, problemType, RequestValidationError } from './problem';

/** How long a key's answer is replayed. */
export const idempotencyWindowSeconds = 24 * 60 * 60;

/** Header names as the header normaliser leaves them (lower case). */
const keyHeader = 'idempotency-key';

/** Printable ASCII, 1–255 characters: room for a UUID or any client-made key, nothing that could mislead a log. */
const keyPattern = /^[\x20-\x7e]{1,255}$/;

/**
 * The record's identity: the key, with the route and the caller, so one client's key never replays
 * another client's answer or another route's. `&&` yields null without the header, and Powertools
 * then skips idempotency for the request.
 */
const keySelection = `headers."${keyHeader}" && [requestContext.http.method, rawPath, requestContext.authorizer.jwt.claims.sub, headers."${keyHeader}"]`;

export class IdempotencyKeyReusedError extends Error implements ProblemSource {
  constructor(options?: { cause?: unknown }) {
    super('This Idempotency-Key was used with a different request body', options);
    this.name = 'IdempotencyKeyReusedError';
  }

  toProblem(): Problem {
    return {
      type: problemType('idempotency-key-reused'),
      title: 'Idempotency-Key reused',
      status: 422,
      detail: `${this.message}; use a new key for a new request.`,
    };
  }
}

export class IdempotencyKeyInUseError extends Error implements ProblemSource {
  constructor(options?: { cause?: unknown }) {
    super('A request with this Idempotency-Key is still being processed', options);
    this.name = 'IdempotencyKeyInUseError';
  }

  toProblem(): Problem {
    return {
      type: problemType('idempotency-key-in-use'),
      title: 'Idempotency-Key in use',
      status: 409,
      detail: `${this.message}; retry after it has finished.`,
    };
  }

  problemHeaders() {
    return { 'Retry-After': '1' };
  }
}

export class IdempotencyUnavailableError extends Error implements ProblemSource {
  constructor(options?: { cause?: unknown }) {
    super('The request could not be recorded under its Idempotency-Key, so it was not run', options);
    this.name = 'IdempotencyUnavailableError';
  }

  toProblem(): Problem {
    return {
      type: problemType('idempotency-unavailable'),
      title: 'Idempotency store unavailable',
      status: 503,
      detail: `${this.message}. Retry it with the same key.`,
    };
  }

  problemHeaders() {
    return { 'Retry-After': '1' };
  }
}

function translated(error: unknown): Error {
  if (error instanceof IdempotencyValidationError) return new IdempotencyKeyReusedError({ cause: error });
  if (error instanceof IdempotencyAlreadyInProgressError)
    return new IdempotencyKeyInUseError({ cause: error });
  return new IdempotencyUnavailableError({ cause: error });
}

type Middleware = middy.MiddlewareObj<HttpEventLike, unknown, Error, Context, Record<string, unknown>>;
type HttpEventLike = { headers?: Record<string, string | undefined> };

let powertools: Middleware | undefined;

/** One Powertools middleware per process, on the cache table (its records' keys: lib/table/keys.ts). */
function powertoolsMiddleware(): Middleware {
  powertools ??= makeHandlerIdempotent({
    persistenceStore: new DynamoDBPersistenceLayer({
      tableName: coreConfig().CACHE_TABLE_NAME,
      keyAttr: 'pk',
      sortKeyAttr: 'sk',
      // The table's TTL attribute, so DynamoDB reaps expired records (epoch seconds, as it needs).
      expiryAttr: 'expiresAt',
      awsSdkV3Client: dynamoClient(),
    }),
    config: new IdempotencyConfig({
      eventKeyJmesPath: keySelection,
      // As a one-element list: an absent body is then `[null]`, which hashes (a bare null does not).
      payloadValidationJmesPath: '[body]',
      expiresAfterSeconds: idempotencyWindowSeconds,
      // A replay says so, as Stripe's `Idempotent-Replayed` does.
      responseHook: (response) => {
        const stored = response as { headers?: Record<string, string> };
        return { ...stored, headers: { ...stored.headers, 'Idempotent-Replayed': 'true' } };
      },
    }),
  }) as unknown as Middleware;
  return powertools;
}

/** Per-request state (middy keeps it on `request.internal`; one process may serve several requests). */
const passedThrough = 'idempotency.passedThrough';

/** The middleware for a route that honours `Idempotency-Key`. Never for token or grant routes. */
export function idempotentRequests(): RouteMiddleware {
  const middleware: Middleware = {
    before: async (request) => {
      const key = request.event.headers?.[keyHeader];
      if (key === undefined) {
        request.internal[passedThrough] = true;
        return;
      }
      if (!keyPattern.test(key)) {
        request.internal[passedThrough] = true;
        throw new RequestValidationError([
          {
            location: 'header',
            field: keyHeader,
            message: 'Idempotency-Key must be 1 to 255 printable ASCII characters',
          },
        ]);
      }
      try {
        return await powertoolsMiddleware().before?.(request);
      } catch (error) {
        // Refused before running: the record (if any) belongs to another request; leave it alone.
        request.internal[passedThrough] = true;
        throw translated(error);
      }
    },
    after: async (request) => {
      if (request.internal[passedThrough]) return;
      try {
        await powertoolsMiddleware().after?.(request);
      } catch (error) {
        // The route's work is done and its answer stands; the key stays "in progress" until the
        // invocation's time is up, then a retry runs again.
        countMetric('IdempotencyRecordFailed');
        logger.error('The answer could not be stored under its Idempotency-Key', { error });
      }
    },
    onError: async (request) => {
      if (request.internal[passedThrough]) return;
      try {
        await powertoolsMiddleware().onError?.(request);
      } catch (error) {
        countMetric('IdempotencyRecordFailed');
        logger.error('The in-progress Idempotency-Key record could not be released', { error });
      }
    },
  };
  return middleware as unknown as RouteMiddleware;
}
