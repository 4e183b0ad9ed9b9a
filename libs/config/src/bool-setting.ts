import { applyDecorators } from '@nestjs/common';
import { Expose, Transform } from 'class-transformer';
import { IsBoolean } from 'class-validator';

/** A `true` / `false` environment variable (anything else is a configuration error). */
export function BoolSetting(): PropertyDecorator {
  return applyDecorators(
    Expose(),
    Transform(({ value }) => {
      if (typeof value !== 'string') return value;
      const v = value.trim().toLowerCase();
      return v === 'true' ? true : v === 'false' ? false : value;
    }),
    IsBoolean({ message: '$property must be true or false' }),
  );
}
