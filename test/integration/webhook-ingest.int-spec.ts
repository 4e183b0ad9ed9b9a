import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Queue } from 'bullmq';
import { Pool } from 'pg';
import { QueueName, jobIdForEvent } from '@app/queue';
import { RunningApi, dropQueuePrefix, inspectQueue, post, startApi, testDb } from '../support/harness';
import { signedHeaders, vendorCreatedBody } from '../support/sign';
import { uniquePrefix } from '../support/test-env';

const fixture = (name: string) => readFileSync(path.join(__dirname, '..', 'fixtures', name), 'utf8');

describe('POST /webhooks/pleo (real PostgreSQL and Redis)', () => {
  const prefix = uniquePrefix();
  let api: RunningApi;
  let db: Pool;
  let vendorQueue: Queue;
  let exportQueue: Queue;
  let url: string;

  beforeAll(async () => {
    api = await startApi({ QUEUE_PREFIX: prefix, WEBHOOK_BODY_LIMIT_BYTES: String(64 * 1024) });
    url = `${api.url}/webhooks/pleo`;
    db = testDb();
    vendorQueue = inspectQueue(QueueName.VendorSync, prefix);
    exportQueue = inspectQueue(QueueName.ExportSync, prefix);
  });

  afterAll(async () => {
    await Promise.all([api.close(), db.end(), vendorQueue.close(), exportQueue.close()]);
    await dropQueuePrefix(prefix);
  });

  const rowsFor = async (webhookId: string) =>
    (await db.query('SELECT * FROM webhook_events WHERE webhook_id = $1', [webhookId])).rows;

  it('accepts a new vendor event: 202, one row QUEUED, one job carrying only the row id', async () => {
    const body = vendorCreatedBody();
    const headers = signedHeaders(body);
    const res = await post(url, body, headers);

    expect(res.status).toBe(202);
    expect(res.json).toEqual({ id: expect.any(String), status: 'QUEUED' });
    const rows = await rowsFor(headers['webhook-id']);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      id: res.json.id,
      status: 'QUEUED',
      event_type: 'v1.vendor.created',
      subject_id: JSON.parse(body).data.id,
      company_id: JSON.parse(body).data.companyId,
      payload: JSON.parse(body),
    });
    const job = await vendorQueue.getJob(jobIdForEvent(res.json.id));
    expect(job?.data).toEqual({ webhookEventId: res.json.id });
    expect(job?.name).toBe('v1.vendor.created');
  });

  it.each(['export-job-created.json', 'export-job-created.seed-doc.json'])(
    'queues the %s sample on export-sync',
    async (name) => {
      const body = fixture(name);
      const res = await post(url, body, signedHeaders(body));
      expect(res.status).toBe(202);
      expect((await exportQueue.getJob(jobIdForEvent(res.json.id)))?.data).toEqual({ webhookEventId: res.json.id });
      expect(await vendorQueue.getJob(jobIdForEvent(res.json.id))).toBeUndefined();
    },
  );

  it('stores the same webhook sent 20 times at once exactly once: one row, one job, all 2xx', async () => {
    const body = vendorCreatedBody();
    const headers = signedHeaders(body);
    const before = await vendorQueue.count();
    const answers = await Promise.all(Array.from({ length: 20 }, () => post(url, body, headers)));

    expect(answers.map((a) => a.status).sort()).toEqual([...Array(19).fill(200), 202]);
    const ids = new Set(answers.map((a) => a.json.id));
    expect(ids.size).toBe(1);
    expect(answers.filter((a) => a.status === 200).every((a) => a.json.duplicate === true)).toBe(true);
    expect(await rowsFor(headers['webhook-id'])).toHaveLength(1);
    expect(await vendorQueue.count()).toBe(before + 1);
  });

  it('answers a redelivery later with 200 and the stored status', async () => {
    const body = vendorCreatedBody();
    const headers = signedHeaders(body);
    const first = await post(url, body, headers);
    const again = await post(url, body, signedHeaders(body, { webhookId: headers['webhook-id'] }));
    expect(again.status).toBe(200);
    expect(again.json).toEqual({ id: first.json.id, status: 'QUEUED', duplicate: true });
  });

  it('stores an unknown event type as IGNORED, answers 200 and queues nothing', async () => {
    const body = JSON.stringify({ data: { id: 'x' }, eventId: 'e-1', eventType: 'v1.expense.created' });
    const headers = signedHeaders(body);
    const before = (await vendorQueue.count()) + (await exportQueue.count());
    const res = await post(url, body, headers);
    expect(res.status).toBe(200);
    expect(res.json.status).toBe('IGNORED');
    expect((await rowsFor(headers['webhook-id']))[0].status).toBe('IGNORED');
    expect((await vendorQueue.count()) + (await exportQueue.count())).toBe(before);
  });

  describe('rejections store nothing', () => {
    it('bad signature → 401 invalid_signature', async () => {
      const body = vendorCreatedBody();
      const headers = signedHeaders(body, { secret: 'whsec_' + Buffer.from('some-other-secret-of-32-bytes!!!').toString('base64') });
      const res = await post(url, body, headers);
      expect(res.status).toBe(401);
      expect(res.json).toMatchObject({ error: 'invalid_signature', message: expect.stringContaining('does not match') });
      expect(await rowsFor(headers['webhook-id'])).toHaveLength(0);
    });

    it('a body changed after signing → 401', async () => {
      const body = vendorCreatedBody();
      const headers = signedHeaders(body);
      const res = await post(url, body.replace('"DRAFT"', '"ACTIVE"'), headers);
      expect(res.status).toBe(401);
      expect(await rowsFor(headers['webhook-id'])).toHaveLength(0);
    });

    it('stale timestamp → 401 stale_timestamp', async () => {
      const body = vendorCreatedBody();
      const headers = signedHeaders(body, { timestamp: Math.floor(Date.now() / 1000) - 301 });
      const res = await post(url, body, headers);
      expect(res.status).toBe(401);
      expect(res.json.error).toBe('stale_timestamp');
      expect(await rowsFor(headers['webhook-id'])).toHaveLength(0);
    });

    it('missing signature headers → 401 naming them', async () => {
      const res = await post(url, vendorCreatedBody(), { 'content-type': 'application/json' });
      expect(res.status).toBe(401);
      expect(res.json).toMatchObject({ error: 'missing_headers', message: expect.stringContaining('webhook-signature') });
    });

    it('signed malformed JSON → 400', async () => {
      const body = '{"data": {"id": ';
      const headers = signedHeaders(body);
      const res = await post(url, body, headers);
      expect(res.status).toBe(400);
      expect(res.json).toMatchObject({ error: 'invalid_body', message: expect.stringContaining('not valid JSON') });
      expect(await rowsFor(headers['webhook-id'])).toHaveLength(0);
    });

    it('unsigned malformed JSON → 401 (nothing is said about an unauthenticated body)', async () => {
      const res = await post(url, '{oops', { 'content-type': 'application/json', 'webhook-id': 'm', 'webhook-timestamp': String(Math.floor(Date.now() / 1000)), 'webhook-signature': 'v1,AAAA' });
      expect(res.status).toBe(401);
    });

    it('signed body with a bad envelope → 400 listing the problems', async () => {
      const body = JSON.stringify({ data: { id: 'not-a-uuid' }, eventType: 'v1.vendor.created' });
      const headers = signedHeaders(body);
      const res = await post(url, body, headers);
      expect(res.status).toBe(400);
      expect(res.json.details).toEqual(
        expect.arrayContaining(['eventId must be a string', 'data.id must be a UUID', 'data.companyId must be a UUID']),
      );
      expect(await rowsFor(headers['webhook-id'])).toHaveLength(0);
    });

    it('a JSON prototype-poisoning body → 400', async () => {
      const body = '{"__proto__": {"admin": true}, "data": {}, "eventId": "e", "eventType": "x"}';
      const headers = signedHeaders(body);
      const res = await post(url, body, headers);
      expect(res.status).toBe(400);
      expect(await rowsFor(headers['webhook-id'])).toHaveLength(0);
    });

    it('a body over the limit → 413 with a JSON body', async () => {
      const body = vendorCreatedBody({ name: 'x'.repeat(70 * 1024) });
      const headers = signedHeaders(body);
      const res = await post(url, body, headers);
      expect(res.status).toBe(413);
      expect(res.json).toMatchObject({ statusCode: 413, message: expect.stringContaining('too large') });
      expect(await rowsFor(headers['webhook-id'])).toHaveLength(0);
    });
  });
});
