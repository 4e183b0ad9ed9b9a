import { applyDecorators } from '@nestjs/common';
import { Expose, Transform } from 'class-transformer';
import { IsBoolean } from 'class-validator';

const WORDS: Record<string, boolean> = { true: true, '1': true, yes: true, false: false, '0': false, no: false };

/** A yes/no environment variable: true/false, 1/0 or yes/no; anything else is refused, not guessed. */
export function BoolSetting(): PropertyDecorator {
  return applyDecorators(
    Expose(),
    Transform(({ value }) => (typeof value === 'string' ? (WORDS[value.trim().toLowerCase()] ?? value) : value)),
    IsBoolean({ message: '$property must be true or false' }),
  );
}
