import { QueueName } from './queue-names';

/**
 * Jobs carry ids only: PostgreSQL holds the event and is the truth; the worker re-reads it.
 */
export interface WebhookEventJobData {
  webhookEventId: string;
}

/** An export run for a company that no webhook asked for (the poller, start-up recovery). */
export interface CompanyRunJobData {
  companyId: string;
}

export type ExportSyncJobData = WebhookEventJobData | CompanyRunJobData;

export interface JobDataByQueue {
  [QueueName.VendorSync]: WebhookEventJobData;
  [QueueName.ExportSync]: ExportSyncJobData;
}

/**
 * One job per stored event, whoever enqueues it (the API, the sweeper, a replay): BullMQ ignores an
 * add whose jobId already exists, which is what makes re-enqueueing safe. (Custom ids must not be
 * plain integers and must not contain ':'.)
 */
export function jobIdForEvent(webhookEventId: string): string {
  return `event-${webhookEventId}`;
}
