import { Job } from 'bullmq';
import { QueueName, WebhookEventJobData } from '@app/queue';

/** A thin handler for one queue; registered under QUEUE_PROCESSORS. */
export interface QueueProcessor {
  readonly queue: QueueName;
  /** jobs of this queue one worker process runs at the same time */
  readonly concurrency: number;
  process(job: Job<WebhookEventJobData>): Promise<unknown>;
}

export const QUEUE_PROCESSORS = Symbol('QUEUE_PROCESSORS');
