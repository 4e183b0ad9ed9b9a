import { IsEnum, IsOptional, Matches } from 'class-validator';
import { EventCursor, WebhookEventStatus } from '@app/database';
import { EventFilterFields } from './event-filter.query';
import { QueryLimit } from './query-limit';

export class ListEventsQuery extends EventFilterFields {
  @IsOptional()
  @IsEnum(WebhookEventStatus, { message: `status must be one of ${Object.values(WebhookEventStatus).join(', ')}` })
  status?: WebhookEventStatus;

  @QueryLimit(500)
  limit = 50;

  /** The `nextCursor` of the previous page. */
  @IsOptional()
  @Matches(/^[A-Za-z0-9_-]{1,400}$/, { message: 'cursor must be a nextCursor value from a previous page' })
  cursor?: string;
}

export function encodeCursor(c: EventCursor): string {
  return Buffer.from(JSON.stringify([c.receivedAt.toISOString(), c.id])).toString('base64url');
}

/** null when the cursor was not made by `encodeCursor`. */
export function decodeCursor(raw: string): EventCursor | null {
  try {
    const [at, id] = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as [string, string];
    const receivedAt = new Date(at);
    if (typeof id !== 'string' || !/^[0-9a-f-]{36}$/i.test(id) || Number.isNaN(receivedAt.getTime())) return null;
    return { receivedAt, id };
  } catch {
    return null;
  }
}
