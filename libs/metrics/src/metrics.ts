import { Counter, Gauge, Histogram, collectDefaultMetrics } from 'prom-client';
import { METRIC_PREFIX as P, metricsRegistry } from './registry';

const registers = [metricsRegistry];
// Seconds: from a fast local call to a slow ERP or a Retry-After wait.
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const JOB_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900];

// The event-loop delay monitor samples every 50 ms instead of prom-client's 10 ms: a native timer,
// so nothing of it runs in JavaScript under load, but at 100 wake-ups a second it was most of what
// an idle api burns (4.0 → 1.8 ms CPU per second measured on its own; issue #14). A stall of
// 50 ms or more is always seen; a shorter one when it spans a sample.
collectDefaultMetrics({ register: metricsRegistry, prefix: P, eventLoopMonitoringPrecision: 50 });

export const httpRequestDuration = new Histogram({
  name: `${P}http_request_duration_seconds`,
  help: 'HTTP requests the api answered, by route template (not the raw URL), method and status code',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: LATENCY_BUCKETS,
  registers,
});

export const webhooksReceived = new Counter({
  name: `${P}webhooks_total`,
  help: 'Webhook deliveries by outcome (accepted, duplicate, rejected:<reason>, unavailable:<what>, http_<status>)',
  labelNames: ['outcome'] as const,
  registers,
});

export const webhookIngestDuration = new Histogram({
  name: `${P}webhook_ingest_duration_seconds`,
  help: 'Time from a webhook request to its answer (verify, store, enqueue), by outcome',
  labelNames: ['outcome'] as const,
  buckets: LATENCY_BUCKETS,
  registers,
});

export const syncJobs = new Counter({
  name: `${P}sync_jobs_total`,
  help: 'Sync jobs run by the worker, by queue (vendor-sync, export-sync) and outcome (succeeded, skipped, retrying, waiting, failed)',
  labelNames: ['queue', 'outcome'] as const,
  registers,
});

export const syncJobDuration = new Histogram({
  name: `${P}sync_job_duration_seconds`,
  help: 'Duration of one sync job attempt, by queue and outcome',
  labelNames: ['queue', 'outcome'] as const,
  buckets: JOB_BUCKETS,
  registers,
});

export const erpRequests = new Counter({
  name: `${P}erp_requests_total`,
  help: 'Calls to the ERP adapter by adapter, operation and outcome (ok or the ErpError kind: rate_limited, unavailable, timeout, validation …)',
  labelNames: ['adapter', 'operation', 'outcome'] as const,
  registers,
});

export const erpRequestDuration = new Histogram({
  name: `${P}erp_request_duration_seconds`,
  help: 'Duration of calls to the ERP adapter, by adapter and operation',
  labelNames: ['adapter', 'operation'] as const,
  buckets: LATENCY_BUCKETS,
  registers,
});

/** For the per-connection rate governor: every wait it imposes before an ERP call. */
export const erpGovernorWaits = new Histogram({
  name: `${P}erp_governor_wait_seconds`,
  help: 'Waits the rate governor imposed before ERP calls, by adapter (count = number of waits)',
  labelNames: ['adapter'] as const,
  buckets: [0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30, 60],
  registers,
});

/** For the rate governor: 429 answers (or equivalent) an ERP gave, by adapter. */
export const erpRateLimited = new Counter({
  name: `${P}erp_rate_limited_total`,
  help: 'Rate-limit answers (HTTP 429 or the ERP’s equivalent) received from an ERP, by adapter',
  labelNames: ['adapter'] as const,
  registers,
});

export const exportItems = new Counter({
  name: `${P}export_items_total`,
  help: 'Export item results by outcome (successful, failed) and failure reason type, counted when decided (an item of a retried job may count again)',
  labelNames: ['outcome', 'reason'] as const,
  registers,
});

export const pleoRequests = new Counter({
  name: `${P}pleo_requests_total`,
  help: 'Calls to Pleo’s API by method and HTTP status (network_error when no answer came)',
  labelNames: ['method', 'status'] as const,
  registers,
});

export const pleoRequestDuration = new Histogram({
  name: `${P}pleo_request_duration_seconds`,
  help: 'Duration of calls to Pleo’s API by method',
  labelNames: ['method'] as const,
  buckets: LATENCY_BUCKETS,
  registers,
});

export const outboxRequeued = new Counter({
  name: `${P}outbox_requeued_total`,
  help: 'Stored webhook events the outbox sweeper (re-)enqueued because their job was missing',
  registers,
});

export const tokenRefreshes = new Counter({
  name: `${P}pleo_token_refreshes_total`,
  help: 'Pleo OAuth token refreshes by outcome (ok, revoked, misconfigured, error)',
  labelNames: ['outcome'] as const,
  registers,
});

export type QueueCounts = { queue: string; counts: Record<string, number> };
const queueCountsSources = new Set<() => Promise<QueueCounts[]>>();

/**
 * A queue collector (queue-metrics.ts) registers where the counts come from; returns its removal.
 * Several may be registered (api and worker in one test process): the same queue reads the same.
 */
export function addQueueCountsSource(source: () => Promise<QueueCounts[]>): () => void {
  queueCountsSources.add(source);
  return () => queueCountsSources.delete(source);
}

export const queueScrapeErrors = new Counter({
  name: `${P}queue_scrape_errors_total`,
  help: 'Scrapes that could not read the queue counts from Redis (the queue_jobs series are absent then)',
  registers,
});

export const queueJobs = new Gauge({
  name: `${P}queue_jobs`,
  help: 'Jobs in each BullMQ queue by state (waiting, active, delayed, failed, prioritized), read on scrape',
  labelNames: ['queue', 'state'] as const,
  registers,
  async collect() {
    if (!queueCountsSources.size) return;
    this.reset();
    try {
      const all = await Promise.all([...queueCountsSources].map((source) => source()));
      for (const { queue, counts } of all.flat()) {
        for (const [state, n] of Object.entries(counts)) this.set({ queue, state }, n);
      }
    } catch {
      // Redis away: no stale numbers; the error counter and the readiness probe tell why.
      queueScrapeErrors.inc();
    }
  },
});
