import 'reflect-metadata'; // class-transformer's decorators read design-time metadata
import { Expose, Transform } from 'class-transformer';
import { IsIn, IsNotEmpty, IsOptional, IsString, Matches } from 'class-validator';
import { BoolSetting } from './bool-setting';
import { IntSetting } from './int-setting';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

/** Settings every process needs. Each process validates its own subclass at start-up. */
export class CommonConfig {
  @Expose()
  @Transform(trim)
  @IsString()
  @Matches(/^postgres(ql)?:\/\/.+/, { message: 'DATABASE_URL must be a postgresql:// URL' })
  DATABASE_URL: string;

  @Expose()
  @Transform(trim)
  @IsString()
  @Matches(/^rediss?:\/\/.+/, { message: 'REDIS_URL must be a redis:// or rediss:// URL' })
  REDIS_URL: string;

  /** Redis key prefix of every queue, so several deployments (or test runs) can share one Redis. */
  @Expose()
  @Transform(trim)
  @Matches(/^[A-Za-z0-9_.-]{1,64}$/, { message: 'QUEUE_PREFIX may use letters, digits, _ . - (at most 64)' })
  QUEUE_PREFIX = 'pleo-erp-sync';

  @Expose()
  @Transform(trim)
  @IsNotEmpty()
  @IsIn(LOG_LEVELS, { message: `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}` })
  LOG_LEVEL: LogLevel = 'info';

  /** Tries per sync job (first try included) before its event is FAILED. */
  @IntSetting(1, 100)
  SYNC_MAX_ATTEMPTS = 10;

  /** Exponential backoff between tries: ~base, 2×base, 4×base … (with jitter), capped at max. */
  @IntSetting(0, 3600)
  SYNC_BACKOFF_BASE_SECONDS = 5;

  @IntSetting(1, 86_400)
  SYNC_BACKOFF_MAX_SECONDS = 900;

  /** How long a stopping process waits for in-flight work before it exits anyway. */
  @IntSetting(1, 600)
  SHUTDOWN_TIMEOUT_SECONDS = 25;

  /** Connections this process may open to PostgreSQL (every process has its own pool). */
  @IntSetting(2, 500)
  DATABASE_POOL_SIZE = 30;

  /**
   * How long a request may wait for its turn under an ERP connection's rate limits before the job is
   * put aside instead (delayed, other connections keep running). The default covers a full minute
   * window (Xero: 60 calls a minute), so a large export paces itself without restarting its run
   * every minute; a longer pause (a daily quota, a long Retry-After) still delays the job.
   */
  @IntSetting(0, 600)
  ERP_RATE_MAX_WAIT_SECONDS = 65;

  /** `production` turns on the safe-default checks (demo secrets, plain-http Pleo URLs are refused). */
  @Expose()
  @Transform(trim)
  @IsOptional()
  @IsString()
  NODE_ENV?: string;

  /**
   * The explicit allowance for the local demo (docker compose): with NODE_ENV=production it lets the
   * demo webhook secret, the demo admin token and http:// Pleo URLs through, with a loud warning.
   */
  @BoolSetting()
  DEMO_MODE = false;

  isProduction(): boolean {
    return this.NODE_ENV === 'production';
  }

  /** Rules across variables, checked by loadConfig after the per-variable ones. */
  crossFieldProblems(): string[] {
    return [];
  }

  /** Said once at start-up (each process logs them): allowed, but worth an operator's attention. */
  startupWarnings(): string[] {
    return this.isProduction() && this.DEMO_MODE
      ? ['DEMO_MODE=true with NODE_ENV=production: demo secrets and plain-http Pleo URLs are allowed. Never expose this deployment.']
      : [];
  }
}
