import { Injectable, Logger } from '@nestjs/common';
import { WebhookEventRepository, WebhookEventStatus, isDatabaseUnavailable } from '@app/database';
import { HeaderBag, InvalidEnvelope, WebhookVerifier, parseWebhookEnvelope } from '@app/pleo';
import { EventProducer } from '@app/queue';
import { MalformedJson } from './json-body-parser';

export class StorageUnavailable extends Error {
  constructor(cause: unknown) {
    super('the event store is unavailable', { cause });
    this.name = 'StorageUnavailable';
  }
}

export type IngestOutcome = 'accepted' | 'duplicate' | 'ignored';

export interface IngestResult {
  outcome: IngestOutcome;
  httpStatus: 200 | 202;
  body: { id: string; status: WebhookEventStatus; duplicate?: true };
}

/**
 * The hot path (design §2.1): verify → validate → store once → enqueue. Once the row is committed
 * the webhook is acknowledged whatever Redis does; the outbox sweeper covers a failed enqueue.
 */
@Injectable()
export class WebhookIngestService {
  private readonly logger = new Logger(WebhookIngestService.name);

  constructor(
    private readonly verifier: WebhookVerifier,
    private readonly events: WebhookEventRepository,
    private readonly producer: EventProducer,
  ) {}

  async ingest(rawBody: Buffer, headers: HeaderBag, body: unknown): Promise<IngestResult> {
    const { webhookId } = this.verifier.verify(rawBody, headers);
    if (body instanceof MalformedJson) throw new InvalidEnvelope([body.reason]);
    const parsed = parseWebhookEnvelope(body);

    let stored;
    try {
      stored = await this.events.insertOnce({
        webhookId,
        eventId: parsed.eventId,
        eventType: parsed.eventType,
        companyId: parsed.companyId,
        subjectId: parsed.subjectId,
        payload: parsed.payload,
        // Stored as QUEUED because the enqueue follows at once; a failed enqueue turns it RECEIVED.
        status: parsed.kind ? 'QUEUED' : 'IGNORED',
      });
    } catch (err) {
      if (isDatabaseUnavailable(err)) throw new StorageUnavailable(err);
      throw err;
    }

    if (!stored.created) {
      return { outcome: 'duplicate', httpStatus: 200, body: { id: stored.id, status: stored.status, duplicate: true } };
    }
    if (!parsed.kind) {
      return { outcome: 'ignored', httpStatus: 200, body: { id: stored.id, status: stored.status } };
    }
    return { outcome: 'accepted', httpStatus: 202, body: { id: stored.id, status: await this.enqueue(stored) } };
  }

  private async enqueue(stored: { id: string; eventType: string }): Promise<WebhookEventStatus> {
    try {
      await this.producer.enqueue(stored);
      return 'QUEUED';
    } catch (err) {
      this.logger.warn(`event ${stored.id} stored but not queued (the sweeper will queue it): ${(err as Error).message}`);
    }
    // Best effort: the sweeper re-enqueues QUEUED rows past their grace period as well.
    await this.events.markReceived(stored.id).catch((err) =>
      this.logger.warn(`event ${stored.id}: could not mark it RECEIVED: ${(err as Error).message}`),
    );
    return 'RECEIVED';
  }
}
