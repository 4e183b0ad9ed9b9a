import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { WorkerConfig } from '@app/config';
import { WebhookEventRepository } from '@app/database';
import { outboxRequeued } from '@app/metrics';
import { EventProducer } from '@app/queue';
import { PeriodicTask } from '@app/runtime';

const BATCH = 500;
const MAX_PER_SWEEP = 20 * BATCH;

/**
 * The outbox sweeper (design §2.2): no acknowledged webhook is ever lost. Rows still RECEIVED (the
 * API could not reach Redis) or QUEUED (their job may have been lost with Redis) after a grace
 * period are enqueued again. A job id is derived from the row id, so re-adding a job that still
 * exists is a no-op: every worker process may sweep at the same time without harm.
 */
@Injectable()
export class OutboxSweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly task: PeriodicTask;

  constructor(
    private readonly config: WorkerConfig,
    private readonly events: WebhookEventRepository,
    private readonly producer: EventProducer,
  ) {
    this.task = new PeriodicTask(new Logger(OutboxSweeper.name), 'outbox sweep', config.OUTBOX_SWEEP_INTERVAL_SECONDS * 1000, async () => {
      const n = await this.sweepOnce();
      return n ? `re-enqueued ${n} stored event(s)` : undefined;
    });
  }

  onApplicationBootstrap(): void {
    this.task.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.task.stop();
  }

  /** One pass; returns how many events were (re-)enqueued. Throws when Redis or PostgreSQL fails. */
  async sweepOnce(): Promise<number> {
    let total = 0;
    while (total < MAX_PER_SWEEP) {
      const stuckAfter = Math.max(300, 10 * this.config.JOB_LOCK_SECONDS);
      const rows = await this.events.findUnqueued(this.config.OUTBOX_GRACE_SECONDS, BATCH, stuckAfter);
      if (!rows.length) break;
      // requeue, not a plain add: a replayed row may still have its old finished job in Redis,
      // which would turn a plain add with the same job id into a no-op.
      let enqueued = 0;
      const swept: string[] = [];
      for (const row of rows) {
        try {
          if (await this.producer.requeue(row)) enqueued++;
          swept.push(row.id);
        } catch (err) {
          // A job running right now (a long one): leave its row alone.
          if (!/being processed/.test((err as Error).message)) throw err;
        }
      }
      // Touches every swept row (also those of types no queue handles), so the scan moves on.
      await this.events.markQueued(swept);
      total += enqueued;
      outboxRequeued.inc(enqueued);
      if (rows.length < BATCH) break;
    }
    return total;
  }
}
