import { JobsOptions } from 'bullmq';

/**
 * How long finished jobs stay in Redis. PostgreSQL keeps the durable record; Redis keeps recent
 * completed jobs for the dashboard and failed ones long enough to inspect. One place, every queue.
 */
export const JOB_RETENTION: Pick<JobsOptions, 'removeOnComplete' | 'removeOnFail'> = {
  removeOnComplete: { age: 24 * 3600, count: 10_000 },
  removeOnFail: { age: 14 * 24 * 3600, count: 50_000 },
};

/** An add that Redis has not answered within this time is treated as failed (the sweeper retries). */
export const ENQUEUE_TIMEOUT_MS = 1_000;

/** Name of the custom backoff strategy the workers register (exponential, jitter, Retry-After). */
export const SYNC_BACKOFF_TYPE = 'sync-backoff';
