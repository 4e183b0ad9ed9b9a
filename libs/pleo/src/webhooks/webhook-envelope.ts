import { plainToInstance } from 'class-transformer';
import { IsNotEmpty, IsObject, IsString, IsUUID, MaxLength, ValidationError, validateSync } from 'class-validator';
import { KnownEventKind, eventKindOf } from './event-types';

/** `{data, eventId, eventType}`: what every Pleo webhook body is (pleo-api.md §2.2). */
export class WebhookEnvelope {
  @IsObject({ message: 'data must be an object' })
  data: Record<string, unknown>;

  // stopAtFirstError reports the bottom-most failing check first: the type, then the rest.
  @MaxLength(200)
  @IsNotEmpty({ message: 'eventId must not be empty' })
  @IsString({ message: 'eventId must be a string' })
  eventId: string;

  // stopAtFirstError reports the bottom-most failing check first: the type, then the rest.
  @MaxLength(200)
  @IsNotEmpty({ message: 'eventType must not be empty' })
  @IsString({ message: 'eventType must be a string' })
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
  const errors = messages(validateSync(envelope, { stopAtFirstError: true }));
  const kind = typeof envelope.eventType === 'string' ? eventKindOf(envelope.eventType) : null;
  if (kind && typeof envelope.data === 'object' && envelope.data !== null) {
    errors.push(...messages(validateSync(plainToInstance(KnownEventData, envelope.data), { stopAtFirstError: true })));
  }
  if (errors.length) throw new InvalidEnvelope(errors);
  return {
    eventId: envelope.eventId,
    eventType: envelope.eventType,
    kind,
    companyId: str(envelope.data.companyId),
    subjectId: str(envelope.data.id),
    payload: body as WebhookEnvelope,
  };
}
