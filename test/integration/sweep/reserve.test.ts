// The sweep's bookkeeping after provider work (a lease given back, the last cursor save) has time of
// its own past the call's deadline: an act whose answer came in late must not cost the next run its
// place (the cursor) or leave the item leased for the lease's whole length.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import type { CallContext } from '../../../lib/call-context';
import type { Deadline } from '../../../lib/deadline';
import { ProviderError, ProviderFailure } from '../../../lib/providers/errors';
import { enrollmentRegistry } from '../../../lib/registry';
import { CursorStore } from '../../../lib/sweep/cursor';
import { LeaseStore } from '../../../lib/sweep/leases';
import { ItemDecision, runSweep, type SweepSummary } from '../../../lib/sweep/sweep';
import { dynamoDocumentClient } from '../../../lib/table/client';
import { leasedItemKey, sweepCursorKey } from '../../../lib/table/keys';
import { clearRegistry } from './helpers';

const table = () => process.env.CACHE_TABLE_NAME as string;
const leases = () => new LeaseStore(dynamoDocumentClient(), table());
const storedCursor = async () =>
  (
    await dynamoDocumentClient().send(
      new GetCommand({ TableName: table(), Key: sweepCursorKey, ConsistentRead: true }),
    )
  ).Item;

/**
 * One enrolled Tink user with one due item, whose act answers (503, so the item is given back)
 * 150 ms after the call's deadline.
 */
async function sweepWithALateAnswer(reserve?: (call: CallContext) => Deadline) {
  const userId = randomBytes(16).toString('hex');
  await enrollmentRegistry().enroll('tink', userId);
  const call: CallContext = { requestId: 'reserve-test', deadlineAtMs: Date.now() + 400 };
  let acts = 0;
  const summary: SweepSummary = await runSweep({
    runId: 'run-a',
    registry: enrollmentRegistry(),
    cursors: new CursorStore(dynamoDocumentClient(), table()),
    leases: leases(),
    targets: {
      tink: {
        plan: async () => [{ itemId: 'item-1', decision: ItemDecision.due }],
        async act() {
          acts += 1;
          await sleep(call.deadlineAtMs + 150 - Date.now());
          throw new ProviderError({
            provider: 'tink',
            operation: 'refreshCredential',
            failure: ProviderFailure.unavailable,
            detail: 'The provider is unavailable',
            providerStatus: 503,
          });
        },
      },
    },
    userConcurrency: 1,
    leaseMs: 60_000,
    safetyMarginMs: 100,
    call,
    reserveDeadline: reserve?.(call),
  });
  return { userId, call, acts, summary };
}

describe('Sweep bookkeeping after a late provider answer', () => {
  beforeEach(async () => {
    await clearRegistry();
  });

  it('gives the lease back and saves the cursor within the reserve, after the call deadline', async () => {
    // Act
    const { userId, call, acts, summary } = await sweepWithALateAnswer((c) => ({
      deadlineAtMs: c.deadlineAtMs + 2000,
    }));

    // Assess: the item was tried once and failed; its lease is free again; the cursor moved on
    expect(acts).toBe(1);
    expect(summary.items.failed).toBe(1);
    expect(await leases().acquire(leasedItemKey('tink', userId, 'item-1'), 'run-b', 60_000)).toBe(true);
    const cursor = await storedCursor();
    expect(cursor?.savedAtMs).toBeGreaterThan(call.deadlineAtMs);
  });

  it('without a reserve, the same late answer leaves the lease held and the cursor unsaved', async () => {
    // Act
    const { userId, call, acts } = await sweepWithALateAnswer();

    // Assess: what the reserve is for. Saves made while walking empty shards landed in time; the
    // last one, after the late answer, did not.
    expect(acts).toBe(1);
    expect(await leases().acquire(leasedItemKey('tink', userId, 'item-1'), 'run-b', 60_000)).toBe(false);
    expect((await storedCursor())?.savedAtMs ?? 0).toBeLessThan(call.deadlineAtMs);
  });
});
