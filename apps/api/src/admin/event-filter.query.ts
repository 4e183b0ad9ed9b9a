import { IsISO8601, IsOptional, IsString, MaxLength } from 'class-validator';

/** The event filters the list (query) and the bulk replay (body) share. */
export class EventFilterFields {
  @IsOptional()
  @IsString()
  @MaxLength(200)
  eventType?: string;

  @IsOptional()
  @IsString()
  @MaxLength(200)
  companyId?: string;

  /** Received at or after this instant (ISO 8601). */
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'receivedFrom must be an ISO 8601 date-time' })
  receivedFrom?: string;

  /** Received before this instant (ISO 8601). */
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'receivedBefore must be an ISO 8601 date-time' })
  receivedBefore?: string;
}

/** The shared filters as the event repository takes them. */
export const eventFilterOf = (f: EventFilterFields) => ({
  eventType: f.eventType,
  companyId: f.companyId,
  receivedFrom: f.receivedFrom ? new Date(f.receivedFrom) : undefined,
  receivedBefore: f.receivedBefore ? new Date(f.receivedBefore) : undefined,
});
