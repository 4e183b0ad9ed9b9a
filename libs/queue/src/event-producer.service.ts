import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import { eventKindOf } from '@app/pleo';
import { CommonConfig } from '@app/config';
import { JOB_RETENTION, ENQUEUE_TIMEOUT_MS, SYNC_BACKOFF_TYPE } from './retention';
import { QueueName, queueForEvent } from './queue-names';
import { WebhookEventJobData, jobIdForEvent } from './job-payloads';

export interface EnqueueableEvent {
  id: string;
  eventType: string;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** The one place that puts stored webhook events on their queue. */
@Injectable()
export class EventProducer {
  private readonly logger = new Logger(EventProducer.name);
  private readonly queues: Record<QueueName, Queue<WebhookEventJobData>>;

  constructor(
    @InjectQueue(QueueName.VendorSync) vendorSync: Queue<WebhookEventJobData>,
    @InjectQueue(QueueName.ExportSync) exportSync: Queue<WebhookEventJobData>,
    private readonly config: CommonConfig,
  ) {
    this.queues = { [QueueName.VendorSync]: vendorSync, [QueueName.ExportSync]: exportSync };
    for (const queue of Object.values(this.queues)) {
      // A queue without an 'error' listener would crash the process when Redis goes away.
      queue.on('error', (err) => this.logger.warn(`queue ${queue.name}: ${err.message}`));
    }
  }

  private jobOptions(eventId: string) {
    return {
      jobId: jobIdForEvent(eventId),
      ...JOB_RETENTION,
      attempts: this.config.SYNC_MAX_ATTEMPTS,
      backoff: { type: SYNC_BACKOFF_TYPE },
    };
  }

  /**
   * For a replay: drops the event's finished job (kept for inspection, and it would make a new add
   * a no-op) and adds a fresh one. Refuses while the job is running. False for unqueueable types.
   */
  async requeue(event: EnqueueableEvent): Promise<boolean> {
    const kind = eventKindOf(event.eventType);
    if (!kind) return false;
    const queue = this.queues[queueForEvent(kind)];
    const existing = await queue.getJob(jobIdForEvent(event.id));
    if (existing) {
      const state = await existing.getState();
      if (state === 'active') throw new Error(`event ${event.id} is being processed right now`);
      if (state === 'completed' || state === 'failed') await existing.remove();
      else return true; // still waiting or delayed: it will run
    }
    await queue.add(event.eventType, { webhookEventId: event.id }, this.jobOptions(event.id));
    return true;
  }

  /**
   * An export run for a company (poller, recovery). Deduplicated: while one is waiting, adding
   * another is a no-op, so every worker may poll without piling up runs.
   */
  async enqueueCompanyRun(companyId: string): Promise<void> {
    const queue = this.queues[QueueName.ExportSync] as unknown as Queue<{ companyId: string }>;
    await withTimeout(
      queue.add('export-run', { companyId }, {
        ...JOB_RETENTION,
        attempts: this.config.SYNC_MAX_ATTEMPTS,
        backoff: { type: SYNC_BACKOFF_TYPE },
        deduplication: { id: `company-run-${companyId}` },
      }),
      ENQUEUE_TIMEOUT_MS,
      `adding an export run for ${companyId}`,
    );
  }

  queue(name: QueueName): Queue<WebhookEventJobData> {
    return this.queues[name];
  }

  /**
   * Adds one job per event (idempotent per event id). Throws when Redis does not take them; events
   * of a type no queue handles are skipped and not returned.
   */
  async enqueue(events: EnqueueableEvent[]): Promise<string[]> {
    const byQueue = new Map<QueueName, EnqueueableEvent[]>();
    for (const event of events) {
      const kind = eventKindOf(event.eventType);
      if (!kind) continue;
      const name = queueForEvent(kind);
      byQueue.set(name, [...(byQueue.get(name) ?? []), event]);
    }
    const added: string[] = [];
    for (const [name, batch] of byQueue) {
      const jobs = batch.map((e) => ({
        name: e.eventType,
        data: { webhookEventId: e.id },
        opts: this.jobOptions(e.id),
      }));
      const queue = this.queues[name];
      const adding: Promise<unknown> =
        jobs.length === 1 ? queue.add(jobs[0].name, jobs[0].data, jobs[0].opts) : queue.addBulk(jobs);
      await withTimeout(
        adding,
        ENQUEUE_TIMEOUT_MS,
        `adding ${jobs.length} job(s) to ${name}`,
      );
      added.push(...batch.map((e) => e.id));
    }
    return added;
  }
}
