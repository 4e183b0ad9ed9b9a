import { randomUUID } from 'node:crypto';
import type IORedis from 'ioredis';
import { ErpError } from '../../erp-errors';

/**
 * Resolves while the lock is still ours, throws (retryable, nothing posted) when it is not: called
 * right before a journal post, which posts everything in the journal — a worker whose lock ran out
 * (Redis restarted, the key expired) must not post what another worker is writing.
 */
export type LockFence = () => Promise<void>;

/** Serialises work on one key (a journal of one connection) across every process. */
export interface BcLock {
  withLock<T>(key: string, work: (fence: LockFence) => Promise<T>, signal?: AbortSignal): Promise<T>;
}

const lost = (cause?: unknown) =>
  new ErpError('unavailable', 'The journal lock was lost before posting (Redis restarted or the lock ran out); this attempt posted nothing and the entries will be looked up and tried again.', { mayHaveApplied: true, cause });

const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0`;
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0`;

/**
 * A Redis lock (SET NX PX with an owner token, renewed while the work runs, released only by its
 * owner). A process that dies frees it after `ttlMs`. Waiting longer than `maxWaitMs` gives up with
 * a retryable error, so the job is retried later instead of holding a worker.
 */
export class RedisBcLock implements BcLock {
  constructor(
    private readonly redis: IORedis,
    private readonly prefix: string,
    private readonly options: { ttlMs?: number; maxWaitMs?: number } = {},
  ) {}

  async withLock<T>(key: string, work: (fence: LockFence) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const name = `${this.prefix}:bc-lock:{${key}}`;
    const owner = randomUUID();
    const ttlMs = this.options.ttlMs ?? 60_000;
    const deadline = Date.now() + (this.options.maxWaitMs ?? 60_000);
    for (let wait = 20; ; wait = Math.min(wait * 2, 250)) {
      signal?.throwIfAborted();
      let got: string | null;
      try {
        got = await this.redis.set(name, owner, 'PX', ttlMs, 'NX');
      } catch (err) {
        throw new ErpError('unavailable', 'The journal lock (Redis) cannot be reached; retrying.', { cause: err });
      }
      if (got === 'OK') break;
      if (Date.now() > deadline) throw new ErpError('unavailable', 'Another process has been posting the Business Central journal for a long time; retrying later.', { retryAfterMs: 5_000 });
      await new Promise((r) => setTimeout(r, wait));
    }
    const renew = setInterval(() => void this.redis.eval(RENEW, 1, name, owner, String(ttlMs)).catch(() => undefined), Math.floor(ttlMs / 3));
    const fence: LockFence = async () => {
      let held: unknown;
      try {
        held = await this.redis.eval(RENEW, 1, name, owner, String(ttlMs));
      } catch (err) {
        throw lost(err);
      }
      if (held !== 1) throw lost();
    };
    try {
      return await work(fence);
    } finally {
      clearInterval(renew);
      await this.redis.eval(RELEASE, 1, name, owner).catch(() => undefined);
    }
  }
}

/** One process only (unit tests, a single worker without Redis): a promise chain per key. */
export class LocalBcLock implements BcLock {
  private readonly tails = new Map<string, Promise<unknown>>();

  async withLock<T>(key: string, work: (fence: LockFence) => Promise<T>): Promise<T> {
    const before = this.tails.get(key) ?? Promise.resolve();
    const run = before.catch(() => undefined).then(() => work(async () => undefined));
    this.tails.set(key, run);
    try {
      return await run;
    } finally {
      if (this.tails.get(key) === run) this.tails.delete(key);
    }
  }
}
