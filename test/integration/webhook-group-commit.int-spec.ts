import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Pool } from 'pg';
import { QueueName, jobIdForEvent } from '@app/queue';
import { InvalidEnvelope } from '@app/pleo';
import { StorageUnavailable, WebhookIngestService } from '../../apps/api/src/webhooks/webhook-ingest.service';
import { RunningApi, dropQueuePrefix, inspectQueue, post, startApi, testDb, waitFor } from '../support/harness';
import { signedHeaders, vendorCreatedBody } from '../support/sign';
import { TEST_DATABASE_URL, uniquePrefix } from '../support/test-env';
import { TcpProxy } from '../support/tcp-proxy';

/** Runs `fn` over every item with at most `limit` in flight (thousands of sockets at once would only test the kernel). */
async function inParallel<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: limit }, lane));
  return results;
}

/** Every webhook-id this file sends: its rows are deleted afterwards (other files' sweepers scan the table). */
const sent: string[] = [];
const forget = async () => {
  const db = testDb();
  await db.query('DELETE FROM webhook_events WHERE webhook_id = ANY($1)', [sent]);
  await db.end();
};

/** A webhook as the service receives it after Fastify's parser: raw bytes, headers, parsed body. */
const delivery = (body: string, webhookId?: string) => {
  const headers = signedHeaders(body, { webhookId });
  sent.push(headers['webhook-id']);
  return { body, headers };
};
const ingest = (service: WebhookIngestService, d: ReturnType<typeof delivery>) =>
  service.ingest(Buffer.from(d.body), d.headers, JSON.parse(d.body));

describe('group commit on POST /webhooks/pleo (real PostgreSQL and Redis)', () => {
  const prefix = uniquePrefix();
  let api: RunningApi;
  let db: Pool;
  let vendorQueue: Queue;

  beforeAll(async () => {
    api = await startApi({ QUEUE_PREFIX: prefix });
    db = testDb();
    vendorQueue = inspectQueue(QueueName.VendorSync, prefix);
  });

  afterAll(async () => {
    await Promise.all([api.close(), db.end(), vendorQueue.close()]);
    await Promise.all([dropQueuePrefix(prefix), forget()]);
  });

  const storedIds = async (webhookIds: string[]) =>
    new Map(
      (await db.query('SELECT webhook_id, id FROM webhook_events WHERE webhook_id = ANY($1)', [webhookIds])).rows.map((r) => [
        r.webhook_id as string,
        r.id as string,
      ]),
    );

  it('2,000 unique + 500 duplicate webhooks at once: 2,000 rows, 2,000 jobs, every duplicate 200 with the stored id', async () => {
    const unique = Array.from({ length: 2_000 }, () => delivery(vendorCreatedBody()));
    const duplicates = unique.slice(0, 500).map((d) => ({ ...d, headers: { ...d.headers } }));
    // Shuffled, so duplicates meet their originals in the same batch as well as in later ones.
    const all = [...unique, ...duplicates].sort(() => Math.random() - 0.5);
    const before = await vendorQueue.count();

    const answers = await inParallel(all, 200, (d) => post(`${api.url}/webhooks/pleo`, d.body, d.headers));

    const webhookIds = unique.map((d) => d.headers['webhook-id']);
    const stored = await storedIds(webhookIds);
    expect(stored.size).toBe(2_000);
    expect(answers.filter((a) => a.status === 202)).toHaveLength(2_000);
    expect(answers.filter((a) => a.status === 200)).toHaveLength(500);
    all.forEach((d, i) => {
      const answer = answers[i];
      expect(answer.json.id).toBe(stored.get(d.headers['webhook-id']));
      if (answer.status === 200) expect(answer.json).toMatchObject({ duplicate: true });
      // RECEIVED: Redis did not take the batch within the enqueue timeout (a loaded machine); its
      // jobs may land a moment later, and the sweeper would cover them if they did not.
      else expect(answer.json).toEqual({ id: answer.json.id, status: expect.stringMatching(/^(QUEUED|RECEIVED)$/) });
    });
    await waitFor(async () => (await vendorQueue.count()) === before + 2_000, 30_000);
    for (const id of [...stored.values()].slice(0, 50)) {
      expect((await vendorQueue.getJob(jobIdForEvent(id)))?.data).toEqual({ webhookEventId: id });
    }
  }, 180_000);

  it('a batch with rows PostgreSQL refuses fails only those requests; the rest are stored and queued', async () => {
    const service = api.app.get(WebhookIngestService);
    const good = Array.from({ length: 8 }, () => delivery(vendorCreatedBody()));
    // jsonb refuses \u0000 in a string (22P05); a text column refuses a NUL byte (22021).
    const badPayload = delivery(vendorCreatedBody({ name: 'Nul \u0000 GmbH' }));
    const badEventId = delivery(JSON.stringify({ ...JSON.parse(vendorCreatedBody()), eventId: 'e-\u0000' }));
    const batch = [...good.slice(0, 4), badPayload, ...good.slice(4), badEventId];

    // Submitted in one tick, so they share one flush: the batch insert fails, then row by row.
    const results = await Promise.allSettled(batch.map((d) => ingest(service, d)));

    for (const i of [4, 9]) {
      const result = results[i] as PromiseRejectedResult;
      expect(result.status).toBe('rejected');
      expect(result.reason).toBeInstanceOf(InvalidEnvelope);
      expect(result.reason.message).toContain('cannot be stored');
    }
    const accepted = results.filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<any>).value);
    expect(accepted).toHaveLength(8);
    const stored = await storedIds(batch.map((d) => d.headers['webhook-id']));
    expect(stored.size).toBe(8);
    for (const a of accepted) {
      expect(a).toMatchObject({ outcome: 'accepted', httpStatus: 202, body: { status: 'QUEUED' } });
      expect((await vendorQueue.getJob(jobIdForEvent(a.body.id)))?.data).toEqual({ webhookEventId: a.body.id });
    }

    // Over HTTP the refused one is a 400 that says why, and a redelivery of it gets the same answer.
    const res = await post(`${api.url}/webhooks/pleo`, badPayload.body, badPayload.headers);
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ error: 'invalid_body', message: expect.stringContaining('cannot be stored') });
  });

  it('repeats of one webhook-id inside one batch: one row, one job, the others 200 with its id', async () => {
    const service = api.app.get(WebhookIngestService);
    const d = delivery(vendorCreatedBody());
    const results = await Promise.all(Array.from({ length: 5 }, () => ingest(service, d)));
    expect(results.map((r) => r.httpStatus).sort()).toEqual([200, 200, 200, 200, 202]);
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
    expect((await storedIds([d.headers['webhook-id']])).get(d.headers['webhook-id'])).toBe(results[0].body.id);
  });
});

describe('group commit when PostgreSQL is cut mid-batch (real PostgreSQL behind a cuttable proxy)', () => {
  const prefix = uniquePrefix();
  const pgProxy = TcpProxy.forUrl(TEST_DATABASE_URL);
  let api: RunningApi;
  let db: Pool;

  beforeAll(async () => {
    await pgProxy.start();
    api = await startApi({ QUEUE_PREFIX: prefix, DATABASE_URL: pgProxy.rewrite(TEST_DATABASE_URL) });
    db = new Pool({ connectionString: TEST_DATABASE_URL, max: 3 });
  });

  afterAll(async () => {
    await Promise.all([api.close(), db.end()]);
    await pgProxy.stop();
    await Promise.all([dropQueuePrefix(prefix), forget()]);
  });

  it('answers every request of the batch 503 and stores none of it', async () => {
    const warm = delivery(vendorCreatedBody());
    expect((await post(`${api.url}/webhooks/pleo`, warm.body, warm.headers)).status).toBe(202);

    // Another transaction holds webhook-id W, so the batch's INSERT stops on W after inserting
    // the rows before it: the connection is then cut with the batch half-written.
    const w = `msg_${randomUUID().replace(/-/g, '')}`;
    const blocker = await db.connect();
    await blocker.query('BEGIN');
    await blocker.query(
      `INSERT INTO webhook_events (webhook_id, event_id, event_type, payload, status) VALUES ($1, 'e', 'v1.vendor.created', '{}', 'QUEUED')`,
      [w],
    );
    const batch = [
      ...Array.from({ length: 10 }, () => delivery(vendorCreatedBody())),
      delivery(vendorCreatedBody(), w),
      ...Array.from({ length: 9 }, () => delivery(vendorCreatedBody())),
    ];
    const service = api.app.get(WebhookIngestService);
    const results = Promise.allSettled(batch.map((d) => ingest(service, d)));
    const waiting = () =>
      db.query(
        `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'INSERT INTO webhook_events%'`,
      );
    await waitFor(async () => (await waiting()).rows.length === 1);
    // A request arriving meanwhile waits behind the batch and meets the cut too.
    const { body: late, headers: lateHeaders } = delivery(vendorCreatedBody());
    const lateAnswer = post(`${api.url}/webhooks/pleo`, late, lateHeaders);

    await pgProxy.stop();
    const settled = await results;
    for (const r of settled) {
      expect(r.status).toBe('rejected');
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(StorageUnavailable);
    }
    const lateRes = await lateAnswer;
    expect(lateRes.status).toBe(503);
    expect(lateRes.headers.get('retry-after')).toBe('30');

    // The orphaned statement goes on once W is free, then finds its client gone: nothing commits.
    await blocker.query('ROLLBACK');
    blocker.release();
    await waitFor(async () => (await waiting()).rows.length === 0);
    await waitFor(async () => {
      const { rows } = await db.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'INSERT INTO webhook_events%' AND state <> 'idle'`,
      );
      return rows[0].n === 0;
    });
    const ids = [...batch.map((d) => d.headers['webhook-id']), lateHeaders['webhook-id']];
    const { rows } = await db.query('SELECT count(*)::int AS n FROM webhook_events WHERE webhook_id = ANY($1)', [ids]);
    expect(rows[0].n).toBe(0);

    // Back up: Pleo's retries are stored, each once.
    await pgProxy.start();
    await waitFor(async () => (await post(`${api.url}/webhooks/pleo`, late, lateHeaders)).status === 202, 20_000);
    const retried = await inParallel(batch, 20, (d) => post(`${api.url}/webhooks/pleo`, d.body, d.headers));
    expect(retried.map((r) => r.status)).toEqual(Array(batch.length).fill(202));
    const after = await db.query('SELECT count(*)::int AS n FROM webhook_events WHERE webhook_id = ANY($1)', [ids]);
    expect(after.rows[0].n).toBe(batch.length + 1);
  }, 60_000);
});
