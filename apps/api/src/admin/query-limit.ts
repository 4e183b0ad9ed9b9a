import { applyDecorators } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

/** An optional `?limit=` of 1…max (query strings arrive as text). */
export function QueryLimit(max: number): PropertyDecorator {
  return applyDecorators(IsOptional(), Type(() => Number), IsInt(), Min(1), Max(max));
}
