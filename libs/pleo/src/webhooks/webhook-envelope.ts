import { isUUID, maxLength } from 'class-validator';
import { KnownEventKind, eventKindOf } from './event-types';

/** `{data, eventId, eventType}`: what every Pleo webhook body is (pleo-api.md §2.2). */
export interface WebhookEnvelope {
  data: Record<string, unknown>;
  eventId: string;
  eventType: string;
}

/**
 * Ids go into btree-indexed TEXT columns, whose entries are limited to about 2.7 kB: anything
 * longer would make every redelivery fail with a 500 (review I2), so it is refused with a 400.
 */
export const MAX_ID_LENGTH = 200;

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

const str = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v : null);
const tooLong = (name: string) => `${name} must be shorter than or equal to ${MAX_ID_LENGTH} characters`;

/**
 * The first problem of a required string field, in the order (and words) the envelope has always
 * reported them: the type, then emptiness, then the length. class-validator's own predicates are
 * used, so what passes is unchanged; its decorator machinery (and class-transformer's copy of the
 * body) was a measurable share of the hot route's CPU.
 */
function stringProblem(name: string, value: unknown): string | null {
  if (typeof value !== 'string') return `${name} must be a string`;
  if (value === '') return `${name} must not be empty`;
  if (!maxLength(value, MAX_ID_LENGTH)) return tooLong(name);
  return null;
}

function dataProblems(kind: KnownEventKind | null, data: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const field of ['id', 'companyId'] as const) {
    const value = data[field];
    // For the events we act on, only data.id and data.companyId are trusted: the worker re-reads
    // the resource from Pleo's API (the seed-doc export sample even carries a vendor in `data`).
    if (kind && !isUUID(value, 'all')) problems.push(`data.${field} must be a UUID`);
    else if (!kind && typeof value === 'string' && !maxLength(value, MAX_ID_LENGTH)) problems.push(tooLong(`data.${field}`));
  }
  return problems;
}

export function parseWebhookEnvelope(body: unknown): ParsedWebhook {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new InvalidEnvelope(['the body must be a JSON object {data, eventId, eventType}']);
  }
  const { data, eventId, eventType } = body as Record<string, unknown>;
  const dataIsObject = typeof data === 'object' && data !== null && !Array.isArray(data);
  const problems = [
    dataIsObject ? null : 'data must be an object',
    stringProblem('eventId', eventId),
    stringProblem('eventType', eventType),
  ].filter((p): p is string => p !== null);
  const kind = typeof eventType === 'string' ? eventKindOf(eventType) : null;
  if (dataIsObject) problems.push(...dataProblems(kind, data as Record<string, unknown>));
  if (problems.length) throw new InvalidEnvelope(problems);
  const fields = data as Record<string, unknown>;
  return {
    eventId: eventId as string,
    eventType: eventType as string,
    kind,
    companyId: str(fields.companyId),
    subjectId: str(fields.id),
    payload: body as WebhookEnvelope,
  };
}
