import { plainToInstance } from 'class-transformer';
import { IsNotEmpty, IsObject, IsString, IsUUID, MaxLength, ValidationError, validateSync } from 'class-validator';
import { KnownEventKind, eventKindOf } from './event-types';

/** `{data, eventId, eventType}`: what every Pleo webhook body is (pleo-api.md §2.2). */
export class WebhookEnvelope {
  @IsObject({ message: 'data must be an object' })
  data: Record<string, unknown>;

  @IsString({ message: 'eventId must be a string' })
  @IsNotEmpty({ message: 'eventId must not be empty' })
  @MaxLength(200)
  eventId: string;

  @IsString({ message: 'eventType must be a string' })
  @IsNotEmpty({ message: 'eventType must not be empty' })
  @MaxLength(200)
  eventType: string;
}

/**
 * For the events we act on, only `data.id` and `data.companyId` are trusted: the worker re-reads
 * the resource from Pleo's API (the seed-doc export sample even carries a vendor in `data`).
 */
class KnownEventData {
  @IsUUID('all', { message: 'data.id must be a UUID' })
  id: string;

  @IsUUID('all', { message: 'data.companyId must be a UUID' })
  companyId: string;
}

export class InvalidEnvelope extends Error {
  constructor(readonly details: string[]) {
    super(`invalid webhook body: ${details.join('; ')}`);
    this.name = 'InvalidEnvelope';
  }
}

export interface ParsedWebhook {
  eventId: string;
  eventType: string;
  /** null: an event type this service does not act on (stored as IGNORED). */
  kind: KnownEventKind | null;
  companyId: string | null;
  subjectId: string | null;
  payload: WebhookEnvelope;
}

const messages = (errors: ValidationError[]) => errors.flatMap((e) => Object.values(e.constraints ?? {}));
const str = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v : null);

export function parseWebhookEnvelope(body: unknown): ParsedWebhook {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new InvalidEnvelope(['the body must be a JSON object {data, eventId, eventType}']);
  }
  const envelope = plainToInstance(WebhookEnvelope, body);
  const errors = messages(validateSync(envelope));
  if (errors.length) throw new InvalidEnvelope(errors);

  const kind = eventKindOf(envelope.eventType);
  if (kind) {
    const dataErrors = messages(validateSync(plainToInstance(KnownEventData, envelope.data)));
    if (dataErrors.length) throw new InvalidEnvelope(dataErrors);
  }
  return {
    eventId: envelope.eventId,
    eventType: envelope.eventType,
    kind,
    companyId: str(envelope.data.companyId),
    subjectId: str(envelope.data.id),
    payload: body as WebhookEnvelope,
  };
}
