import { randomUUID } from 'node:crypto';
import IORedis from 'ioredis';
import { RunInterrupted } from '@app/runtime';

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
 * renewed while the run lasts. The lock counts as lost (and `signal` aborts) as soon as a renewal
 * finds the key gone OR when no renewal has been confirmed for `ttl − ttl/4` — the key may already
 * have expired in Redis, and a Redis we cannot reach proves nothing (R1). The `token` is this run's
 * identity in the ledger's claims, the fence that holds even when Redis lies (see ExportFence).
 */
export class CompanyLock {
  readonly token = randomUUID();
  private readonly controller = new AbortController();
  private timer?: NodeJS.Timeout;
  private deadline?: NodeJS.Timeout;
  private renewing = false;

  private constructor(
    private readonly redis: IORedis,
    private readonly key: string,
    readonly ttlMs: number,
  ) {}

  static async acquire(redis: IORedis, prefix: string, companyId: string, ttlMs: number): Promise<CompanyLock> {
    const lock = new CompanyLock(redis, `${prefix}:export-lock:${companyId.toLowerCase()}`, ttlMs);
    const sentAt = Date.now();
    const ok = await redis.set(lock.key, lock.token, 'PX', ttlMs, 'NX');
    if (ok !== 'OK') throw new CompanyBusy(companyId);
    lock.proven(sentAt);
    lock.timer = setInterval(() => void lock.renew(), Math.max(100, Math.floor(ttlMs / 3)));
    lock.timer.unref();
    return lock;
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The key was confirmed (set or renewed) by a command sent at `sentAt`: it lives until sentAt + ttl. */
  private proven(sentAt: number): void {
    clearTimeout(this.deadline);
    const margin = Math.floor(this.ttlMs / 4);
    this.deadline = setTimeout(() => this.lost(`not renewed within ${this.ttlMs - margin} ms`), Math.max(0, sentAt + this.ttlMs - margin - Date.now()));
    this.deadline.unref();
  }

  private lost(why: string): void {
    clearInterval(this.timer);
    clearTimeout(this.deadline);
    if (!this.controller.signal.aborted) this.controller.abort(new RunInterrupted('lock_lost', `Lost the export lock ${this.key} (${why}); the run stops before its next ERP write.`));
  }

  private async renew(): Promise<void> {
    if (this.renewing || this.signal.aborted) return;
    this.renewing = true;
    const sentAt = Date.now();
    try {
      const kept = await this.redis.eval(RENEW, 1, this.key, this.token, String(this.ttlMs));
      if (kept === 1) this.proven(sentAt);
      else this.lost('the key is gone or held by another run');
    } catch {
      // Redis unreachable: nothing proven; the deadline aborts the run if this lasts.
    } finally {
      this.renewing = false;
    }
  }

  async release(): Promise<void> {
    clearInterval(this.timer);
    clearTimeout(this.deadline);
    await this.redis.eval(RELEASE, 1, this.key, this.token).catch(() => undefined);
  }
}
