import { Queue } from 'bullmq';
import { Pool } from 'pg';
import { QueueName, jobIdForEvent } from '@app/queue';
import { OutboxSweeper } from '../../apps/worker/src/maintenance/outbox-sweeper.service';
import { RunningApi, dropQueuePrefix, inspectQueue, post, startApi, startWorker, testDb, waitFor } from '../support/harness';
import { signedHeaders, vendorCreatedBody } from '../support/sign';
import { TEST_DATABASE_URL, TEST_REDIS_URL, uniquePrefix } from '../support/test-env';
import { TcpProxy } from '../support/tcp-proxy';

describe('when Redis goes away (real Redis behind a cuttable proxy)', () => {
  const prefix = uniquePrefix();
  const redisProxy = TcpProxy.forUrl(TEST_REDIS_URL);
  let api: RunningApi;
  let db: Pool;
  let queue: Queue;

  beforeAll(async () => {
    await redisProxy.start();
    api = await startApi({ QUEUE_PREFIX: prefix, REDIS_URL: redisProxy.rewrite(TEST_REDIS_URL) });
    db = testDb();
    queue = inspectQueue(QueueName.VendorSync, prefix);
  });

  afterAll(async () => {
    await Promise.all([api.close(), db.end(), queue.close()]);
    await redisProxy.stop();
    await dropQueuePrefix(prefix);
  });

  it('still acknowledges (202, row RECEIVED) without waiting, and the sweeper queues it once Redis is back', async () => {
    await redisProxy.stop();
    const body = vendorCreatedBody();
    const headers = signedHeaders(body);
    const started = Date.now();
    const res = await post(`${api.url}/webhooks/pleo`, body, headers);

    expect(res.status).toBe(202);
    expect(res.json.status).toBe('RECEIVED');
    expect(Date.now() - started).toBeLessThan(1_500); // fails fast, no hanging request
    const row = async () => (await db.query('SELECT * FROM webhook_events WHERE id = $1', [res.json.id])).rows[0];
    expect((await row()).status).toBe('RECEIVED');
    expect(await queue.getJob(jobIdForEvent(res.json.id))).toBeUndefined();

    // O1: still ready (200, degraded) — the load balancer keeps sending webhooks; O4: no driver text
    const ready = await fetch(`${api.url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'degraded', checks: { database: { status: 'up' }, redis: { status: 'down' } } });

    await redisProxy.start();
    // The worker's sweeper talks to the real Redis directly; grace 0 so the test need not wait.
    const worker = await startWorker({ QUEUE_PREFIX: prefix, WORKER_QUEUES: 'none' });
    try {
      // this pass, or the one the worker runs at start (one sweeper at a time: O5), queues it
      await worker.app.get(OutboxSweeper).sweepOnce();
      expect((await queue.getJob(jobIdForEvent(res.json.id)))?.data).toEqual({ webhookEventId: res.json.id });
      expect((await row()).status).toBe('QUEUED');
      // A second pass re-adds nothing new: one job per event.
      const count = await queue.count();
      await worker.app.get(OutboxSweeper).sweepOnce();
      expect(await queue.count()).toBe(count);
    } finally {
      await worker.close();
    }
    // And the API's own producer reconnects by itself.
    await waitFor(async () => ((await (await fetch(`${api.url}/health/ready`)).json()) as any).status === 'ok');
    const next = vendorCreatedBody();
    expect((await post(`${api.url}/webhooks/pleo`, next, signedHeaders(next))).json.status).toBe('QUEUED');
  });

  it('the worker sweeps on its own timer', async () => {
    await redisProxy.stop();
    const body = vendorCreatedBody();
    const res = await post(`${api.url}/webhooks/pleo`, body, signedHeaders(body));
    expect(res.json.status).toBe('RECEIVED');
    await redisProxy.start();
    const worker = await startWorker({ QUEUE_PREFIX: prefix, WORKER_QUEUES: 'none', OUTBOX_SWEEP_INTERVAL_SECONDS: '1' });
    try {
      await waitFor(async () => queue.getJob(jobIdForEvent(res.json.id)));
      await waitFor(async () => (await db.query('SELECT status FROM webhook_events WHERE id = $1', [res.json.id])).rows[0].status === 'QUEUED');
    } finally {
      await worker.close();
    }
  });

  it('re-enqueues a QUEUED event whose job was lost with Redis', async () => {
    await waitFor(async () => ((await (await fetch(`${api.url}/health/ready`)).json()) as any).status === 'ok');
    const body = vendorCreatedBody();
    const res = await post(`${api.url}/webhooks/pleo`, body, signedHeaders(body));
    expect(res.json.status).toBe('QUEUED');
    await (await queue.getJob(jobIdForEvent(res.json.id)))!.remove();
    const worker = await startWorker({ QUEUE_PREFIX: prefix, WORKER_QUEUES: 'none' });
    try {
      await worker.app.get(OutboxSweeper).sweepOnce();
      expect((await queue.getJob(jobIdForEvent(res.json.id)))?.data).toEqual({ webhookEventId: res.json.id });
    } finally {
      await worker.close();
    }
  });
});

describe('when PostgreSQL is unreachable (real PostgreSQL behind a cuttable proxy)', () => {
  const prefix = uniquePrefix();
  const pgProxy = TcpProxy.forUrl(TEST_DATABASE_URL);
  let api: RunningApi;
  let queue: Queue;

  beforeAll(async () => {
    await pgProxy.start();
    api = await startApi({ QUEUE_PREFIX: prefix, DATABASE_URL: pgProxy.rewrite(TEST_DATABASE_URL) });
    queue = inspectQueue(QueueName.VendorSync, prefix);
  });

  afterAll(async () => {
    await Promise.all([api.close(), queue.close()]);
    await pgProxy.stop();
    await dropQueuePrefix(prefix);
  });

  it('answers 503 with Retry-After (so Pleo retries), queues nothing, and recovers when it is back', async () => {
    const warm = vendorCreatedBody();
    expect((await post(`${api.url}/webhooks/pleo`, warm, signedHeaders(warm))).status).toBe(202);

    await pgProxy.stop();
    const body = vendorCreatedBody();
    const headers = signedHeaders(body);
    const res = await post(`${api.url}/webhooks/pleo`, body, headers);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('30');
    expect(res.json).toMatchObject({ error: 'storage_unavailable', message: expect.stringContaining('Retry') });
    expect(await queue.count()).toBe(1);

    const ready = await fetch(`${api.url}/health/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: 'unavailable', checks: { database: { status: 'down' }, redis: { status: 'up' } } });

    await pgProxy.start();
    const retried = await waitFor(async () => {
      const r = await post(`${api.url}/webhooks/pleo`, body, signedHeaders(body, { webhookId: headers['webhook-id'] }));
      return r.status === 202 ? r : undefined;
    });
    expect(retried.json.status).toBe('QUEUED');
  });
});
