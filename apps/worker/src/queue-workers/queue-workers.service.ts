import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown, OnModuleDestroy } from '@nestjs/common';
import { Worker } from 'bullmq';
import IORedis from 'ioredis';
import { WorkerConfig } from '@app/config';
import { observeSyncJob } from '@app/metrics';
import { ALL_QUEUES, SYNC_BACKOFF_TYPE } from '@app/queue';
import { ShutdownSignal, backoffDelayMs, heartbeats } from '@app/runtime';
import { QUEUE_PROCESSORS, QueueProcessor } from './queue-processor';
import { RetryableJobError } from './event-job-runner';

/**
 * Runs one BullMQ Worker per registered processor. Workers start only once the whole application
 * is up (no job is taken by a half-built process) and close on shutdown: no new jobs, in-flight ones
 * finish; a job cut off by a hard stop is retried by another worker after its lock expires.
 */
@Injectable()
export class QueueWorkersService implements OnApplicationBootstrap, OnModuleDestroy, OnApplicationShutdown {
  private readonly logger = new Logger('QueueWorkers');
  private readonly workers: Worker[] = [];
  private connection?: IORedis;
  private liveness?: { timer: NodeJS.Timeout; unregister(): void };

  constructor(
    private readonly config: WorkerConfig,
    @Inject(QUEUE_PROCESSORS) private readonly processors: QueueProcessor[],
    private readonly shutdown: ShutdownSignal,
  ) {
    const seen = new Set<string>();
    for (const p of processors) {
      if (seen.has(p.queue)) throw new Error(`two processors registered for queue ${p.queue}`);
      seen.add(p.queue);
    }
  }

  onApplicationBootstrap(): void {
    const missing = ALL_QUEUES.filter((q) => !this.processors.some((p) => p.queue === q));
    if (missing.length) this.logger.warn(`no processor yet for: ${missing.join(', ')} (their jobs wait in Redis)`);
    // BullMQ workers need maxRetriesPerRequest: null (blocking commands must not time out).
    this.connection = new IORedis(this.config.REDIS_URL, {
      maxRetriesPerRequest: null,
      connectionName: `${this.config.QUEUE_PREFIX}-worker`,
    });
    this.connection.on('error', (err) => this.logger.warn(`redis: ${err.message}`));
    const base = this.config.SYNC_BACKOFF_BASE_SECONDS * 1000;
    const max = this.config.SYNC_BACKOFF_MAX_SECONDS * 1000;
    const lockMs = this.config.JOB_LOCK_SECONDS * 1000;
    for (const processor of this.processors) {
      if (!this.config.worksOn(processor.queue)) continue;
      const worker = new Worker(processor.queue, (job, token) => observeSyncJob(processor.queue, () => processor.process(job, token)), {
        connection: this.connection,
        prefix: this.config.QUEUE_PREFIX,
        concurrency: processor.concurrency,
        lockDuration: lockMs,
        stalledInterval: lockMs,
        maxStalledCount: 3,
        settings: {
          backoffStrategy: (attemptsMade: number, type?: string, err?: Error) => {
            if (type !== SYNC_BACKOFF_TYPE) return backoffDelayMs(attemptsMade, base, max);
            const retryAfter = err instanceof RetryableJobError ? err.retryAfterMs : undefined;
            return retryAfter ?? backoffDelayMs(attemptsMade, base, max);
          },
        },
      });
      worker.on('error', (err) => this.logger.warn(`worker ${processor.queue}: ${err.message}`));
      this.workers.push(worker);
      this.logger.log(`processing ${processor.queue} (concurrency ${processor.concurrency})`);
    }
    this.watchLiveness();
  }

  /** A heartbeat while every BullMQ worker is still running (one that stopped on its own is wedged). */
  private watchLiveness(): void {
    if (!this.workers.length) return;
    const heartbeat = heartbeats.register('queue workers', 60_000);
    const timer = setInterval(() => this.workers.every((w) => w.isRunning()) && heartbeat.beat(), 10_000);
    timer.unref();
    this.liveness = { timer, unregister: heartbeat.unregister };
  }

  /**
   * First phase of shutdown: running export runs are asked to stop at their next safe point (they
   * finish the item in hand, report, release the company lock and hand their job back); no new jobs
   * are taken; running ones finish (database still open).
   */
  async onModuleDestroy(): Promise<void> {
    this.shutdown.trigger();
    clearInterval(this.liveness?.timer);
    this.liveness?.unregister();
    await Promise.all(this.workers.map((w) => w.close()));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.connection?.quit().catch(() => this.connection?.disconnect());
  }
}
