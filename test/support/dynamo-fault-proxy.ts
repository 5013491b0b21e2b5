// A fault-injecting DynamoDB endpoint on loopback: real HTTP in front of a real DynamoDB API
// (dynalite or DynamoDB Local). It forwards every request unless a rule says otherwise, and then
// answers as DynamoDB does when it throttles (400 ThrottlingException or
// ProvisionedThroughputExceededException), fails (5xx), resets the connection, answers late, or
// never answers; and it can stop listening altogether (connections refused: the table unreachable).
// It counts requests per operation (the `X-Amz-Target` suffix), forwarded or not, so a test can see
// every SDK attempt and every retry; and first attempts apart (the SDK's `amz-sdk-request:
// attempt=1` header), which are the caller's own tries whatever the SDK's retry quota allowed.

import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export type DynamoFault =
  | { kind: 'throttling' }
  | { kind: 'provisioned-throughput' }
  | { kind: 'status'; status: number }
  | { kind: 'drop' }
  | { kind: 'hang' }
  /** Forwards the request after a pause (a slow table). */
  | { kind: 'delay'; ms: number };

export interface DynamoFaultRule {
  /** Operations the rule applies to (`UpdateItem`, `BatchGetItem`…); every operation when absent. */
  operations?: string[];
  fault: DynamoFault;
  /** How many matching requests the fault applies to; unlimited when absent. */
  times?: number;
}

export interface DynamoFaultProxy {
  url: string;
  inject(rule: DynamoFaultRule): void;
  clearFaults(): void;
  /** Requests received per operation since the last reset (faulted ones included). */
  requests(): Record<string, number>;
  /** Requests answered with a fault per operation since the last reset. */
  faulted(): Record<string, number>;
  /** Requests that were the SDK's first attempt (not its own retry) per operation since the last reset. */
  firstAttempts(): Record<string, number>;
  resetCounts(): void;
  /** Stops listening (every connection refused) or listens again on the same port. */
  setReachable(reachable: boolean): Promise<void>;
  close(): Promise<void>;
}

const errorType = (name: string) => `com.amazonaws.dynamodb.v20120810#${name}`;

function faultResponse(fault: DynamoFault): { status: number; body: Record<string, string> } | undefined {
  switch (fault.kind) {
    case 'throttling':
      return {
        status: 400,
        body: {
          __type: errorType('ThrottlingException'),
          message: 'Rate of requests exceeds the allowed throughput.',
        },
      };
    case 'provisioned-throughput':
      return {
        status: 400,
        body: {
          __type: errorType('ProvisionedThroughputExceededException'),
          message: 'The level of configured provisioned throughput for the table was exceeded.',
        },
      };
    case 'status':
      return {
        status: fault.status,
        body: { __type: errorType('InternalServerError'), message: 'Internal server error' },
      };
    default:
      return undefined;
  }
}

function readBody(request: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

export async function startDynamoFaultProxy(targetEndpoint: string): Promise<DynamoFaultProxy> {
  const target = new URL(targetEndpoint);
  const requests = new Map<string, number>();
  const faulted = new Map<string, number>();
  const firstAttempts = new Map<string, number>();
  const sockets = new Set<Socket>();
  let rules: DynamoFaultRule[] = [];
  const bump = (counts: Map<string, number>, key: string) => counts.set(key, (counts.get(key) ?? 0) + 1);

  function takeFault(operation: string): DynamoFault | undefined {
    const rule = rules.find((candidate) => !candidate.operations || candidate.operations.includes(operation));
    if (!rule) return undefined;
    if (rule.times !== undefined) {
      rule.times -= 1;
      if (rule.times <= 0) rules = rules.filter((candidate) => candidate !== rule);
    }
    return rule.fault;
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const body = await readBody(req);
    const operation =
      String(req.headers['x-amz-target'] ?? 'unknown')
        .split('.')
        .pop() ?? 'unknown';
    bump(requests, operation);
    if (/(^|;)\s*attempt=1\s*(;|$)/.test(String(req.headers['amz-sdk-request'] ?? '')))
      bump(firstAttempts, operation);
    const fault = takeFault(operation);
    if (fault) {
      bump(faulted, operation);
      if (fault.kind === 'hang') return; // the socket is destroyed when the proxy closes
      if (fault.kind === 'drop') {
        req.socket.destroy();
        return;
      }
      if (fault.kind === 'delay') await sleep(fault.ms);
      const answer = faultResponse(fault);
      if (answer) {
        res.writeHead(answer.status, {
          'Content-Type': 'application/x-amz-json-1.0',
          'x-amzn-RequestId': randomUUID(),
        });
        res.end(JSON.stringify(answer.body));
        return;
      }
    }
    const forwarded = http.request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: target.host },
      },
      (upstream) => {
        res.writeHead(upstream.statusCode ?? 502, upstream.headers);
        upstream.pipe(res);
      },
    );
    forwarded.on('error', () => res.destroy());
    forwarded.end(body);
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const stopListening = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      if (!server.listening) resolve();
      else server.close(() => resolve());
    });

  return {
    url: `http://127.0.0.1:${port}`,
    inject: (rule) => {
      rules.push({ ...rule });
    },
    clearFaults: () => {
      rules = [];
    },
    requests: () => Object.fromEntries(requests),
    faulted: () => Object.fromEntries(faulted),
    firstAttempts: () => Object.fromEntries(firstAttempts),
    resetCounts: () => {
      requests.clear();
      faulted.clear();
      firstAttempts.clear();
    },
    setReachable: async (reachable) => {
      if (!reachable) return stopListening();
      if (server.listening) return;
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => resolve());
      });
    },
    close: stopListening,
  };
}
