import { Injectable } from '@nestjs/common';
import { METRICS_CONTENT_TYPE, renderMetrics } from '@app/metrics';
import { WorkerHttpServer } from './worker-http.server';

/**
 * GET /metrics on the worker's health port: the sync, ERP, Pleo, export, sweeper and token counters
 * live in this process. The port is for the scraper and the orchestrator's probes only (compose does
 * not publish it): no token here, unlike the api's /metrics.
 */
@Injectable()
export class WorkerMetricsRoute {
  constructor(http: WorkerHttpServer) {
    http.route('/metrics', async () => ({ status: 200, body: await renderMetrics(), contentType: METRICS_CONTENT_TYPE }));
  }
}
