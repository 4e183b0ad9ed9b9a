import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import IORedis from 'ioredis';
import { eventKindOf } from '@app/pleo';
import { CommonConfig } from '@app/config';
import { withTimeout } from '@app/runtime';
import { JOB_RETENTION, ENQUEUE_TIMEOUT_MS, SYNC_BACKOFF_TYPE } from './retention';
import { QueueName, queueForEvent } from './queue-names';
import { WebhookEventJobData, jobIdForEvent } from './job-payloads';
import { PRODUCER_CONNECTION } from './redis-connection';

export interface EnqueueableEvent {
  id: string;
  eventType: string;
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
    @Inject(PRODUCER_CONNECTION) private readonly redis: IORedis,
  ) {
    this.queues = { [QueueName.VendorSync]: vendorSync, [QueueName.ExportSync]: exportSync };
    for (const queue of Object.values(this.queues)) {
      // A queue without an 'error' listener would crash the process when Redis goes away.
      queue.on('error', (err) => this.logger.warn(`queue ${queue.name}: ${err.message}`));
    }
  }

  /** Retention and retries, the same for every job. */
  private retryOptions() {
    return { ...JOB_RETENTION, attempts: this.config.SYNC_MAX_ATTEMPTS, backoff: { type: SYNC_BACKOFF_TYPE } };
  }

  private jobOptions(eventId: string) {
    return { jobId: jobIdForEvent(eventId), ...this.retryOptions() };
  }

  /** The queue for an event type; undefined for types no queue handles. */
  private queueFor(eventType: string): Queue<WebhookEventJobData> | undefined {
    const kind = eventKindOf(eventType);
    return kind ? this.queues[queueForEvent(kind)] : undefined;
  }

  /**
   * The jobs of many events in one round trip per queue (`addBulk`: one MULTI, so all or none; a
   * lone job is a plain `add`, the same one script call without the MULTI around it — at moderate
   * rates most batches are of one, and each `addBulk` builds an ioredis pipeline that copies every
   * BullMQ script onto itself, the largest single cost of such a request in a CPU profile, issue #14).
   * Events no queue handles are skipped. Throws when Redis does not take them in time.
   */
  async enqueueMany(events: readonly EnqueueableEvent[]): Promise<void> {
    const byQueue = new Map<Queue<WebhookEventJobData>, EnqueueableEvent[]>();
    for (const event of events) {
      const queue = this.queueFor(event.eventType);
      if (!queue) continue;
      const batch = byQueue.get(queue);
      if (batch) batch.push(event);
      else byQueue.set(queue, [event]);
    }
    await Promise.all(
      [...byQueue].map(([queue, batch]) => {
        const added: Promise<unknown> =
          batch.length === 1
            ? queue.add(batch[0].eventType, { webhookEventId: batch[0].id }, this.jobOptions(batch[0].id))
            : queue.addBulk(batch.map((e) => ({ name: e.eventType, data: { webhookEventId: e.id }, opts: this.jobOptions(e.id) })));
        // A large batch is one large MULTI: it gets a little longer, a lone job fails as fast as ever.
        return withTimeout(added, ENQUEUE_TIMEOUT_MS + batch.length, `adding ${batch.length} job(s) to ${queue.name}`);
      }),
    );
  }

  /**
   * For a replay: drops the event's finished job (kept for inspection, and it would make a new add
   * a no-op) and adds a fresh one. Refuses while the job is running. False for unqueueable types.
   */
  async requeue(event: EnqueueableEvent): Promise<boolean> {
    const queue = this.queueFor(event.eventType);
    if (!queue) return false;
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
   * The events whose job is still on its queue and not finished (waiting, delayed or active): one
   * pipelined round trip per queue instead of several per event (O5).
   */
  async unfinishedJobs(events: EnqueueableEvent[]): Promise<Set<string>> {
    const unfinished = new Set<string>();
    const byQueue = new Map<Queue<WebhookEventJobData>, EnqueueableEvent[]>();
    for (const e of events) {
      const queue = this.queueFor(e.eventType);
      if (queue) byQueue.set(queue, [...(byQueue.get(queue) ?? []), e]);
    }
    for (const [queue, list] of byQueue) {
      // The queues' own connection (see QueueModule); it queues nothing while offline, so wait
      // for it as the queue's own commands do.
      await withTimeout(queue.waitUntilReady(), ENQUEUE_TIMEOUT_MS * 5, `connecting to ${queue.name}`);
      const pipeline = this.redis.pipeline();
      for (const e of list) {
        const jobId = jobIdForEvent(e.id);
        pipeline.exists(queue.toKey(jobId)).zscore(queue.toKey('completed'), jobId).zscore(queue.toKey('failed'), jobId);
      }
      const answers = await withTimeout(pipeline.exec(), ENQUEUE_TIMEOUT_MS * 5, `checking ${list.length} jobs of ${queue.name}`);
      const results = (answers ?? []) as [Error | null, unknown][];
      const failure = results.find(([err]) => err)?.[0];
      if (failure) throw failure;
      list.forEach((e, i) => {
        const [exists, completed, failed] = results.slice(3 * i, 3 * i + 3).map(([, value]) => value);
        if (exists === 1 && completed === null && failed === null) unfinished.add(e.id);
      });
    }
    return unfinished;
  }

  /**
   * An export run for a company (poller, recovery). Deduplicated: while one is waiting, adding
   * another is a no-op, so every worker may poll without piling up runs.
   */
  async enqueueCompanyRun(companyId: string): Promise<void> {
    const queue = this.queues[QueueName.ExportSync] as unknown as Queue<{ companyId: string }>;
    await withTimeout(
      queue.add('export-run', { companyId }, { ...this.retryOptions(), deduplication: { id: `company-run-${companyId}` } }),
      ENQUEUE_TIMEOUT_MS,
      `adding an export run for ${companyId}`,
    );
  }
}
