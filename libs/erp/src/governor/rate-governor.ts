import { randomUUID } from 'node:crypto';
import IORedis from 'ioredis';
import { setTimeout as delay } from 'node:timers/promises';
import { ErpError } from '../erp-errors';
import { ACQUIRE, RELEASE } from './governor.lua';
import { RateLimits, retryAfterMs } from './rate-limits';

export interface GovernorOptions {
  /** Redis key prefix (the deployment's QUEUE_PREFIX) */
  prefix: string;
  /** a wait up to this long is slept through; a longer one pauses the job (ErpError rate_limited) */
  maxInlineWaitMs?: number;
  /** a lease not released (process died mid-request) frees its slot after this long; a little over the adapters' 60 s request timeout */
  leaseTtlMs?: number;
  /** pause after a 429 that carries no Retry-After */
  default429PauseMs?: number;
  /** a request admitted must answer within this long (counted from its admission, not its wait) */
  requestTimeoutMs?: number;
}

/**
 * A request's init as the governed fetch reads it: `requestCost` is how many requests of the ERP's
 * windows it uses (a batch the ERP counts per operation); 1 when absent. It is not sent.
 */
export interface GovernedRequestInit extends RequestInit {
  requestCost?: number;
}

/** Waiting for a slot held by a request in flight: the first look again, and the longest gap between looks. */
const POLL_FIRST_MS = 25;
const POLL_MAX_MS = 500;

/** Requests are counted when admitted and reach the ERP a little later: keep this much margin. */
const arrivalMarginMs = (windowMs: number) => Math.max(100, Math.ceil(windowMs / 100));

/**
 * One rate governor per ERP connection, shared by every worker process through Redis: before each
 * request a lease is taken (concurrency) and the request is counted in each of the connection's
 * windows (sliding logs); after it, the lease is freed and the ERP's answer is folded in —
 * Retry-After (or a 429) pauses the connection for everyone, remaining-quota headers lower what is
 * left. A connection that must wait longer than `maxInlineWaitMs` throws ErpError('rate_limited')
 * with the wait, so its job is delayed while other connections keep running.
 *
 * Why not rate-limiter-flexible: its Redis limiters count fixed windows (up to twice the limit in
 * any rolling minute), and the windows, the concurrency lease and the pause must be decided in one
 * atomic step; a sliding log in one small script does all three exactly.
 */
export class RateGovernor {
  private readonly maxInlineWaitMs: number;
  private readonly leaseTtlMs: number;
  private readonly default429PauseMs: number;
  private readonly requestTimeoutMs: number;

  constructor(
    private readonly redis: IORedis,
    private readonly options: GovernorOptions,
  ) {
    this.maxInlineWaitMs = options.maxInlineWaitMs ?? 2_000;
    this.leaseTtlMs = options.leaseTtlMs ?? 65_000;
    this.default429PauseMs = options.default429PauseMs ?? 30_000;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 60_000;
  }

  /** A fetch that takes its turn under the connection's limits. `connectionKey` must be stable. */
  fetchFor(connectionKey: string, limits: RateLimits | null, base: typeof fetch = fetch): typeof fetch {
    if (!limits) return base;
    return (async (input: string | URL | Request, governed?: GovernedRequestInit) => {
      const { requestCost, ...init } = governed ?? {};
      const cost = requestCost ?? 1;
      if (!Number.isInteger(cost) || cost < 1 || limits.windows.some((w) => cost > w.limit)) {
        throw new ErpError('validation', `A request that counts as ${cost} requests can never fit this connection's limits (${limits.windows.map((w) => w.limit).join(' / ')} per window).`);
      }
      const callerSignal = init.signal ?? (input instanceof Request ? input.signal : undefined);
      const lease = await this.acquire(connectionKey, limits, cost, callerSignal ?? undefined);
      let res: Response | undefined;
      try {
        // the request's own deadline starts now: a wait for its turn (up to a minute) is not its fault
        const timeout = AbortSignal.timeout(this.requestTimeoutMs);
        res = await base(input, { ...init, signal: callerSignal ? AbortSignal.any([callerSignal, timeout]) : timeout });
        return res;
      } finally {
        await this.release(connectionKey, limits, lease, cost, res);
      }
    }) as typeof fetch;
  }

  private keys(connectionKey: string, limits: RateLimits): string[] {
    // one hash tag per connection: every key of a script lives in one Redis Cluster slot
    const base = `${this.options.prefix}:erp-rate:{${connectionKey}}`;
    return [`${base}:paused`, `${base}:leases`, ...limits.windows.map((w) => `${base}:w${w.windowMs}`)];
  }

  private async acquire(connectionKey: string, limits: RateLimits, cost: number, signal?: AbortSignal): Promise<string> {
    const lease = randomUUID();
    const keys = this.keys(connectionKey, limits);
    const args = [lease, this.leaseTtlMs, limits.concurrent ?? 0, cost, ...limits.windows.flatMap((w) => [w.limit, w.windowMs + arrivalMarginMs(w.windowMs)])];
    const started = Date.now();
    let pollMs = POLL_FIRST_MS;
    for (;;) {
      if (signal?.aborted) await waitFor(0, signal); // given up before its turn: nothing was sent
      const [ok, waitMs, reason] = (await this.run(ACQUIRE, keys, args)) as [number, number, string];
      if (ok === 1) return lease;
      // a slot held by a request in flight frees when it answers: poll; a window or a pause has a known end
      const polling = reason === 'concurrency' || reason === 'in-flight';
      if (!polling && waitMs > this.maxInlineWaitMs) throw this.pausedError(waitMs, reason);
      if (polling && Date.now() - started > this.leaseTtlMs) throw this.pausedError(1_000, reason);
      // polling backs off (with jitter): many waiters must not hammer Redis dozens of times a second each
      await waitFor(polling ? pollMs * (0.5 + Math.random() / 2) : waitMs, signal);
      if (polling) pollMs = Math.min(pollMs * 2, POLL_MAX_MS);
    }
  }

  private async release(connectionKey: string, limits: RateLimits, lease: string, cost: number, res?: Response): Promise<void> {
    const pause = res ? (retryAfterMs(res.headers.get('retry-after')) ?? (res.status === 429 ? this.default429PauseMs : 0)) : 0;
    const remaining = (windowMs: number) => {
      const header = limits.remainingHeaders?.find((h) => h.windowMs === windowMs)?.header;
      const raw = header && res ? res.headers.get(header)?.trim() : undefined;
      const value = raw ? Number(raw) : NaN; // an answer without the header (a 401, a proxy's 502) says nothing: Number(null) would be 0
      return Number.isInteger(value) && value >= 0 ? value : -1;
    };
    const args = [lease, pause, cost, ...limits.windows.flatMap((w) => [w.limit, w.windowMs + arrivalMarginMs(w.windowMs), remaining(w.windowMs)])];
    // A lost release only holds a slot until the lease expires: never fail the request for it.
    await this.run(RELEASE, this.keys(connectionKey, limits), args).catch(() => undefined);
  }

  private async run(script: string, keys: string[], args: (string | number)[]): Promise<unknown> {
    try {
      return await this.redis.eval(script, keys.length, ...keys, ...args.map(String));
    } catch (err) {
      // Fail closed: without the shared count a burst could spend the ERP's daily quota.
      throw new ErpError('unavailable', 'The request-rate governor (Redis) cannot be reached; retrying.', { cause: err });
    }
  }

  private pausedError(waitMs: number, reason: string): ErpError {
    const why = reason === 'paused' ? 'The ERP asked us to slow down' : 'This connection has used its request allowance';
    return new ErpError('rate_limited', `${why}; continuing in ${Math.ceil(waitMs / 1000)} s.`, { retryAfterMs: waitMs });
  }
}

/** A wait for a turn that the caller may give up (its deadline, a lost lock): then nothing was sent. */
async function waitFor(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await delay(ms, undefined, signal && { signal });
  } catch (err) {
    throw new ErpError('timeout', 'The request was given up while it waited for its turn under the rate limits; it was not sent.', { cause: signal?.reason ?? err });
  }
}
