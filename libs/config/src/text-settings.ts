import { applyDecorators } from '@nestjs/common';
import { Expose, Transform } from 'class-transformer';
import { IsArray, IsOptional, IsString } from 'class-validator';

/** A free-text environment variable that may be left unset. */
export function OptionalTextSetting(): PropertyDecorator {
  return applyDecorators(Expose(), IsOptional(), IsString());
}

/**
 * A comma-separated environment variable read as a list (entries trimmed, empty ones dropped;
 * `lowercase`: entries lower-cased). `each` checks every entry (e.g. `IsUUID('all', { each: true })`).
 */
export function ListSetting(each: PropertyDecorator, options: { lowercase?: boolean } = {}): PropertyDecorator {
  const entry = (s: string) => (options.lowercase ? s.trim().toLowerCase() : s.trim());
  return applyDecorators(
    Expose(),
    Transform(({ value }) => (typeof value === 'string' ? value.split(',').map(entry).filter(Boolean) : value)),
    IsArray(),
    each,
  );
}
