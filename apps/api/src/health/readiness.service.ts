import { Inject, Injectable } from '@nestjs/common';
import IORedis from 'ioredis';
import { PrismaService } from '@app/database';
import { PRODUCER_CONNECTION } from '@app/queue';
import { withTimeout } from '@app/runtime';

export type CheckResult = { status: 'up' } | { status: 'down'; error: string };

const CHECK_TIMEOUT_MS = 2_000;

async function check(probe: () => Promise<unknown>): Promise<CheckResult> {
  try {
    await withTimeout(probe(), CHECK_TIMEOUT_MS, 'the check');
    return { status: 'up' };
  } catch (err) {
    return { status: 'down', error: (err as Error).message.split('\n')[0] };
  }
}

/** Ready means: a webhook received now could be stored (PostgreSQL) and queued (Redis). */
@Injectable()
export class ReadinessService {
  constructor(
    private readonly prisma: PrismaService,
    @Inject(PRODUCER_CONNECTION) private readonly redis: IORedis,
  ) {}

  async check(): Promise<{ ready: boolean; checks: Record<'database' | 'redis', CheckResult> }> {
    const [database, redis] = await Promise.all([
      check(() => this.prisma.$queryRaw`SELECT 1`),
      check(() => this.redis.ping()),
    ]);
    return { ready: database.status === 'up' && redis.status === 'up', checks: { database, redis } };
  }
}
