import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import { Queue } from 'bullmq';
import { eventKindOf } from '@app/pleo';
import { JOB_RETENTION, ENQUEUE_TIMEOUT_MS } from './retention';
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
  ) {
    this.queues = { [QueueName.VendorSync]: vendorSync, [QueueName.ExportSync]: exportSync };
    for (const queue of Object.values(this.queues)) {
      // A queue without an 'error' listener would crash the process when Redis goes away.
      queue.on('error', (err) => this.logger.warn(`queue ${queue.name}: ${err.message}`));
    }
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
        opts: { jobId: jobIdForEvent(e.id), ...JOB_RETENTION },
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
