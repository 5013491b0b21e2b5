// Counts the HTTP requests the process's DynamoDB client makes, per operation, with an SDK
// middleware: the "a cache hit is one DynamoDB round trip" assertions rest on it.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface DynamoRequestCounter {
  total(): number;
  byOperation(): Record<string, number>;
  reset(): void;
}

const counters = new WeakMap<object, DynamoRequestCounter>();

export function countDynamoRequests(client: DynamoDBDocumentClient): DynamoRequestCounter {
  const existing = counters.get(client);
  if (existing) return existing;
  const counts = new Map<string, number>();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const operation = String(context.commandName ?? 'unknown').replace(/Command$/, '');
      counts.set(operation, (counts.get(operation) ?? 0) + 1);
      return next(args);
    },
    // Inside the retry loop, so every HTTP attempt counts.
    { step: 'deserialize', name: 'countDynamoRequests' },
  );
  const counter: DynamoRequestCounter = {
    total: () => [...counts.values()].reduce((sum, count) => sum + count, 0),
    byOperation: () => Object.fromEntries(counts),
    reset: () => counts.clear(),
  };
  counters.set(client, counter);
  return counter;
}
