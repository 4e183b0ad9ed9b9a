import { Expose, Transform } from 'class-transformer';
import { IsArray, IsIn } from 'class-validator';
import { IntSetting } from './int-setting';

// Kept here (not imported from @app/queue) so configuration depends on no other library.
const QueueNames = { VendorSync: 'vendor-sync', ExportSync: 'export-sync' } as const;
import { PleoApiConfig } from './pleo-api.config';

/** Configuration of the worker process (`apps/worker`). */
export class WorkerConfig extends PleoApiConfig {
  /** Vendor-sync jobs one worker process runs at the same time. */
  @IntSetting(1, 100)
  VENDOR_SYNC_CONCURRENCY = 5;

  /**
   * Queues this process works on: comma-separated names, "all" (default), or "none" (only the
   * outbox sweeper). Lets a deployment dedicate workers to a queue.
   */
  @Expose()
  @Transform(({ value }) => (typeof value === 'string' ? value.split(',').map((s) => s.trim()).filter(Boolean) : value))
  @IsArray()
  @IsIn(['all', 'none', ...Object.values(QueueNames)], { each: true, message: `WORKER_QUEUES entries must be all, none, or one of ${Object.values(QueueNames).join(', ')}` })
  WORKER_QUEUES: string[] = ['all'];

  /**
   * How long a job stays locked to a worker without a heartbeat. A worker that dies loses its
   * jobs' locks after this long; they are then retried by another worker (not lost).
   */
  @IntSetting(1, 600)
  JOB_LOCK_SECONDS = 30;

  /** How often the outbox sweeper looks for acknowledged webhooks that never reached the queue. */
  @IntSetting(1, 3600, 'seconds')
  OUTBOX_SWEEP_INTERVAL_SECONDS = 30;

  /** How long a row may stay RECEIVED / QUEUED before the sweeper (re-)enqueues it. */
  @IntSetting(0, 86400, 'seconds')
  OUTBOX_GRACE_SECONDS = 60;

  worksOn(queue: string): boolean {
    if (this.WORKER_QUEUES.includes('none')) return false;
    return this.WORKER_QUEUES.includes('all') || this.WORKER_QUEUES.includes(queue);
  }
}
