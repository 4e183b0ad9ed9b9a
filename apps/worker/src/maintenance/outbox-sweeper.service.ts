import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { WorkerConfig } from '@app/config';
import { PrismaService, WebhookEventRepository, tryWithAdvisoryLock } from '@app/database';
import { outboxRequeued } from '@app/metrics';
import { EventProducer } from '@app/queue';
import { PeriodicTask } from '@app/runtime';

const BATCH = 500;
const MAX_ROUNDS = 20;

/**
 * The outbox sweeper (design §2.2): no acknowledged webhook is ever lost. Rows still RECEIVED (the
 * API could not reach Redis) or QUEUED (their job may have been lost with Redis) after a grace
 * period are enqueued again. A job id is derived from the row id, so re-adding a job that still
 * exists is a no-op. One sweeper runs at a time across all workers (an advisory lock, O5): the
 * others skip their turn instead of repeating the same Redis round trips.
 */
@Injectable()
export class OutboxSweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly task: PeriodicTask;

  constructor(
    private readonly config: WorkerConfig,
    private readonly events: WebhookEventRepository,
    private readonly producer: EventProducer,
    private readonly prisma: PrismaService,
  ) {
    this.task = new PeriodicTask(new Logger(OutboxSweeper.name), 'outbox sweep', config.OUTBOX_SWEEP_INTERVAL_SECONDS * 1000, async () => {
      const n = await this.sweepOnce(0); // another worker sweeping now: skip this turn
      return n ? `re-enqueued ${n} stored event(s)` : undefined;
    });
  }

  onApplicationBootstrap(): void {
    this.task.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.task.stop();
  }

  /**
   * One pass; returns how many events were (re-)enqueued. Waits up to `waitMs` for another
   * worker's sweep to end; 0 when it did not.
   */
  async sweepOnce(waitMs = 30_000): Promise<number> {
    // Per queue prefix: deployments (or test runs) with queues of their own each get a sweeper.
    const key = `outbox-sweeper:${this.config.QUEUE_PREFIX}`;
    return (await tryWithAdvisoryLock(this.prisma.pool, key, () => this.sweep(), waitMs)) ?? 0;
  }

  /** Bounded rounds, and a round that moves nothing ends the pass: it always terminates. */
  private async sweep(): Promise<number> {
    let total = 0;
    const stuckAfter = Math.max(300, 10 * this.config.JOB_LOCK_SECONDS);
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const rows = await this.events.findUnqueued(this.config.OUTBOX_GRACE_SECONDS, BATCH, stuckAfter);
      if (!rows.length) break;
      const onQueue = await this.producer.unfinishedJobs(rows);
      const swept: string[] = [];
      let enqueued = 0;
      for (const row of rows.filter((r) => !onQueue.has(r.id))) {
        try {
          // requeue, not a plain add: a replayed row may still have its old finished job in Redis,
          // which would turn a plain add with the same job id into a no-op.
          if (await this.producer.requeue(row)) enqueued++;
          swept.push(row.id);
        } catch (err) {
          // A job that started meanwhile (BullMQ says "being processed" or "locked"): leave it alone.
          if (!/being processed|locked/i.test((err as Error).message)) throw err;
        }
      }
      // Swept rows (also of types no queue handles) → QUEUED; rows whose job waits or runs are only
      // touched (a running one stays PROCESSING). Either way the scan moves on.
      await this.events.markQueued(swept);
      await this.events.touch([...onQueue]);
      total += enqueued;
      outboxRequeued.inc(enqueued);
      if (rows.length < BATCH || swept.length + onQueue.size === 0) break;
    }
    return total;
  }
}
