import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { ErpAdapterFactory } from '@app/erp';
import { FakePleo } from '../../apps/fake-pleo/src/fake-pleo.server';
import { TEST_ENCRYPTION_KEY, adminClient } from '../support/connections';
import { exportItem, exportJobWebhook } from '../support/export-items';
import { startFakePleo } from '../support/fake-pleo';
import { FakeHttpErp } from '../support/fake-http-erp';
import { QueueName, jobIdForEvent } from '@app/queue';
import { RunningApi, dropQueuePrefix, inspectQueue, post, startApi, startWorker, testDb, waitFor } from '../support/harness';
import { HTTP_TEST_KIND, httpTestErpKind } from '../support/http-test-erp.kind';
import { signedHeaders, vendorData } from '../support/sign';
import { TEST_PLEO_API_KEY, uniquePrefix } from '../support/test-env';

/**
 * The rate governor across worker processes (three worker application contexts sharing Redis)
 * against an HTTP ERP that refuses anything over its limits and measures what arrives.
 */
describe('rate governor: one per ERP connection, shared by all workers (real Redis, PostgreSQL)', () => {
  const prefix = uniquePrefix();
  let fakePleo: FakePleo;
  let erp: FakeHttpErp;
  let api: RunningApi;
  const workers: Awaited<ReturnType<typeof startWorker>>[] = [];
  let db: Pool;
  let admin: ReturnType<typeof adminClient>;

  beforeAll(async () => {
    fakePleo = await startFakePleo();
    erp = new FakeHttpErp(40);
    await erp.listen();
    api = await startApi({ QUEUE_PREFIX: prefix, ENCRYPTION_KEY: TEST_ENCRYPTION_KEY, PLEO_API_BASE_URL: fakePleo.url });
    api.app.get(ErpAdapterFactory).register(httpTestErpKind);
    for (let i = 0; i < 3; i++) {
      const worker = await startWorker({ QUEUE_PREFIX: prefix, PLEO_API_BASE_URL: fakePleo.url, ENCRYPTION_KEY: TEST_ENCRYPTION_KEY, EXPORT_POLL_INTERVAL_SECONDS: '3600', EXPORT_LOCK_TTL_SECONDS: '5' });
      worker.app.get(ErpAdapterFactory).register(httpTestErpKind);
      workers.push(worker);
    }
    admin = adminClient(api.url);
    db = testDb();
  });

  afterAll(async () => {
    await Promise.all([...workers.map((w) => w.close()), api.close(), fakePleo.close(), erp.close(), db.end()]);
    await dropQueuePrefix(prefix);
  });

  afterEach(() => expect(fakePleo.specProblems()).toEqual([]));

  const connect = async (org: string, limits: { perWindow: number; windowMs: number; concurrent: number }) => {
    erp.addOrg(org, limits);
    const companyId = randomUUID();
    const res = await admin.create({
      companyId,
      name: `ERP org ${org}`,
      erpKind: HTTP_TEST_KIND,
      erpSettings: { baseUrl: erp.url, org, ...limits },
      booking: { itemConcurrency: 6 },
      pleo: { auth: 'api_key' },
      secrets: { pleoApiKey: TEST_PLEO_API_KEY },
    });
    expect(res.status).toBe(201);
    return companyId;
  };
  const exportJob = async (companyId: string, n: number) => {
    const items = Array.from({ length: n }, () => exportItem({ companyId, tax: null, gross: 1000 }));
    const job = fakePleo.exports.seedJob({ companyId, items });
    const body = exportJobWebhook(job);
    expect((await post(`${api.url}/webhooks/pleo`, body, signedHeaders(body))).status).toBe(202);
    return { job, references: items.map((i) => String(i.accountingEntryId)) };
  };
  const completed = (jobId: string, timeout: number) =>
    waitFor(async () => (fakePleo.exports.jobs.get(jobId)!.status === 'completed' ? fakePleo.exports.jobs.get(jobId) : undefined), timeout);

  it('3 workers never exceed the connection’s window and concurrency; every item and vendor lands once', async () => {
    const limits = { perWindow: 10, windowMs: 2_000, concurrent: 2 };
    const companyId = await connect('a', limits);
    const vendors = Array.from({ length: 6 }, () => vendorData({ companyId }));
    const vendorEvents: string[] = [];
    for (const data of vendors) {
      fakePleo.state.addVendor(data as never);
      const body = JSON.stringify({ data, eventType: 'v1.vendor.created', eventId: randomUUID() });
      vendorEvents.push((await post(`${api.url}/webhooks/pleo`, body, signedHeaders(body))).json.id);
    }
    const { job, references } = await exportJob(companyId, 16);

    await completed(job.id, 120_000);
    await waitFor(async () => {
      const rows = (await db.query('SELECT status FROM webhook_events WHERE id = ANY($1)', [vendorEvents])).rows;
      return rows.every((r) => r.status === 'SUCCEEDED');
    }, 120_000);

    expect(erp.violations).toEqual([]);
    expect(erp.maxInFlight('a')).toBe(limits.concurrent); // the limit was reached, never passed
    expect(erp.maxInWindow('a')).toBeLessThanOrEqual(limits.perWindow);
    expect(erp.requests.filter((r) => r.org === 'a').length).toBeGreaterThan(limits.perWindow); // the window mattered
    expect([...erp.posts('a').keys()].sort()).toEqual([...references].sort());
    expect([...erp.posts('a').values()].every((n) => n === 1)).toBe(true);
    expect(erp.vendors('a').map((v) => v.reference).sort()).toEqual(vendors.map((v) => v.id).sort());
  }, 180_000);

  it('the ERP refusing a connection’s credentials: needs_reauthorisation on the erp side, its vendor job waits', async () => {
    const companyId = await connect('d', { perWindow: 100, windowMs: 1_000, concurrent: 3 });
    erp.revokeAccess('d');
    const data = vendorData({ companyId });
    fakePleo.state.addVendor(data as never);
    const body = JSON.stringify({ data, eventType: 'v1.vendor.created', eventId: randomUUID() });
    const eventId = (await post(`${api.url}/webhooks/pleo`, body, signedHeaders(body))).json.id;
    const waiting = await waitFor(async () => {
      const row = (await db.query('SELECT status, last_error FROM webhook_events WHERE id = $1', [eventId])).rows[0];
      return row.last_error?.startsWith('Waiting:') ? row : undefined;
    }, 30_000);
    expect(waiting.status).toBe('QUEUED');
    const listed = (await admin.list()).json.data.find((c: any) => c.companyId === companyId);
    expect(listed).toMatchObject({ status: 'needs_reauthorisation', statusSide: 'erp', statusReason: expect.stringContaining('no longer accepts') });
    expect(fakePleo.state.vendors.get(data.id)?.state).toBe('DRAFT');
  });

  it('a 429 with Retry-After pauses only that connection: its job waits (no attempt spent), the other runs on', async () => {
    const roomy = { perWindow: 100, windowMs: 1_000, concurrent: 3 };
    const [b, c] = [await connect('b', roomy), await connect('c', roomy)];
    erp.rateLimitNext('b', 3);
    const since = Date.now();
    const [jobB, jobC] = [await exportJob(b, 6), await exportJob(c, 6)];

    await completed(jobC.job.id, 60_000);
    const doneB = await completed(jobB.job.id, 60_000);
    const ofB = erp.requests.filter((r) => r.org === 'b' && r.at >= since);
    const refused = ofB.find((r) => r.status === 429)!;
    expect(refused).toBeDefined();
    // Requests already on their way when the 429 came may still arrive; nothing new for 3 s.
    const duringPause = ofB.filter((r) => r.at > refused.at + 300 && r.at < refused.at + 2_900);
    expect(duringPause).toEqual([]);
    const ofC = erp.requests.filter((r) => r.org === 'c' && r.at >= since);
    expect(ofC.some((r) => r.at > refused.at && r.at < refused.at + 2_900)).toBe(true); // c did not wait
    expect(doneB!.status).toBe('completed');
    expect([...erp.posts('b').values()].every((n) => n === 1)).toBe(true);
    expect(erp.posts('b').size).toBe(6);
    const event = await waitFor(async () => (await db.query("SELECT id, attempts, status FROM webhook_events WHERE subject_id = $1 AND status = 'SUCCEEDED'", [jobB.job.id])).rows[0]);
    expect(event.attempts).toBe(1); // the rounds that waited were released, not counted
    const queue = inspectQueue(QueueName.ExportSync, prefix);
    try {
      expect((await queue.getJob(jobIdForEvent(event.id)))?.attemptsMade).toBe(1); // the wait was not an attempt
    } finally {
      await queue.close();
    }
  }, 120_000);
});
