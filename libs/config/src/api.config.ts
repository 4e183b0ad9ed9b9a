import { Expose, Transform } from 'class-transformer';
import { ArrayNotEmpty, IsArray, IsIn, IsString, Matches, MinLength } from 'class-validator';
import { CommonConfig } from './common.config';
import { BoolSetting } from './bool-setting';
import { EncryptionKeySetting, UrlSetting } from './connections.config';
import { IntSetting } from './int-setting';

const splitList = ({ value }: { value: unknown }) =>
  typeof value === 'string'
    ? value
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0)
    : value;

const SECRET_FORMAT = /^whsec_[A-Za-z0-9+/]{16,}={0,2}$/;

/** Public values from this repository's demo: refused in production (unless DEMO_MODE). */
export const DEMO_WEBHOOK_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
export const DEMO_ADMIN_TOKEN = 'local-admin-token-change-me';

/** Configuration of the API process (`apps/api`). */
export class ApiConfig extends CommonConfig {
  @IntSetting(0, 65535) // 0: any free port (tests)
  PORT = 3000;

  /** On SIGTERM, /health/ready answers 503 at once; the api keeps serving this long before it closes. */
  @IntSetting(0, 60)
  SHUTDOWN_DRAIN_SECONDS = 0;

  /** Newest first. Every secret is tried, so a rotated-out secret keeps working until removed. */
  @Expose()
  @Transform(splitList)
  @IsArray({ message: 'PLEO_WEBHOOK_SECRETS must be a comma-separated list of whsec_… secrets' })
  @ArrayNotEmpty({ message: 'PLEO_WEBHOOK_SECRETS must name at least one whsec_… secret' })
  @Matches(SECRET_FORMAT, {
    each: true,
    message: 'PLEO_WEBHOOK_SECRETS entries must look like whsec_<base64> (as Pleo shows them)',
  })
  PLEO_WEBHOOK_SECRETS: string[];

  @IntSetting(1, 3600, 'seconds')
  PLEO_WEBHOOK_TOLERANCE_SECONDS = 300;

  @IntSetting(1024, 64 * 1024 * 1024, 'bytes')
  WEBHOOK_BODY_LIMIT_BYTES = 1024 * 1024;

  /** Benchmark only (bench/ingest.bench.mjs): time each webhook request stage by stage, reported over the IPC channel. */
  @BoolSetting()
  INGEST_STAGE_TIMINGS = false;

  @Expose()
  @IsString({ message: 'ADMIN_API_TOKEN must be set (it protects /admin)' })
  @MinLength(16, { message: 'ADMIN_API_TOKEN must be at least 16 characters' })
  ADMIN_API_TOKEN: string;

  // --- connections (admin API, verification, the Pleo connect flow) ---

  /** Seals connection secrets (AES-256-GCM); the worker needs the same key. Without it connections hold no secrets. */
  @EncryptionKeySetting()
  ENCRYPTION_KEY?: string;

  /** Pleo's API, for verifying a connection. */
  @UrlSetting()
  PLEO_API_BASE_URL = 'https://external.pleo.io';

  @UrlSetting()
  PLEO_OAUTH_TOKEN_URL = 'https://auth.pleo.io/oauth/token';

  /** Where the connect flow sends the operator's browser to authorise the app in Pleo. */
  @UrlSetting()
  PLEO_OAUTH_AUTHORIZE_URL = 'https://auth.pleo.io/oauth/authorize';

  /** How browsers reach this API (the connect flow's redirect URI); default http://localhost:PORT. */
  @UrlSetting(true)
  PUBLIC_URL?: string;

  /** GET /metrics without the admin token: only where the port is reachable by the scraper alone. */
  @BoolSetting()
  METRICS_PUBLIC = false;

  /** The queue dashboard (/admin/queues) may retry, remove and promote jobs only when false. */
  @BoolSetting()
  QUEUE_DASHBOARD_READ_ONLY = true;

  /**
   * `Secure` on the console's session cookie. auto: set, unless the request came over plain http to
   * a loopback host (localhost, 127.x, ::1: local use). true: always (behind a TLS proxy that
   * forwards to a loopback address). false: never (plain http on a private network; not advised).
   */
  @Expose()
  @Transform(({ value }) => (typeof value === 'string' ? value.trim().toLowerCase() : value))
  @IsIn(['auto', 'true', 'false'], { message: 'CONSOLE_COOKIE_SECURE must be auto, true or false' })
  CONSOLE_COOKIE_SECURE: 'auto' | 'true' | 'false' = 'auto';

  override crossFieldProblems(): string[] {
    const problems = super.crossFieldProblems();
    const wellFormed = (this.PLEO_WEBHOOK_SECRETS ?? []).filter((s) => typeof s === 'string' && SECRET_FORMAT.test(s));
    for (const s of wellFormed) {
      // standardwebhooks decodes strictly and would crash at start-up on bad padding.
      const b64 = s.slice('whsec_'.length);
      if (b64.length % 4 !== 0 || Buffer.from(b64, 'base64').toString('base64') !== b64) {
        problems.push(`PLEO_WEBHOOK_SECRETS: ${s.slice(0, 10)}… is not valid base64 (check that it was copied whole, padding included)`);
      }
    }
    if (this.isProduction() && !this.DEMO_MODE) {
      if (this.PLEO_WEBHOOK_SECRETS?.includes(DEMO_WEBHOOK_SECRET)) {
        problems.push('PLEO_WEBHOOK_SECRETS: the public demo secret is refused with NODE_ENV=production; use the secret Pleo gave you');
      }
      if (this.ADMIN_API_TOKEN === DEMO_ADMIN_TOKEN) {
        problems.push('ADMIN_API_TOKEN: the public demo token is refused with NODE_ENV=production; set a random one (openssl rand -hex 32)');
      } else if (typeof this.ADMIN_API_TOKEN === 'string' && this.ADMIN_API_TOKEN.length < 32) {
        problems.push('ADMIN_API_TOKEN: must be at least 32 characters with NODE_ENV=production (openssl rand -hex 32)');
      }
    }
    return problems;
  }
}
