import { Injectable, Logger } from '@nestjs/common';
import { Job, UnrecoverableError } from 'bullmq';
import { ClaimedEvent, WebhookEventRepository } from '@app/database';
import { CommonConfig } from '@app/config';
import { WebhookEventJobData } from '@app/queue';
import { RunInterrupted } from '@app/runtime';
import { classifySyncError } from '@app/sync';
import { waitInsteadMs, waitingMessage } from './job-wait';

/** Carries a Retry-After (or other wait) from a failure to the queue's backoff strategy. */
export class RetryableJobError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'RetryableJobError';
  }
}

/** Whether this try is the job's last: the worker's setting rules, the job's own limit caps it. */
export function isLastAttempt(job: Job, config: CommonConfig): boolean {
  return job.attemptsMade + 1 >= Math.min(job.opts.attempts ?? 1, config.SYNC_MAX_ATTEMPTS);
}

/**
 * The part every event processor shares: claim the event row, run the sync, and record the outcome
 * on the row in words a bookkeeper understands. Retryable failures go back to BullMQ for another
 * try (until the attempts run out); permanent ones fail at once (UnrecoverableError).
 */
@Injectable()
export class EventJobRunner {
  private readonly logger = new Logger(EventJobRunner.name);

  constructor(
    private readonly events: WebhookEventRepository,
    private readonly config: CommonConfig,
  ) {}

  async run<T>(job: Job<WebhookEventJobData>, handle: (event: ClaimedEvent, lastAttempt: boolean) => Promise<T>): Promise<T | { skipped: string }> {
    const event = await this.events.claim(job.data.webhookEventId);
    if (!event) return { skipped: 'the event is finished or unknown' };
    try {
      const result = await handle(event, isLastAttempt(job, this.config));
      if (!(await this.events.markSucceeded(event))) this.logger.warn(`event ${event.id}: claimed again elsewhere meanwhile; its outcome stands`);
      return result;
    } catch (err) {
      if (err instanceof RunInterrupted) {
        // Stopped at a safe point (shutdown, lost lock): handed back, not an attempt; the next run continues.
        await this.events.releaseBusy(event, `Interrupted: ${err.message}`);
        throw err;
      }
      if (waitInsteadMs(err) !== undefined) {
        // Not a failure, not an attempt (company busy, connection waiting for a person or its ERP allowance): the processor delays the job.
        await this.events.releaseBusy(event, waitingMessage(err));
        throw err;
      }
      const failure = classifySyncError(err);
      const attempt = job.attemptsMade + 1;
      // The worker's setting rules; the job's own limit (set when it was added) caps it.
      const max = Math.min(job.opts.attempts ?? 1, this.config.SYNC_MAX_ATTEMPTS);
      if (!failure.retryable || attempt >= max) {
        const reason = failure.retryable ? `Gave up after ${attempt} attempts. ${failure.message}` : failure.message;
        await this.events.markFailed(event, reason);
        this.logger.warn(`event ${event.id} (${event.eventType}) failed: ${reason}`);
        throw new UnrecoverableError(reason);
      }
      const delay = failure.retryAfterMs ? ` in ${Math.ceil(failure.retryAfterMs / 1000)} s` : '';
      await this.events.markRetrying(event, `Attempt ${attempt} of ${max} failed: ${failure.message} Next try${delay || ' soon'}.`);
      this.logger.warn(`event ${event.id} attempt ${attempt}/${max} failed: ${(err as Error)?.message ?? err}`);
      throw new RetryableJobError(failure.message, failure.retryAfterMs);
    }
  }
}
