import { Logger } from '@nestjs/common';
import { RedisPolicyCheck } from '@app/queue';
import { heartbeats } from '@app/runtime';
import { WorkerHttpServer } from '../../apps/worker/src/health/worker-http.server';
import { RunningApi, dropQueuePrefix, startApi, startWorker, waitFor } from '../support/harness';
import { TcpProxy } from '../support/tcp-proxy';
import { ThrowawayRedis } from '../support/throwaway-servers';
import { TEST_REDIS_URL, uniquePrefix } from '../support/test-env';

describe('the worker health endpoints (O4)', () => {
  const prefix = uniquePrefix();
  const redisProxy = TcpProxy.forUrl(TEST_REDIS_URL);
  let worker: Awaited<ReturnType<typeof startWorker>>;
  let base: string;
  const get = async (path: string) => {
    const res = await fetch(`${base}${path}`);
    return { status: res.status, body: (await res.json()) as any };
  };

  beforeAll(async () => {
    await redisProxy.start();
    worker = await startWorker({ QUEUE_PREFIX: prefix, REDIS_URL: redisProxy.rewrite(TEST_REDIS_URL), WORKER_HEALTH_PORT: '0' });
    base = `http://127.0.0.1:${worker.app.get(WorkerHttpServer).port}`;
    await waitFor(async () => (await get('/health/ready')).status === 200, 15_000); // connections up
  });

  afterAll(async () => {
    await worker?.close();
    await redisProxy.stop();
    await dropQueuePrefix(prefix);
  });

  it('live and ready answer 200 while the loops turn and PostgreSQL and Redis answer', async () => {
    expect(await get('/health/live')).toEqual({ status: 200, body: { status: 'ok', stale: [] } });
    expect(await get('/health/ready')).toEqual({
      status: 200,
      body: { status: 'ok', checks: { database: { status: 'up' }, redis: { status: 'up' } }, stale: [] },
    });
    expect((await fetch(`${base}/nope`)).status).toBe(404);
  });

  it('ready says 503 without driver text when Redis is unreachable, and recovers', async () => {
    await redisProxy.stop();
    try {
      const ready = await get('/health/ready');
      expect(ready).toEqual({ status: 503, body: { status: 'unavailable', checks: { database: { status: 'up' }, redis: { status: 'down' } }, stale: [] } });
    } finally {
      await redisProxy.start();
    }
    await waitFor(async () => (await get('/health/ready')).status === 200, 15_000);
  });

  it('a loop that stopped reporting makes live and ready 503, naming it (a wedged worker)', async () => {
    const loop = heartbeats.register('stuck test loop', 1);
    try {
      await new Promise((r) => setTimeout(r, 20));
      const live = await get('/health/live');
      expect(live.status).toBe(503);
      expect(live.body).toEqual({ status: 'wedged', stale: [expect.objectContaining({ name: 'stuck test loop' })] });
      expect((await get('/health/ready')).status).toBe(503);
    } finally {
      loop.unregister();
    }
    expect((await get('/health/live')).status).toBe(200);
  });
});

describe('start-up checks', () => {
  it('O9: warns when Redis may evict keys, naming the policy and the risk', async () => {
    const redis = await ThrowawayRedis.create(['--maxmemory-policy', 'allkeys-lru']);
    const warn = jest.spyOn(Logger.prototype, 'warn');
    let api: RunningApi | undefined;
    try {
      api = await startApi({ REDIS_URL: redis.url, QUEUE_PREFIX: uniquePrefix() });
      expect(await api.app.get(RedisPolicyCheck).check()).toBe('allkeys-lru');
      expect(warn).toHaveBeenCalledWith(expect.stringMatching(/maxmemory-policy is allkeys-lru, not noeviction: .*export company locks/));
    } finally {
      warn.mockRestore();
      await api?.close();
      await redis.stop();
    }
  });

  it('O9: the shared test Redis (noeviction) passes without a warning', async () => {
    const api = await startApi({ QUEUE_PREFIX: uniquePrefix() });
    try {
      expect(await api.app.get(RedisPolicyCheck).check()).toBe('noeviction');
    } finally {
      await api.close();
    }
  });

  it('S2: the api sets request and connection timeouts', async () => {
    const api = await startApi({ QUEUE_PREFIX: uniquePrefix() });
    try {
      const server = api.app.getHttpServer() as import('node:http').Server;
      expect({ requestTimeout: server.requestTimeout, connectionTimeout: server.timeout }).toEqual({ requestTimeout: 30_000, connectionTimeout: 120_000 });
    } finally {
      await api.close();
    }
  });
});
