import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import IORedis from 'ioredis';
import { withTimeout } from '@app/runtime';
import { PRODUCER_CONNECTION } from './redis-connection';

/**
 * Redis must not evict keys (O9): an evicted job is found again by the outbox sweeper only after
 * its grace period, and an evicted export company lock lets a second run start beside the first.
 * Checked once at start-up; a managed Redis that disables CONFIG is told to the log, not fatal.
 */
@Injectable()
export class RedisPolicyCheck implements OnApplicationBootstrap {
  private readonly logger = new Logger('Redis');

  constructor(@Inject(PRODUCER_CONNECTION) private readonly redis: IORedis) {}

  onApplicationBootstrap(): void {
    // Not awaited: a Redis that is down at start-up must not hold the process back.
    void this.check();
  }

  async check(): Promise<string | undefined> {
    try {
      // The producer connection queues nothing offline: wait for it to be up first.
      if (this.redis.status !== 'ready') await withTimeout(new Promise((resolve) => this.redis.once('ready', resolve)), 10_000, 'connecting');
      const answer = (await withTimeout(this.redis.config('GET', 'maxmemory-policy'), 5_000, 'CONFIG GET')) as string[];
      const policy = answer?.[1];
      if (policy && policy !== 'noeviction') {
        this.logger.warn(
          `Redis maxmemory-policy is ${policy}, not noeviction: under memory pressure Redis may drop queued jobs ` +
            '(delayed until the outbox sweeper re-adds them) and export company locks (two runs for one company). Set maxmemory-policy noeviction.',
        );
      }
      return policy;
    } catch (err) {
      this.logger.log(`could not read Redis maxmemory-policy (${(err as Error).message}); make sure it is noeviction`);
      return undefined;
    }
  }
}
