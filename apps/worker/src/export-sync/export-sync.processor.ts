import { Injectable } from '@nestjs/common';
import { DelayedError, Job } from 'bullmq';
import { EXPORT_RUNS_PER_WORKER } from '@app/config';
import { ExportSyncJobData, QueueName, WebhookEventJobData } from '@app/queue';
import { RunInterrupted } from '@app/runtime';
import { CompanyBusy, ExportJobRunner } from '@app/sync';
import { EventJobRunner } from '../queue-workers/event-job-runner';
import { QueueProcessor } from '../queue-workers/queue-processor';

/** How long a run that found its company busy waits before trying again. */
const BUSY_DELAY_MS = 2_000;

@Injectable()
export class ExportSyncProcessor implements QueueProcessor {
  readonly queue = QueueName.ExportSync;
  /** runs of different companies go side by side; one company never twice (its lock) */
  readonly concurrency = EXPORT_RUNS_PER_WORKER;

  constructor(
    private readonly runner: EventJobRunner,
    private readonly exports: ExportJobRunner,
  ) {}

  async process(job: Job<ExportSyncJobData>, token?: string) {
    try {
      if ('webhookEventId' in job.data) {
        return await this.runner.run(job as Job<WebhookEventJobData>, (event) => {
          if (!event.companyId) throw new Error('the export webhook carries no company id');
          return this.exports.runCompany(event.companyId, event.webhookId);
        });
      }
      return await this.exports.runCompany(job.data.companyId, `run-${job.id}`);
    } catch (err) {
      if (err instanceof CompanyBusy && token) {
        // A job that finds the company taken is delayed, not failed, and no attempt is spent.
        await job.moveToDelayed(Date.now() + BUSY_DELAY_MS, token);
        throw new DelayedError();
      }
      if (err instanceof RunInterrupted && token) {
        // Stopped at a safe point: on shutdown the next worker takes it at once (no stalled-job
        // wait); after a lost lock, it waits like a busy company.
        await job.moveToDelayed(Date.now() + (err.why === 'shutdown' ? 0 : BUSY_DELAY_MS), token);
        throw new DelayedError();
      }
      throw err;
    }
  }
}
