import { applyDecorators } from '@nestjs/common';
import { Expose, Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';

/** A whole-number environment variable within [min, max]; `unit` words the error ("seconds"). */
export function IntSetting(min: number, max: number, unit?: string): PropertyDecorator {
  return applyDecorators(
    Expose(),
    Type(() => Number),
    IsInt({ message: `$property must be a whole number${unit ? ` of ${unit}` : ''}` }),
    Min(min),
    Max(max),
  );
}
