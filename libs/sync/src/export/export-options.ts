export const EXPORT_OPTIONS = Symbol('EXPORT_OPTIONS');

export interface ExportOptions {
  /** TTL of the per-company Redis lock (renewed every third of it) */
  lockTtlMs: number;
  /** report to Pleo at least this often during a job, even with fewer than 100 results */
  reportIntervalMs: number;
  receiptDownloadTimeoutMs: number;
  /** hard cap on one receipt's bytes (RECEIPT_MAX_BYTES) */
  receiptMaxBytes: number;
  /** `host:port` receipt hosts allowed over http and on private addresses (RECEIPT_ALLOWED_HTTP_HOSTS) */
  receiptAllowedHttpHosts: string[];
  queuePrefix: string;
  /** entries per ERP call for adapters with a batch operation (EXPORT_BATCH_SIZE; default 50) */
  batchSize?: number;
}
