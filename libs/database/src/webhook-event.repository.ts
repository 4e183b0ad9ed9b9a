import { Injectable } from '@nestjs/common';
import { Prisma, WebhookEventStatus } from './generated/prisma/client';
import { PrismaService } from './prisma.service';

export interface NewWebhookEvent {
  webhookId: string;
  eventId: string;
  eventType: string;
  companyId: string | null;
  subjectId: string | null;
  payload: unknown;
  status: Extract<WebhookEventStatus, 'RECEIVED' | 'IGNORED'>;
}

export interface StoredEventRef {
  id: string;
  status: WebhookEventStatus;
  eventType: string;
  /** false when a row with this webhook-id already existed (a redelivery). */
  created: boolean;
}

export interface EventListFilter {
  status?: WebhookEventStatus;
  eventType?: string;
  companyId?: string;
}

export interface EventCursor {
  receivedAt: Date;
  id: string;
}

@Injectable()
export class WebhookEventRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** Inserts the event unless its webhook-id is already stored; either way returns the stored row. */
  async insertOnce(event: NewWebhookEvent): Promise<StoredEventRef> {
    const inserted = await this.prisma.$queryRaw<{ id: string; status: WebhookEventStatus }[]>`
      INSERT INTO webhook_events (webhook_id, event_id, event_type, company_id, subject_id, payload, status)
      VALUES (${event.webhookId}, ${event.eventId}, ${event.eventType}, ${event.companyId}, ${event.subjectId},
              ${JSON.stringify(event.payload)}::jsonb, ${event.status}::"WebhookEventStatus")
      ON CONFLICT (webhook_id) DO NOTHING
      RETURNING id, status`;
    if (inserted.length) return { ...inserted[0], eventType: event.eventType, created: true };
    const existing = await this.prisma.webhookEvent.findUniqueOrThrow({
      where: { webhookId: event.webhookId },
      select: { id: true, status: true, eventType: true },
    });
    return { ...existing, created: false };
  }

  /** RECEIVED → QUEUED; a row a worker already moved on is left alone. */
  async markQueued(ids: string[]): Promise<number> {
    if (!ids.length) return 0;
    return this.prisma.$executeRaw`
      UPDATE webhook_events SET status = 'QUEUED', updated_at = now()
      WHERE id = ANY(${ids}::uuid[]) AND status IN ('RECEIVED', 'QUEUED')`;
  }

  /**
   * Rows that should be on the queue and have not been touched for `graceSeconds`, least recently
   * touched first. Marking them swept (updated_at = now()) moves the scan on to the next ones.
   */
  async findUnqueued(graceSeconds: number, limit: number): Promise<{ id: string; eventType: string }[]> {
    return this.prisma.$queryRaw`
      SELECT id, event_type AS "eventType" FROM webhook_events
      WHERE status IN ('RECEIVED', 'QUEUED') AND updated_at < now() - make_interval(secs => ${graceSeconds})
      ORDER BY updated_at
      LIMIT ${limit}`;
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
