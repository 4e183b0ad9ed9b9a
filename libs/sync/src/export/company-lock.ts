import { randomUUID } from 'node:crypto';
import IORedis from 'ioredis';

/** Another run holds the company: the queue job is delayed and tried again, not failed. */
export class CompanyBusy extends Error {
  constructor(readonly companyId: string) {
    super(`another export run holds company ${companyId}`);
    this.name = 'CompanyBusy';
  }
}

const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/**
 * At most one export runner per company across all worker processes: a Redis key with a TTL,
 * renewed while the run lasts. If a renewal finds the lock gone (Redis restarted, or the process
 * stalled past the TTL), `signal` aborts so the run stops before another one starts doubling it.
 */
export class CompanyLock {
  private readonly token = randomUUID();
  private readonly controller = new AbortController();
  private timer?: NodeJS.Timeout;

  private constructor(
    private readonly redis: IORedis,
    private readonly key: string,
    private readonly ttlMs: number,
  ) {}

  static async acquire(redis: IORedis, prefix: string, companyId: string, ttlMs: number): Promise<CompanyLock> {
    const lock = new CompanyLock(redis, `${prefix}:export-lock:${companyId}`, ttlMs);
    const ok = await redis.set(lock.key, lock.token, 'PX', ttlMs, 'NX');
    if (ok !== 'OK') throw new CompanyBusy(companyId);
    lock.timer = setInterval(() => void lock.renew(), Math.max(200, Math.floor(ttlMs / 3)));
    lock.timer.unref();
    return lock;
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  private async renew(): Promise<void> {
    try {
      const kept = await this.redis.eval(RENEW, 1, this.key, this.token, String(this.ttlMs));
      if (kept !== 1) this.controller.abort(new Error(`lost the export lock ${this.key}`));
    } catch {
      // Redis unreachable for a moment: the next renewal tries again; the TTL covers the gap.
    }
  }

  async release(): Promise<void> {
    clearInterval(this.timer);
    await this.redis.eval(RELEASE, 1, this.key, this.token).catch(() => undefined);
  }
}
