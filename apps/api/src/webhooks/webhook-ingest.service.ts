import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { NewWebhookEvent, StoredEventRef, WebhookEventRepository, WebhookEventStatus, isDatabaseUnavailable } from '@app/database';
import { HeaderBag, InvalidEnvelope, MAX_ID_LENGTH, WebhookVerifier, parseWebhookEnvelope } from '@app/pleo';
import { EventProducer } from '@app/queue';
import { GroupCommit, PendingItem } from './group-commit';
import { IngestStageTimings, StageTrace } from './ingest-stage-timings';
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

type Pending = PendingItem<NewWebhookEvent, IngestResult>;

/**
 * A batch takes what arrived while the flushes before it were committing, up to these caps:
 * enough to absorb a redelivery storm in a few statements, small enough that one statement stays
 * short. A few flushes run at once (PostgreSQL shares one WAL flush between concurrent commits
 * too), well within the pool's 20 connections. What waits is capped (review finding 14): a slow
 * database under a storm answers 503 + Retry-After beyond it instead of growing memory to an OOM.
 */
export const INGEST_BATCH_LIMITS = { maxItems: 500, maxBytes: 4 * 1024 * 1024, maxInFlight: 8, maxWaitingItems: 5_000, maxWaitingBytes: 64 * 1024 * 1024 };

/** A value PostgreSQL refuses (SQLSTATE class 22, data exception; 54000, e.g. an index entry too large). */
function isRefusedValue(err: unknown): err is Error & { code: string } {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('22') || code === '54000');
}

/**
 * The hot path (design §2.1): verify → validate → store once → enqueue. Concurrent webhooks share
 * one INSERT (group commit, issue #14) and one `addBulk`; each is answered only after its own row is
 * committed. Once committed the webhook is acknowledged whatever Redis does; the outbox sweeper
 * covers a failed enqueue.
 */
@Injectable()
export class WebhookIngestService {
  private readonly logger = new Logger(WebhookIngestService.name);
  private readonly batches = new GroupCommit<NewWebhookEvent, IngestResult>((batch) => this.store(batch), INGEST_BATCH_LIMITS);

  constructor(
    private readonly verifier: WebhookVerifier,
    private readonly events: WebhookEventRepository,
    private readonly producer: EventProducer,
    @Optional() @Inject(IngestStageTimings) private readonly timings?: IngestStageTimings,
  ) {}

  async ingest(rawBody: Buffer, headers: HeaderBag, body: unknown, trace?: StageTrace): Promise<IngestResult> {
    const { webhookId } = this.verifier.verify(rawBody, headers);
    if (body instanceof MalformedJson) throw new InvalidEnvelope([body.reason]);
    if (webhookId.length > MAX_ID_LENGTH) {
      throw new InvalidEnvelope([`webhook-id must be shorter than or equal to ${MAX_ID_LENGTH} characters`]);
    }
    const parsed = parseWebhookEnvelope(body);
    const event: NewWebhookEvent = {
      webhookId,
      eventId: parsed.eventId,
      eventType: parsed.eventType,
      companyId: parsed.companyId,
      subjectId: parsed.subjectId,
      payload: parsed.payload,
      // Stored as QUEUED because the enqueue follows at once; a failed enqueue turns it RECEIVED.
      status: parsed.kind ? 'QUEUED' : 'IGNORED',
    };
    if (trace) this.timings?.submitted(event, trace);
    return this.batches.submit(event, rawBody.length);
  }

  /** One batch: one statement; the enqueue runs on while the next batch is being stored. */
  private async store(batch: Pending[]): Promise<void> {
    this.timings?.markItems(batch, 'flushStarted');
    let stored: (StoredEventRef | Error)[];
    try {
      stored = await this.events.insertMany(batch.map((p) => p.item));
      this.timings?.markItems(batch, 'committed');
    } catch (err) {
      if (isDatabaseUnavailable(err)) throw new StorageUnavailable(err);
      // One bad row fails the statement; row by row, it fails only its own request.
      this.logger.warn(`a batch of ${batch.length} webhook(s) was refused (${(err as Error).message}); storing them one by one`);
      stored = await this.storeOneByOne(batch);
    }
    const toQueue: { pending: Pending; row: StoredEventRef }[] = [];
    batch.forEach((pending, i) => {
      const row = stored[i];
      if (row instanceof Error) pending.reject(row);
      else if (!row.created) {
        pending.resolve({ outcome: 'duplicate', httpStatus: 200, body: { id: row.id, status: row.status, duplicate: true } });
      } else if (row.status === 'IGNORED') {
        pending.resolve({ outcome: 'ignored', httpStatus: 200, body: { id: row.id, status: row.status } });
      } else toQueue.push({ pending, row });
    });
    if (toQueue.length) void this.enqueue(toQueue);
  }

  private async storeOneByOne(batch: Pending[]): Promise<(StoredEventRef | Error)[]> {
    const results: (StoredEventRef | Error)[] = [];
    let unavailable: StorageUnavailable | undefined;
    for (const { item } of batch) {
      // Once the database is gone the rest are answered 503 at once, not after a connect timeout each.
      if (unavailable) {
        results.push(unavailable);
        continue;
      }
      try {
        results.push(await this.events.insertOnce(item));
      } catch (err) {
        if (isDatabaseUnavailable(err)) results.push((unavailable = new StorageUnavailable(err)));
        else if (isRefusedValue(err)) results.push(new InvalidEnvelope([`the event cannot be stored: ${err.message}`]));
        else results.push(err as Error);
      }
    }
    return results;
  }

  private async enqueue(rows: { pending: Pending; row: StoredEventRef }[]): Promise<void> {
    let status: WebhookEventStatus = 'QUEUED';
    try {
      await this.producer.enqueueMany(rows.map(({ row }) => row));
      this.timings?.markItems(rows.map(({ pending }) => pending), 'enqueued');
    } catch (err) {
      this.logger.warn(`${rows.length} event(s) stored but not queued (the sweeper will queue them): ${(err as Error).message}`);
      status = 'RECEIVED';
      // Best effort: the sweeper re-enqueues QUEUED rows past their grace period as well.
      await this.events
        .markReceivedMany(rows.map(({ row }) => row.id))
        .catch((e) => this.logger.warn(`${rows.length} event(s): could not mark them RECEIVED: ${(e as Error).message}`));
    }
    for (const { pending, row } of rows) pending.resolve({ outcome: 'accepted', httpStatus: 202, body: { id: row.id, status } });
  }
}
