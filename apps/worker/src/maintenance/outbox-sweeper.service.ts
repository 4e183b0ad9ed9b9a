import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { WorkerConfig } from '@app/config';
import { WebhookEventRepository } from '@app/database';
import { EventProducer } from '@app/queue';

const BATCH = 500;
const MAX_PER_SWEEP = 20 * BATCH;

/**
 * The outbox sweeper (design §2.2): no acknowledged webhook is ever lost. Rows still RECEIVED (the
 * API could not reach Redis) or QUEUED (their job may have been lost with Redis) after a grace
 * period are enqueued again. A job id is derived from the row id, so re-adding a job that still
 * exists is a no-op: every worker process may sweep at the same time without harm.
 */
@Injectable()
export class OutboxSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OutboxSweeper.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;

  constructor(
    private readonly config: WorkerConfig,
    private readonly events: WebhookEventRepository,
    private readonly producer: EventProducer,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.tick(), this.config.OUTBOX_SWEEP_INTERVAL_SECONDS * 1000);
    this.tick();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private tick(): void {
    if (this.running) return; // a slow sweep is not overlapped by the next one
    this.running = this.sweepOnce()
      .then((n) => n && this.logger.log(`re-enqueued ${n} stored event(s)`))
      .catch((err) => this.logger.warn(`outbox sweep failed, will retry: ${(err as Error).message}`))
      .finally(() => (this.running = undefined));
  }

  /** One pass; returns how many events were (re-)enqueued. Throws when Redis or PostgreSQL fails. */
  async sweepOnce(): Promise<number> {
    let total = 0;
    while (total < MAX_PER_SWEEP) {
      const rows = await this.events.findUnqueued(this.config.OUTBOX_GRACE_SECONDS, BATCH);
      if (!rows.length) break;
      const enqueued = await this.producer.enqueue(rows);
      // Touches every swept row (also those of types no queue handles), so the scan moves on.
      await this.events.markQueued(rows.map((r) => r.id));
      total += enqueued.length;
      if (rows.length < BATCH) break;
    }
    return total;
  }
}
