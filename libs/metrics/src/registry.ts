import { Registry } from 'prom-client';

/**
 * The one registry every metric of this service registers in (not prom-client's global one, so a
 * library that registers its own metrics cannot collide with ours). Names start with
 * `pleo_erp_sync_`; labels are bounded enumerations (outcome, queue, adapter…), never ids.
 */
export const metricsRegistry = new Registry();
export const METRIC_PREFIX = 'pleo_erp_sync_';

/** The Prometheus text exposition of every metric. */
export function renderMetrics(): Promise<string> {
  return metricsRegistry.metrics();
}

export const METRICS_CONTENT_TYPE = metricsRegistry.contentType;

