import { Injectable } from '@nestjs/common';
import { DependencyChecks } from '@app/queue';
import { ProbeResult } from '@app/runtime';

export interface Readiness {
  /** ok: everything up; degraded: Redis down (webhooks are still stored, the sweeper queues them) */
  status: 'ok' | 'degraded' | 'unavailable';
  checks: Record<'database' | 'redis', ProbeResult>;
}

/**
 * Ready means a webhook received now can be stored: PostgreSQL. Redis is reported but not
 * required: while it is down webhooks are answered 202 RECEIVED and the worker's outbox sweeper
 * queues them later, and a probe that failed on Redis would take every instance out of the load
 * balancer and switch that path off (O1).
 */
@Injectable()
export class ReadinessService {
  constructor(private readonly dependencies: DependencyChecks) {}

  async check(): Promise<Readiness> {
    const checks = await this.dependencies.check();
    const status = checks.database.status !== 'up' ? 'unavailable' : checks.redis.status !== 'up' ? 'degraded' : 'ok';
    return { status, checks };
  }
}
