import { Inject, Injectable, Logger } from '@nestjs/common';
import IORedis from 'ioredis';
import { PrismaService } from '@app/database';
import { ProbeResult, runProbe } from '@app/runtime';
import { PRODUCER_CONNECTION } from './redis-connection';

const CHECK_TIMEOUT_MS = 2_000;

/**
 * Can this process reach PostgreSQL and Redis right now? For the health endpoints of both
 * processes. The answers say only up/down (they are public); the reasons are logged.
 */
@Injectable()
export class DependencyChecks {
  private readonly logger = new Logger('Health');

  constructor(
    private readonly prisma: PrismaService,
    @Inject(PRODUCER_CONNECTION) private readonly redis: IORedis,
  ) {}

  async check(): Promise<Record<'database' | 'redis', ProbeResult>> {
    const log = (what: string) => (err: Error) => this.logger.warn(`${what} check failed: ${err.message}`);
    const [database, redis] = await Promise.all([
      runProbe(() => this.prisma.$queryRaw`SELECT 1`, CHECK_TIMEOUT_MS, log('database')),
      runProbe(() => this.redis.ping(), CHECK_TIMEOUT_MS, log('redis')),
    ]);
    return { database, redis };
  }
}
