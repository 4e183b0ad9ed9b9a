import { Injectable } from '@nestjs/common';
import { Prisma, WebhookEventStatus } from './generated/prisma/client';
import { PrismaService } from './prisma.service';
import { insertWebhookEvents, markWebhookEventsReceived } from './webhook-event-batch-insert';

export interface NewWebhookEvent {
  webhookId: string;
  eventId: string;
  eventType: string;
  companyId: string | null;
  subjectId: string | null;
  payload: unknown;
  /** QUEUED when it is about to be enqueued, IGNORED for event types nobody handles. */
  status: Extract<WebhookEventStatus, 'QUEUED' | 'IGNORED'>;
}

export interface StoredEventRef {
  id: string;
  status: WebhookEventStatus;
  eventType: string;
  /** false when a row with this webhook-id already existed (a redelivery). */
  created: boolean;
}

export interface ClaimedEvent {
  id: string;
  webhookId: string;
  eventType: string;
  companyId: string | null;
  subjectId: string | null;
  attempts: number;
}

/** Which claim of an event an outcome belongs to. */
export type ClaimRef = Pick<ClaimedEvent, 'id' | 'attempts'>;

export interface EventListFilter {
  status?: WebhookEventStatus;
  eventType?: string;
  companyId?: string;
  /** receivedAt >= receivedFrom */
  receivedFrom?: Date;
  /** receivedAt < receivedBefore */
  receivedBefore?: Date;
}

export interface EventCursor {
  receivedAt: Date;
  id: string;
}

@Injectable()
export class WebhookEventRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * Inserts the event unless its webhook-id is already stored; either way returns the stored row.
   * The one statement of the webhook hot path, sent as a prepared statement straight to the pool.
   */
  async insertOnce(event: NewWebhookEvent): Promise<StoredEventRef> {
    const { rows } = await this.prisma.pool.query<{ id: string; status: WebhookEventStatus }>({
      name: 'webhook_events_insert_once',
      text: `INSERT INTO webhook_events (webhook_id, event_id, event_type, company_id, subject_id, payload, status)
             VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::"WebhookEventStatus")
             ON CONFLICT (webhook_id) DO NOTHING
             RETURNING id, status`,
      values: [
        event.webhookId,
        event.eventId,
        event.eventType,
        event.companyId,
        event.subjectId,
        JSON.stringify(event.payload),
        event.status,
      ],
    });
    if (rows.length) return { ...rows[0], eventType: event.eventType, created: true };
    // A redelivery (rare): the row that won.
    const existing = await this.prisma.pool.query<{ id: string; status: WebhookEventStatus; eventType: string }>({
      name: 'webhook_events_by_webhook_id',
      text: 'SELECT id, status, event_type AS "eventType" FROM webhook_events WHERE webhook_id = $1',
      values: [event.webhookId],
    });
    return { ...existing.rows[0], created: false };
  }

  /** Group commit (issue #14): see `insertWebhookEvents`. */
  insertMany(events: readonly NewWebhookEvent[]): Promise<StoredEventRef[]> {
    return insertWebhookEvents(this.prisma.pool, events);
  }

  /** `markReceived` for the rows of one ingest batch, in one statement. */
  markReceivedMany(ids: readonly string[]): Promise<void> {
    return markWebhookEventsReceived(this.prisma.pool, ids);
  }

  /** QUEUED → RECEIVED, after an enqueue failed: the row waits for the outbox sweeper. */
  async markReceived(id: string): Promise<void> {
    await this.prisma.$executeRaw`
      UPDATE webhook_events SET status = 'RECEIVED', updated_at = now() WHERE id = ${id}::uuid AND status = 'QUEUED'`;
  }

  /** Swept rows → QUEUED with a fresh updated_at (so the scan moves on); finished rows are left alone. */
  async markQueued(ids: string[]): Promise<number> {
    if (!ids.length) return 0;
    return this.prisma.$executeRaw`
      UPDATE webhook_events SET status = 'QUEUED', updated_at = now()
      WHERE id = ANY(${ids}::uuid[]) AND status IN ('RECEIVED', 'QUEUED', 'PROCESSING')`;
  }

  /** Rows whose job is still on the queue: only updated_at moves, so the sweeper's scan moves on. */
  async touch(ids: string[]): Promise<void> {
    if (!ids.length) return;
    await this.prisma.$executeRaw`
      UPDATE webhook_events SET updated_at = now() WHERE id = ANY(${ids}::uuid[]) AND status IN ('RECEIVED', 'QUEUED', 'PROCESSING')`;
  }

  /**
   * Rows that should be on the queue and have not been touched for `graceSeconds`, least recently
   * touched first. Marking them swept (updated_at = now()) moves the scan on to the next ones.
   */
  async findUnqueued(
    graceSeconds: number,
    limit: number,
    stuckProcessingSeconds = 3600,
  ): Promise<{ id: string; eventType: string }[]> {
    // PROCESSING rows untouched for much longer than any job runs lost their job (it failed as
    // stalled, or Redis lost it); they are swept too.
    return this.prisma.$queryRaw`
      SELECT id, event_type AS "eventType" FROM webhook_events
      WHERE (status IN ('RECEIVED', 'QUEUED') AND updated_at < now() - make_interval(secs => ${graceSeconds}))
         OR (status = 'PROCESSING' AND updated_at < now() - make_interval(secs => ${stuckProcessingSeconds}))
      ORDER BY updated_at
      LIMIT ${limit}`;
  }

  /**
   * Takes the event for processing: → PROCESSING, attempts + 1. PROCESSING is claimable too (a job
   * retried after its worker died); SUCCEEDED, FAILED and IGNORED are not (replay first).
   */
  async claim(id: string): Promise<ClaimedEvent | null> {
    const rows = await this.prisma.$queryRaw<ClaimedEvent[]>`
      UPDATE webhook_events SET status = 'PROCESSING', attempts = attempts + 1, updated_at = now()
      WHERE id = ${id}::uuid AND status IN ('RECEIVED', 'QUEUED', 'PROCESSING')
      RETURNING id, webhook_id AS "webhookId", event_type AS "eventType", company_id AS "companyId",
                subject_id AS "subjectId", attempts`;
    return rows[0] ?? null;
  }

  /**
   * The outcome of one claim. Each write applies only while the row is still PROCESSING under that
   * claim (`attempts` as the claim's token, O6): an executor whose job lock lapsed and whose event
   * was claimed again elsewhere (or finished, or replayed) never overwrites the later outcome.
   * Returns false when the write was refused for that reason.
   */
  markSucceeded(claim: ClaimRef): Promise<boolean> {
    return this.finishClaim(claim, 'SUCCEEDED', null);
  }

  /** A try failed and another will follow: back to QUEUED (its job waits in BullMQ), with the reason. */
  markRetrying(claim: ClaimRef, reason: string): Promise<boolean> {
    return this.finishClaim(claim, 'QUEUED', reason);
  }

  markFailed(claim: ClaimRef, reason: string): Promise<boolean> {
    return this.finishClaim(claim, 'FAILED', reason);
  }

  /** The claim found its work busy elsewhere (a company lock): back to QUEUED, the try not counted. */
  async releaseBusy(claim: ClaimRef, reason: string): Promise<boolean> {
    const n = await this.prisma.$executeRaw`
      UPDATE webhook_events SET status = 'QUEUED', attempts = attempts - 1, last_error = ${reason}, updated_at = now()
      WHERE id = ${claim.id}::uuid AND status = 'PROCESSING' AND attempts = ${claim.attempts}`;
    return n === 1;
  }

  private async finishClaim(claim: ClaimRef, status: WebhookEventStatus, reason: string | null): Promise<boolean> {
    const n = await this.prisma.$executeRaw`
      UPDATE webhook_events SET status = ${status}::"WebhookEventStatus", last_error = ${reason}, updated_at = now()
      WHERE id = ${claim.id}::uuid AND status = 'PROCESSING' AND attempts = ${claim.attempts}`;
    return n === 1;
  }

  /**
   * Replay: FAILED (or, harmlessly, SUCCEEDED) events back to QUEUED, attempts from zero. Returns
   * the rows changed; the caller enqueues them.
   */
  async resetForReplay(filter: { id?: string; statuses: WebhookEventStatus[] } & Omit<EventListFilter, 'status'>, limit = 1000) {
    return this.prisma.$queryRaw<{ id: string; eventType: string }[]>`
      UPDATE webhook_events SET status = 'QUEUED', attempts = 0, updated_at = now()
      WHERE id IN (
        SELECT id FROM webhook_events
        WHERE status::text = ANY(${filter.statuses}::text[])
          AND (${filter.id ?? null}::uuid IS NULL OR id = ${filter.id ?? null}::uuid)
          AND (${filter.eventType ?? null}::text IS NULL OR event_type = ${filter.eventType ?? null}::text)
          AND (${filter.companyId ?? null}::text IS NULL OR company_id = ${filter.companyId ?? null}::text)
          AND (${filter.receivedFrom ?? null}::timestamptz IS NULL OR received_at >= ${filter.receivedFrom ?? null}::timestamptz)
          AND (${filter.receivedBefore ?? null}::timestamptz IS NULL OR received_at < ${filter.receivedBefore ?? null}::timestamptz)
        ORDER BY received_at
        LIMIT ${limit}
        FOR UPDATE SKIP LOCKED)
      RETURNING id, event_type AS "eventType"`;
  }

  findById(id: string) {
    return this.prisma.webhookEvent.findUnique({ where: { id } });
  }

  /** Newest first, keyset-paginated on (receivedAt, id) so pages stay stable while events arrive. */
  async list(filter: EventListFilter, limit: number, after?: EventCursor) {
    const where: Prisma.WebhookEventWhereInput = {
      status: filter.status,
      eventType: filter.eventType,
      companyId: filter.companyId,
      ...((filter.receivedFrom || filter.receivedBefore) && { receivedAt: { gte: filter.receivedFrom, lt: filter.receivedBefore } }),
      ...(after && {
        OR: [
          { receivedAt: { lt: after.receivedAt } },
          { receivedAt: after.receivedAt, id: { lt: after.id } },
        ],
      }),
    };
    const rows = await this.prisma.webhookEvent.findMany({
      where,
      orderBy: [{ receivedAt: 'desc' }, { id: 'desc' }],
      take: limit + 1,
      select: {
        id: true,
        webhookId: true,
        eventId: true,
        eventType: true,
        companyId: true,
        subjectId: true,
        status: true,
        attempts: true,
        lastError: true,
        receivedAt: true,
        updatedAt: true,
      },
    });
    return { rows: rows.slice(0, limit), hasMore: rows.length > limit };
  }
}
