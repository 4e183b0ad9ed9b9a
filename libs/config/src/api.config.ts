import { Expose, Transform, Type } from 'class-transformer';
import { ArrayNotEmpty, IsArray, IsInt, IsString, Matches, Max, Min, MinLength } from 'class-validator';
import { CommonConfig } from './common.config';

const splitList = ({ value }: { value: unknown }) =>
  typeof value === 'string'
    ? value
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0)
    : value;

/** Configuration of the API process (`apps/api`). */
export class ApiConfig extends CommonConfig {
  @Expose()
  @Type(() => Number)
  @IsInt({ message: 'PORT must be a whole number' })
  @Min(0) // 0: any free port (tests)
  @Max(65535)
  PORT = 3000;

  /** Newest first. Every secret is tried, so a rotated-out secret keeps working until removed. */
  @Expose()
  @Transform(splitList)
  @IsArray({ message: 'PLEO_WEBHOOK_SECRETS must be a comma-separated list of whsec_… secrets' })
  @ArrayNotEmpty({ message: 'PLEO_WEBHOOK_SECRETS must name at least one whsec_… secret' })
  @Matches(/^whsec_[A-Za-z0-9+/]{16,}={0,2}$/, {
    each: true,
    message: 'PLEO_WEBHOOK_SECRETS entries must look like whsec_<base64> (as Pleo shows them)',
  })
  PLEO_WEBHOOK_SECRETS: string[];

  @Expose()
  @Type(() => Number)
  @IsInt({ message: 'PLEO_WEBHOOK_TOLERANCE_SECONDS must be a whole number of seconds' })
  @Min(1)
  @Max(3600)
  PLEO_WEBHOOK_TOLERANCE_SECONDS = 300;

  @Expose()
  @Type(() => Number)
  @IsInt({ message: 'WEBHOOK_BODY_LIMIT_BYTES must be a whole number of bytes' })
  @Min(1024)
  @Max(64 * 1024 * 1024)
  WEBHOOK_BODY_LIMIT_BYTES = 1024 * 1024;

  @Expose()
  @IsString({ message: 'ADMIN_API_TOKEN must be set (it protects /admin)' })
  @MinLength(16, { message: 'ADMIN_API_TOKEN must be at least 16 characters' })
  ADMIN_API_TOKEN: string;
}
