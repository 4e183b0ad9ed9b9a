import { Injectable, Logger } from '@nestjs/common';
import { DependencyChecks } from '@app/queue';
import { heartbeats } from '@app/runtime';
import { RouteAnswer, WorkerHttpServer } from './worker-http.server';

/**
 * /health/live: 503 when one of the worker's loops (a periodic task, the queue workers) has not
 * reported for several of its intervals: a wedged worker an orchestrator should restart.
 * /health/ready: live, and PostgreSQL and Redis answer. No error text in the answers (O4).
 */
@Injectable()
export class WorkerHealthService {
  private readonly logger = new Logger('WorkerHealth');

  constructor(
    http: WorkerHttpServer,
    private readonly dependencies: DependencyChecks,
  ) {
    http.route('/health/live', async () => this.live());
    http.route('/health/ready', async () => this.ready());
  }

  live(): RouteAnswer {
    const stale = heartbeats.stale();
    if (stale.length) this.logger.warn(`wedged: ${stale.map((s) => `${s.name} (last ${s.lastBeatSecondsAgo} s ago)`).join(', ')}`);
    return { status: stale.length ? 503 : 200, body: { status: stale.length ? 'wedged' : 'ok', stale } };
  }

  async ready(): Promise<RouteAnswer> {
    const checks = await this.dependencies.check();
    const stale = heartbeats.stale();
    const ok = !stale.length && checks.database.status === 'up' && checks.redis.status === 'up';
    return { status: ok ? 200 : 503, body: { status: ok ? 'ok' : 'unavailable', checks, stale } };
  }
}
