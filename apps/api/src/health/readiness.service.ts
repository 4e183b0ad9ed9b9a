import { Inject, Injectable } from '@nestjs/common';
import IORedis from 'ioredis';
import { PrismaService } from '@app/database';
import { PRODUCER_CONNECTION } from '@app/queue';

export type CheckResult = { status: 'up' } | { status: 'down'; error: string };

const CHECK_TIMEOUT_MS = 2_000;

async function check(probe: () => Promise<unknown>): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      probe(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
      }),
    ]);
    return { status: 'up' };
  } catch (err) {
    return { status: 'down', error: (err as Error).message.split('\n')[0] };
  } finally {
    clearTimeout(timer);
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
