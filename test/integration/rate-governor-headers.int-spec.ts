import { randomUUID } from 'node:crypto';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import IORedis from 'ioredis';
import { ErpError, GovernedRequestInit, RateGovernor, RateLimits } from '@app/erp';
import { dropQueuePrefix } from '../support/harness';
import { TEST_REDIS_URL, uniquePrefix } from '../support/test-env';

/** The governor alone (real Redis) against a server that answers with quota headers. */
describe('rate governor: the ERP’s own headers', () => {
  const prefix = uniquePrefix();
  let redis: IORedis;
  let server: Server;
  let url: string;
  let answer: { status: number; headers: Record<string, string> } = { status: 200, headers: {} };
  let hits = 0;

  beforeAll(async () => {
    redis = new IORedis(TEST_REDIS_URL);
    server = createServer((_req, res) => {
      hits++;
      res.writeHead(answer.status, answer.headers).end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await redis.quit();
    await dropQueuePrefix(prefix);
  });

  const limits: RateLimits = { windows: [{ limit: 60, windowMs: 60_000 }], concurrent: 5, remainingHeaders: [{ header: 'x-minlimit-remaining', windowMs: 60_000 }] };
  const refusal = (f: typeof fetch) => f(url).then(() => null, (err: unknown) => err as ErpError);

  it('a request waiting for a concurrency slot looks again with backoff, not every 25 ms (review finding 10)', async () => {
    const key = `poll-${randomUUID()}`;
    const one: RateLimits = { windows: [{ limit: 100, windowMs: 60_000 }], concurrent: 1 };
    let release!: () => void;
    const slow = (async () => {
      await new Promise<void>((r) => (release = r));
      return new Response('{}');
    }) as unknown as typeof fetch;
    const governor = new RateGovernor(redis, { prefix });
    const held = governor.fetchFor(key, one, slow)(url); // holds the only slot
    await new Promise((r) => setTimeout(r, 50));
    const evals = jest.spyOn(redis, 'eval');
    const waiting = governor.fetchFor(key, one)(url);
    await new Promise((r) => setTimeout(r, 3_000));
    const looks = evals.mock.calls.length;
    release();
    await held;
    expect((await waiting).status).toBe(200);
    evals.mockRestore();
    // 25 ms polling would look ~120 times in 3 s; backing off to 500 ms, about a dozen
    expect(looks).toBeLessThan(25);
  });

  it('a request that costs several (a batch counted per operation) takes that many places in the window, and waits until they are free', async () => {
    const key = `cost-${randomUUID()}`;
    const small: RateLimits = { windows: [{ limit: 5, windowMs: 1_000 }], concurrent: 5 };
    const governed = new RateGovernor(redis, { prefix, maxInlineWaitMs: 5_000 }).fetchFor(key, small) as (u: string, init?: GovernedRequestInit) => Promise<Response>;
    const before = hits;
    await governed(url, { requestCost: 4 });
    const started = Date.now();
    await governed(url, { requestCost: 1 }); // 4 + 1 = 5: fits at once
    expect(Date.now() - started).toBeLessThan(300);
    await governed(url, { requestCost: 2 }); // 5 + 2 > 5: waits until the first batch's four have left the window
    expect(Date.now() - started).toBeGreaterThanOrEqual(800);
    expect(hits - before).toBe(3);
    const never = await governed(url, { requestCost: 6 }).then(() => null, (err: unknown) => err as ErpError);
    expect(never).toMatchObject({ kind: 'validation' });
    expect(hits - before).toBe(3);
  });

  it('a remaining count of 0 stops the connection until its window passes; another connection is not affected', async () => {
    const governor = new RateGovernor(redis, { prefix });
    const a = governor.fetchFor('xero:a', limits);
    answer = { status: 200, headers: { 'x-minlimit-remaining': '0' } };
    expect((await a(url)).status).toBe(200);
    const before = hits;
    const stopped = await refusal(a);
    expect(stopped).toBeInstanceOf(ErpError);
    expect(stopped).toMatchObject({ kind: 'rate_limited' });
    expect(stopped!.retryAfterMs).toBeGreaterThan(55_000);
    expect(hits).toBe(before); // nothing was sent
    answer = { status: 200, headers: {} };
    expect((await governor.fetchFor('xero:b', limits)(url)).status).toBe(200);
  });

  it('an answer without the remaining header (a 401 before the ERP counted) leaves the count alone', async () => {
    const governor = new RateGovernor(redis, { prefix });
    const a = governor.fetchFor('xero:no-header', limits);
    answer = { status: 401, headers: {} };
    expect((await a(url)).status).toBe(401);
    answer = { status: 200, headers: {} };
    for (let i = 0; i < 3; i++) expect((await a(url)).status).toBe(200);
  });

  it('a Retry-After (HTTP date or seconds) pauses every worker’s requests for that connection', async () => {
    const one = new RateGovernor(redis, { prefix });
    const other = new RateGovernor(redis, { prefix }); // another worker process
    answer = { status: 429, headers: { 'retry-after': '30' } };
    expect((await one.fetchFor('xero:c', limits)(url)).status).toBe(429);
    answer = { status: 200, headers: {} };
    const paused = await refusal(other.fetchFor('xero:c', limits));
    expect(paused).toMatchObject({ kind: 'rate_limited', message: expect.stringContaining('slow down') });
    expect(paused!.retryAfterMs).toBeGreaterThan(25_000);
    expect(paused!.retryAfterMs).toBeLessThanOrEqual(30_000);
  });

  it('no limits declared: requests go straight through; Redis unreachable: fail closed, retryable', async () => {
    const governor = new RateGovernor(redis, { prefix });
    expect((await governor.fetchFor('sandbox:x', null)(url)).status).toBe(200);
    const down = new IORedis('redis://127.0.0.1:9', { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false });
    const failed = await refusal(new RateGovernor(down, { prefix }).fetchFor('xero:d', limits));
    expect(failed).toMatchObject({ kind: 'unavailable', retryable: true });
    down.disconnect();
  });

  it('a request that waits its turn (window full) inline is then given its whole deadline from the moment it is sent', async () => {
    const governor = new RateGovernor(redis, { prefix, maxInlineWaitMs: 5_000, requestTimeoutMs: 1_000 });
    const small: RateLimits = { windows: [{ limit: 1, windowMs: 1_500 }] };
    const f = governor.fetchFor('xero:wait', small);
    answer = { status: 200, headers: {} };
    expect((await f(url)).status).toBe(200);
    const started = Date.now();
    // the caller's own deadline (2 s) covers the wait (~1.5 s); the governor's 1 s deadline counts from admission
    expect((await f(new Request(url, { signal: AbortSignal.timeout(2_000) }))).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_200);
  });

  it('a caller that gives up while waiting its turn gets a retryable error that says nothing was sent', async () => {
    const governor = new RateGovernor(redis, { prefix, maxInlineWaitMs: 10_000 });
    const small: RateLimits = { windows: [{ limit: 1, windowMs: 8_000 }] };
    const f = governor.fetchFor('xero:giveup', small);
    answer = { status: 200, headers: {} };
    expect((await f(url)).status).toBe(200);
    const before = hits;
    const err = await f(new Request(url, { signal: AbortSignal.timeout(300) })).then(() => null, (e: unknown) => e as ErpError);
    expect(err).toBeInstanceOf(ErpError);
    expect(err).toMatchObject({ kind: 'timeout', retryable: true, mayHaveApplied: false });
    expect(hits).toBe(before);
  });
});
