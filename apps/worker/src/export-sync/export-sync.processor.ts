import { Injectable, Logger } from '@nestjs/common';
import { Job, UnrecoverableError } from 'bullmq';
import { CommonConfig, EXPORT_RUNS_PER_WORKER } from '@app/config';
import { ExportCompanyRunRepository } from '@app/database';
import { ExportSyncJobData, QueueName, WebhookEventJobData } from '@app/queue';
import { RunInterrupted } from '@app/runtime';
import { ExportJobRunner, classifySyncError } from '@app/sync';
import { EventJobRunner, RetryableJobError, isLastAttempt } from '../queue-workers/event-job-runner';
import { delayWhenMustWait, waitInsteadMs, waitingMessage } from '../queue-workers/job-wait';
import { QueueProcessor } from '../queue-workers/queue-processor';

@Injectable()
export class ExportSyncProcessor implements QueueProcessor {
  private readonly logger = new Logger(ExportSyncProcessor.name);
  readonly queue = QueueName.ExportSync;
  /** runs of different companies go side by side; one company never twice (its lock) */
  readonly concurrency = EXPORT_RUNS_PER_WORKER;

  constructor(
    private readonly runner: EventJobRunner,
    private readonly exports: ExportJobRunner,
    private readonly config: CommonConfig,
    private readonly companyRuns: ExportCompanyRunRepository,
  ) {}

  process(job: Job<ExportSyncJobData>, token?: string) {
    // A company that is busy, waits for a person or for its ERP allowance: delayed, not failed.
    return delayWhenMustWait(job, token, () => {
      if ('webhookEventId' in job.data) {
        return this.runner.run(job as Job<WebhookEventJobData>, (event, lastAttempt) => {
          if (!event.companyId) throw new Error('the export webhook carries no company id');
          return this.exports.runCompany(event.companyId, event.webhookId, { lastAttempt });
        });
      }
      return this.companyRun(job as Job<{ companyId: string }>);
    });
  }

  /**
   * A run the poller queued (no webhook event, O7): classified like a webhook run — a permanent
   * error fails at once (UnrecoverableError) instead of ten blind retries — and logged with why.
   * Its jobs' outcomes are in export_job_runs (GET /admin/export-jobs) like any other run's.
   */
  private async companyRun(job: Job<{ companyId: string }>) {
    const { companyId } = job.data;
    const lastAttempt = isLastAttempt(job, this.config);
    const attempt = job.attemptsMade + 1;
    await this.companyRuns.started(companyId, attempt);
    try {
      const summary = await this.exports.runCompany(companyId, `run-${job.id}`, { lastAttempt });
      await this.companyRuns.ended(companyId, 'SUCCEEDED', null);
      return summary;
    } catch (err) {
      if (err instanceof RunInterrupted) {
        await this.companyRuns.ended(companyId, 'RETRYING', `Interrupted: ${err.message}`);
        throw err;
      }
      if (waitInsteadMs(err) !== undefined) {
        await this.companyRuns.ended(companyId, 'RETRYING', waitingMessage(err));
        throw err;
      }
      const failure = classifySyncError(err);
      this.logger.warn(`export run for company ${companyId} (attempt ${attempt}) failed: ${failure.message}`);
      if (!failure.retryable || lastAttempt) {
        const reason = failure.retryable ? `Gave up after ${attempt} attempts. ${failure.message}` : failure.message;
        await this.companyRuns.ended(companyId, 'FAILED', reason);
        throw new UnrecoverableError(reason);
      }
      await this.companyRuns.ended(companyId, 'RETRYING', `Attempt ${attempt} failed: ${failure.message}`);
      throw new RetryableJobError(failure.message, failure.retryAfterMs);
    }
  }
}
