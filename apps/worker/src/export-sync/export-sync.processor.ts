import { Injectable } from '@nestjs/common';
import { Job } from 'bullmq';
import { EXPORT_RUNS_PER_WORKER } from '@app/config';
import { ExportSyncJobData, QueueName, WebhookEventJobData } from '@app/queue';
import { ExportJobRunner } from '@app/sync';
import { EventJobRunner } from '../queue-workers/event-job-runner';
import { delayWhenMustWait } from '../queue-workers/job-wait';
import { QueueProcessor } from '../queue-workers/queue-processor';

@Injectable()
export class ExportSyncProcessor implements QueueProcessor {
  readonly queue = QueueName.ExportSync;
  /** runs of different companies go side by side; one company never twice (its lock) */
  readonly concurrency = EXPORT_RUNS_PER_WORKER;

  constructor(
    private readonly runner: EventJobRunner,
    private readonly exports: ExportJobRunner,
  ) {}

  process(job: Job<ExportSyncJobData>, token?: string) {
    // A company that is busy, waits for a person or for its ERP allowance: delayed, not failed.
    return delayWhenMustWait(job, token, () => {
      if ('webhookEventId' in job.data) {
        return this.runner.run(job as Job<WebhookEventJobData>, (event) => {
          if (!event.companyId) throw new Error('the export webhook carries no company id');
          return this.exports.runCompany(event.companyId, event.webhookId);
        });
      }
      return this.exports.runCompany(job.data.companyId, `run-${job.id}`);
    });
  }
}
