// Provider bodies are read streamed up to PROVIDER_MAX_BODY_BYTES (4 MiB here, the default): a larger
// one is a bad upstream response (exactly 502 problem+json), read no further than the cap, so memory
// stays flat; a body too large for one DynamoDB item but under the cap is served and simply not cached.
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { handler as listCredentials } from '../../functions/tink/list-credentials';
import { coreConfig } from '../../lib/config';
import { logger } from '../../lib/observability';
import { tinkOperations } from '../../lib/providers/tink';
import { type CapturedLogs, captureLogs } from '../support/logs';
import {
  call,
  control,
  credentialsPath,
  expectProblem,
  providerCalls,
  route,
  seedUser,
  startCounting,
} from './tink/helpers';

const megabytes = (count: number) => count * 1024 * 1024;
const credential = {
  id: 'c'.repeat(32),
  status: 'UPDATED',
  providerName: 'se-demobank-password',
  updated: 1,
};

const list = (userId: string) =>
  call(listCredentials, { method: 'GET', path: credentialsPath(userId), pathParameters: { userId } });

async function answerWithBodyOf(bytes: number) {
  await control.injectFault(
    route.list,
    { kind: 'large-body', bytes, listKey: 'credentials', item: credential },
    1,
  );
}

let logs: CapturedLogs | undefined;
const configuredLevel = logger.getLevelName();
afterEach(async () => {
  logs?.restore();
  logs = undefined;
  logger.setLogLevel(configuredLevel);
  await control.reset(); // no fault left for the next file, even after a failure
});

describe('Provider bodies over the byte cap', () => {
  it('uses the default cap of 4 MiB', () => {
    expect(coreConfig().PROVIDER_MAX_BODY_BYTES).toBe(megabytes(4));
  });

  it('answers exactly 502 problem+json for a 50 MB body, reads no further than the cap and does not retry', async () => {
    // Prepare
    const { userId } = await seedUser();
    await list(userId); // tokens minted, so the counts below are the list's own
    await answerWithBodyOf(megabytes(50));
    await startCounting();
    const rssBeforeBytes = process.memoryUsage().rss;

    // Act
    const response = await call(listCredentials, {
      method: 'GET',
      path: credentialsPath(userId),
      pathParameters: { userId },
      headers: { 'Cache-Control': 'no-cache' },
    });
    const rssGrowthBytes = process.memoryUsage().rss - rssBeforeBytes;

    // Assess
    const problem = expectProblem(response, 502);
    expect(problem).toMatchObject({
      provider: 'tink',
      type: expect.stringContaining('provider-bad-response'),
    });
    expect(problem.detail).toContain(`exceeded ${megabytes(4)} bytes`);
    expect(rssGrowthBytes).toBeLessThan(megabytes(100));
    expect(await providerCalls()).toEqual({ [route.list]: 1, total: 1 });
  });

  it('answers exactly 502 for a 6 MB body (more than Lambda could return)', async () => {
    const { userId } = await seedUser();
    await list(userId);
    await answerWithBodyOf(megabytes(6));

    const response = await call(listCredentials, {
      method: 'GET',
      path: credentialsPath(userId),
      pathParameters: { userId },
      headers: { 'Cache-Control': 'no-cache' },
    });

    expectProblem(response, 502);
  });
});

describe('A provider body too large for one DynamoDB item', () => {
  it('is served, not cached, with one debug line and no "cache unavailable"', async () => {
    // Prepare: about 1 MB of credentials, under the cap but over DynamoDB's 400 KB item limit. The
    // facade is called directly: a handler would return the logger to its configured level.
    const { userId } = await seedUser();
    await answerWithBodyOf(megabytes(1));
    await answerWithBodyOf(megabytes(1));
    const readCall = () => ({ requestId: randomUUID(), deadlineAtMs: Date.now() + 10_000 });
    logger.setLogLevel('DEBUG');
    logs = captureLogs();

    // Act
    const first = await tinkOperations().listCredentials(readCall(), userId);
    const second = await tinkOperations().listCredentials(readCall(), userId);
    logs.restore();

    // Assess: both from the provider, neither stored, no warning
    expect(first).toMatchObject({ status: 'miss', stored: false });
    expect(first.value.credentials.length).toBeGreaterThan(5000);
    expect(second).toMatchObject({ status: 'miss', stored: false });
    const messages = logs.records().map((record) => String(record.message));
    expect(messages.filter((message) => message.startsWith('Cache entry too large'))).toHaveLength(2);
    expect(logs.records().filter((record) => record.level === 'WARN' || record.level === 'ERROR')).toEqual(
      [],
    );
  });
});
