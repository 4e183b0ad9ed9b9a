import { Expose, Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { CommonConfig } from './common.config';

/** Configuration of the worker process (`apps/worker`). */
export class WorkerConfig extends CommonConfig {
  /** How often the outbox sweeper looks for acknowledged webhooks that never reached the queue. */
  @Expose()
  @Type(() => Number)
  @IsInt({ message: 'OUTBOX_SWEEP_INTERVAL_SECONDS must be a whole number of seconds' })
  @Min(1)
  @Max(3600)
  OUTBOX_SWEEP_INTERVAL_SECONDS = 30;

  /** How long a row may stay RECEIVED / QUEUED before the sweeper (re-)enqueues it. */
  @Expose()
  @Type(() => Number)
  @IsInt({ message: 'OUTBOX_GRACE_SECONDS must be a whole number of seconds' })
  @Min(0)
  @Max(86400)
  OUTBOX_GRACE_SECONDS = 60;
}
