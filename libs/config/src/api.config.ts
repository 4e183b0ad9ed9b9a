import { Expose, Transform } from 'class-transformer';
import { ArrayNotEmpty, IsArray, IsString, Matches, MinLength } from 'class-validator';
import { CommonConfig } from './common.config';
import { BoolSetting } from './bool-setting';
import { IntSetting } from './int-setting';

const splitList = ({ value }: { value: unknown }) =>
  typeof value === 'string'
    ? value
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0)
    : value;

/** Configuration of the API process (`apps/api`). */
export class ApiConfig extends CommonConfig {
  @IntSetting(0, 65535) // 0: any free port (tests)
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

  @IntSetting(1, 3600, 'seconds')
  PLEO_WEBHOOK_TOLERANCE_SECONDS = 300;

  @IntSetting(1024, 64 * 1024 * 1024, 'bytes')
  WEBHOOK_BODY_LIMIT_BYTES = 1024 * 1024;

  @Expose()
  @IsString({ message: 'ADMIN_API_TOKEN must be set (it protects /admin)' })
  @MinLength(16, { message: 'ADMIN_API_TOKEN must be at least 16 characters' })
  ADMIN_API_TOKEN: string;

  /** GET /metrics without the admin token: only where the port is reachable by the scraper alone. */
  @BoolSetting()
  METRICS_PUBLIC = false;

  /** The queue dashboard (/admin/queues) may retry, remove and promote jobs only when false. */
  @BoolSetting()
  QUEUE_DASHBOARD_READ_ONLY = true;
}
