import { Expose } from 'class-transformer';
import { IsIn, IsUUID, Matches } from 'class-validator';
import { IntSetting } from './int-setting';
import { ListSetting, OptionalTextSetting } from './text-settings';

// Kept here (not imported from @app/queue) so configuration depends on no other library.
const QueueNames = { VendorSync: 'vendor-sync', ExportSync: 'export-sync' } as const;
import { PleoApiConfig } from './pleo-api.config';

/** Company export runs one worker process runs at the same time (different companies). */
export const EXPORT_RUNS_PER_WORKER = 4;
/** Connections besides the sync jobs': sweeper, poller, retention, an OAuth refresh, health checks. */
const POOL_MARGIN = 4;

/** Configuration of the worker process (`apps/worker`). */
export class WorkerConfig extends PleoApiConfig {
  /** Vendor-sync jobs one worker process runs at the same time. */
  @IntSetting(1, 100)
  VENDOR_SYNC_CONCURRENCY = 5;

  /**
   * Queues this process works on: comma-separated names, "all" (default), or "none" (only the
   * outbox sweeper). Lets a deployment dedicate workers to a queue.
   */
  @ListSetting(IsIn(['all', 'none', ...Object.values(QueueNames)], { each: true, message: `WORKER_QUEUES entries must be all, none, or one of ${Object.values(QueueNames).join(', ')}` }))
  WORKER_QUEUES: string[] = ['all'];

  /**
   * How long a job stays locked to a worker without a heartbeat. A worker that dies loses its
   * jobs' locks after this long; they are then retried by another worker (not lost).
   */
  @IntSetting(1, 600)
  JOB_LOCK_SECONDS = 30;

  /** How often the outbox sweeper looks for acknowledged webhooks that never reached the queue. */
  @IntSetting(1, 3600, 'seconds')
  OUTBOX_SWEEP_INTERVAL_SECONDS = 30;

  /** How long a row may stay RECEIVED / QUEUED before the sweeper (re-)enqueues it. */
  @IntSetting(0, 86400, 'seconds')
  OUTBOX_GRACE_SECONDS = 60;

  // --- export sync: the default connection's accounts and behaviour ---

  /** Counter account for card spend and other wallet movements Pleo sends no contraAccount for. */
  @OptionalTextSetting()
  EXPORT_WALLET_ACCOUNT?: string;

  /** Counter account for employee-paid expenses (out-of-pocket, mileage, per diem). */
  @OptionalTextSetting()
  EXPORT_OUT_OF_POCKET_ACCOUNT?: string;

  /** Counter account when nothing more specific applies. */
  @OptionalTextSetting()
  EXPORT_CONTRA_ACCOUNT?: string;

  /** Accounts payable (fallback), for invoices booked against a vendor. */
  @OptionalTextSetting()
  EXPORT_AP_ACCOUNT?: string;

  /** posted: book entries; draft: leave them for review in the ERP. */
  @Expose()
  @IsIn(['posted', 'draft'], { message: 'EXPORT_POSTING_STATE must be posted or draft' })
  EXPORT_POSTING_STATE: 'posted' | 'draft' = 'posted';

  /** Companies to poll for export jobs (comma-separated ids); empty: the companies seen in webhooks. */
  @ListSetting(IsUUID('all', { each: true, message: 'PLEO_COMPANY_IDS must be comma-separated company ids (UUIDs)' }))
  PLEO_COMPANY_IDS: string[] = [];

  @IntSetting(5, 86_400, 'seconds')
  EXPORT_POLL_INTERVAL_SECONDS = 300;

  @IntSetting(5, 600, 'seconds')
  EXPORT_LOCK_TTL_SECONDS = 60;

  /** Report results to Pleo at least this often during a job (each report keeps it from expiring). */
  @IntSetting(1, 1800, 'seconds')
  EXPORT_REPORT_INTERVAL_SECONDS = 60;

  @IntSetting(1_000, 600_000, 'milliseconds')
  RECEIPT_DOWNLOAD_TIMEOUT_MS = 30_000;

  /** Hard cap on one receipt's size, enforced while downloading (Pleo caps receipts at 30 MB). */
  @IntSetting(1_024, 1_073_741_824, 'bytes')
  RECEIPT_MAX_BYTES = 31_457_280;

  /**
   * Receipt hosts (`host:port`, comma-separated) that may be fetched over plain http and may resolve
   * to loopback or private addresses — only for a local fake Pleo (compose: fake-pleo:4011). Every
   * other receipt URL must be https on a public address.
   */
  @ListSetting(Matches(/^(\[[0-9a-f:.]+\]|[a-z0-9.-]+):\d{1,5}$/, { each: true, message: 'RECEIPT_ALLOWED_HTTP_HOSTS must be comma-separated host:port entries' }), { lowercase: true })
  RECEIPT_ALLOWED_HTTP_HOSTS: string[] = [];

  /** Items of one export job posted to the ERP at the same time (jobs themselves run one at a time). */
  @IntSetting(1, 32)
  EXPORT_ITEM_CONCURRENCY = 4;

  /**
   * Entries posted per ERP call when the ERP takes batches (Xero: its limits count calls, and 50
   * elements stay well within its 3.5 MB request limit). Each entry is still recorded on its own.
   */
  @IntSetting(1, 100)
  EXPORT_BATCH_SIZE = 50;

  /** /health/live and /health/ready of the worker; 0: any free port (tests). */
  @IntSetting(0, 65535)
  WORKER_HEALTH_PORT = 3001;

  /**
   * Finished webhook events older than this are deleted. The webhook-id of a deleted event is
   * forgotten, so keep it well beyond the signature tolerance plus Pleo's retry horizon.
   */
  @IntSetting(7, 36_500, 'days')
  RETENTION_EVENTS_DAYS = 30;

  /** Finished export runs older than this are deleted. */
  @IntSetting(7, 36_500, 'days')
  RETENTION_EXPORT_RUNS_DAYS = 90;

  /** The export ledger is the exactly-once record of every ERP posting: keep it long. */
  @IntSetting(30, 36_500, 'days')
  RETENTION_LEDGER_DAYS = 400;

  /** Connections the configured concurrency can hold at once (see README "Operating it"). */
  poolNeeded(): number {
    const vendor = this.worksOn(QueueNames.VendorSync) ? this.VENDOR_SYNC_CONCURRENCY : 0;
    const exportRuns = this.worksOn(QueueNames.ExportSync) ? EXPORT_RUNS_PER_WORKER * this.EXPORT_ITEM_CONCURRENCY : 0;
    return vendor + exportRuns + POOL_MARGIN;
  }

  override crossFieldProblems(): string[] {
    const problems = super.crossFieldProblems();
    if (this.DATABASE_POOL_SIZE < this.poolNeeded()) {
      problems.push(
        `DATABASE_POOL_SIZE: ${this.DATABASE_POOL_SIZE} is too small for the configured concurrency; needs at least ${this.poolNeeded()} ` +
          `(VENDOR_SYNC_CONCURRENCY ${this.VENDOR_SYNC_CONCURRENCY} + ${EXPORT_RUNS_PER_WORKER} export runs × EXPORT_ITEM_CONCURRENCY ${this.EXPORT_ITEM_CONCURRENCY} + ${POOL_MARGIN}). ` +
          'Raise it, or lower the concurrency',
      );
    }
    return problems;
  }

  worksOn(queue: string): boolean {
    if (this.WORKER_QUEUES.includes('none')) return false;
    return this.WORKER_QUEUES.includes('all') || this.WORKER_QUEUES.includes(queue);
  }
}
