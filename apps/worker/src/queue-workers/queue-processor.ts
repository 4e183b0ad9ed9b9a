import { Job } from 'bullmq';
import { QueueName } from '@app/queue';

/** A thin handler for one queue; registered under QUEUE_PROCESSORS. */
export interface QueueProcessor {
  readonly queue: QueueName;
  /** jobs of this queue one worker process runs at the same time */
  readonly concurrency: number;
  /** `token`: the job's lock token, needed to move the job (e.g. to delayed) */
  process(job: Job, token?: string): Promise<unknown>;
}

export const QUEUE_PROCESSORS = Symbol('QUEUE_PROCESSORS');
