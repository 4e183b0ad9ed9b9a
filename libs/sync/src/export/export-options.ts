export const EXPORT_OPTIONS = Symbol('EXPORT_OPTIONS');

export interface ExportOptions {
  /** TTL of the per-company Redis lock (renewed every third of it) */
  lockTtlMs: number;
  /** report to Pleo at least this often during a job, even with fewer than 100 results */
  reportIntervalMs: number;
  receiptDownloadTimeoutMs: number;
  queuePrefix: string;
}
