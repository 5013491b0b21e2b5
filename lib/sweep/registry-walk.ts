// The registry in sweep order — shard by shard, users in key order within a shard — as one stream
// that any number of workers pull from, a page at a time, with no barrier between pages or shards
// (most shards hold a few users; waiting for each page to finish would idle the workers). Each step
// carries the cursor that is safe to persist once it and every step before it are done, so the
// cursor only ever moves past work that finished.
import type { Deadline } from '../deadline';
import type { Enrollment, EnrollmentRegistry } from '../registry';
import { providerUserKey } from '../table/keys';
import type { SweepCursor } from './cursor';

export interface WalkStep {
  /** Absent for the step that closes a shard (nothing to do; it moves the cursor on). */
  enrollment?: Enrollment;
  /** Where the next run may start once this step and every earlier one are done. */
  cursorAfter: SweepCursor;
  /** This step closes the last shard: the pass is complete once it is committed. */
  endsPass: boolean;
  done: boolean;
}

export class RegistryWalk {
  private readonly buffer: WalkStep[] = [];
  /** Steps handed out and not yet committed, in walk order. */
  private readonly pending: WalkStep[] = [];
  private fetching: Promise<void> | undefined;
  private exhausted = false;
  private shard: number;
  private after: string | undefined;
  private committedCursor: SweepCursor;
  private passCompleted = false;

  constructor(
    private readonly registry: EnrollmentRegistry,
    private readonly start: SweepCursor,
    private readonly pageSize: number,
    /** Every page is read by this deadline (the run's), or given up on. */
    private readonly deadline: Deadline | undefined,
    /** Called before each page is read, e.g. to persist the cursor as the walk goes. */
    private readonly beforePage: () => Promise<void> = async () => undefined,
  ) {
    this.shard = Math.min(start.shard, registry.shards - 1);
    this.after = start.shard === this.shard ? start.after : undefined;
    this.committedCursor = start;
  }

  /** The cursor after the longest run of finished steps from the start. */
  get cursor(): SweepCursor {
    return this.committedCursor;
  }

  get completedPass(): boolean {
    return this.passCompleted;
  }

  /** The next step in walk order, or undefined once the pass is fully handed out. */
  async next(): Promise<WalkStep | undefined> {
    while (this.buffer.length === 0 && !this.exhausted) {
      this.fetching ??= this.fetchPage().finally(() => {
        this.fetching = undefined;
      });
      await this.fetching;
    }
    const step = this.buffer.shift();
    if (step) {
      this.pending.push(step);
      this.commit();
    }
    return step;
  }

  /** Marks a step done and moves the cursor past every finished step at the front. */
  finish(step: WalkStep) {
    step.done = true;
    this.commit();
  }

  private commit() {
    while (this.pending[0]?.done) {
      const step = this.pending.shift() as WalkStep;
      this.committedCursor = step.cursorAfter;
      if (step.endsPass) this.passCompleted = true;
    }
  }

  private async fetchPage() {
    await this.beforePage();
    const shard = this.shard;
    const page = await this.registry.listShard(
      shard,
      { after: this.after, limit: this.pageSize },
      this.deadline,
    );
    const passes = this.start.passes;
    for (const enrollment of page.items) {
      this.buffer.push({
        enrollment,
        cursorAfter: { shard, after: providerUserKey(enrollment.provider, enrollment.userId), passes },
        endsPass: false,
        done: false,
      });
    }
    if (page.nextAfter) {
      this.after = page.nextAfter;
      return;
    }
    const lastShard = shard + 1 >= this.registry.shards;
    this.buffer.push({
      cursorAfter: lastShard
        ? { shard: 0, after: undefined, passes: passes + 1 }
        : { shard: shard + 1, after: undefined, passes },
      endsPass: lastShard,
      done: true,
    });
    this.shard = shard + 1;
    this.after = undefined;
    if (lastShard) this.exhausted = true;
  }
}
