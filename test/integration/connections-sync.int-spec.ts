import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { QueueName, jobIdForEvent } from '@app/queue';
import { FakePleo } from '../../apps/fake-pleo/src/fake-pleo.server';
import { TEST_ENCRYPTION_KEY, adminClient, sandboxConnection } from '../support/connections';
import { EXPORT_ACCOUNTS, exportItem, exportJobWebhook } from '../support/export-items';
import { startFakePleo } from '../support/fake-pleo';
import { RunningApi, dropQueuePrefix, inspectQueue, post, startApi, startWorker, testDb, waitFor } from '../support/harness';
import { signedHeaders, vendorData } from '../support/sign';
import { TEST_PLEO_API_KEY, uniquePrefix } from '../support/test-env';

describe('connections: each company syncs with its own connection (real PostgreSQL, Redis, worker in-process)', () => {
  const prefix = uniquePrefix();
  let fake: FakePleo;
  let api: RunningApi;
  let worker: Awaited<ReturnType<typeof startWorker>>;
  let db: Pool;
  let admin: ReturnType<typeof adminClient>;

  beforeAll(async () => {
    fake = await startFakePleo();
    api = await startApi({ QUEUE_PREFIX: prefix, ENCRYPTION_KEY: TEST_ENCRYPTION_KEY, PLEO_API_BASE_URL: fake.url });
    worker = await startWorker({ QUEUE_PREFIX: prefix, PLEO_API_BASE_URL: fake.url, ENCRYPTION_KEY: TEST_ENCRYPTION_KEY, EXPORT_POLL_INTERVAL_SECONDS: '3600', ...EXPORT_ACCOUNTS });
    admin = adminClient(api.url);
    db = testDb();
  });

  afterAll(async () => {
    await Promise.all([worker.close(), api.close(), fake.close(), db.end()]);
    await dropQueuePrefix(prefix);
  });

  afterEach(() => expect(fake.specProblems()).toEqual([]));

  const send = async (body: string) => {
    const res = await post(`${api.url}/webhooks/pleo`, body, signedHeaders(body));
    expect(res.status).toBe(202);
    return res.json.id as string;
  };
  const exportFor = async (companyId: string) => {
    const items = [exportItem({ companyId, type: 'out_of_pocket', contraAccount: null })];
    const job = fake.exports.seedJob({ companyId, items });
    return { job, reference: String(items[0].accountingEntryId), eventId: await send(exportJobWebhook(job)) };
  };
  const vendorFor = async (companyId: string, name: string) => {
    const data = vendorData({ companyId, name });
    fake.state.addVendor(data as never);
    return { data, eventId: await send(JSON.stringify({ data, eventType: 'v1.vendor.created', eventId: randomUUID() })) };
  };
  const eventRow = async (id: string) => (await db.query('SELECT status, last_error, attempts FROM webhook_events WHERE id = $1', [id])).rows[0];
  const succeeded = (id: string) => waitFor(async () => (await eventRow(id)).status === 'SUCCEEDED', 30_000);
  const entry = async (reference: string) => (await db.query('SELECT book, lines FROM sandbox_entries WHERE reference = $1', [reference])).rows;

  it('two companies, two connections: vendors and entries land in each one’s own book with its own accounts, in parallel; a third uses the environment', async () => {
    const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
    const connA = (await admin.create(sandboxConnection(a, TEST_PLEO_API_KEY, { outOfPocketAccount: '2890' }))).json.data;
    const connB = (await admin.create(sandboxConnection(b, TEST_PLEO_API_KEY, { outOfPocketAccount: '2990' }))).json.data;
    const sameName = `Shared Supplier ${randomUUID().slice(0, 6)}`; // two organisations may each have one
    const [va, vb] = [await vendorFor(a, sameName), await vendorFor(b, sameName)];
    const [ea, eb, ec] = [await exportFor(a), await exportFor(b), await exportFor(c)];

    for (const id of [va.eventId, vb.eventId, ea.eventId, eb.eventId, ec.eventId]) await succeeded(id);
    expect(await entry(ea.reference)).toEqual([{ book: connA.id, lines: expect.objectContaining({ contraAccount: '2890' }) }]);
    expect(await entry(eb.reference)).toEqual([{ book: connB.id, lines: expect.objectContaining({ contraAccount: '2990' }) }]);
    expect(await entry(ec.reference)).toEqual([{ book: 'default', lines: expect.objectContaining({ contraAccount: '2890' }) }]);
    const vendorsNamed = (await db.query('SELECT book, reference FROM sandbox_vendors WHERE name = $1 ORDER BY book', [sameName])).rows;
    expect(vendorsNamed).toEqual(expect.arrayContaining([{ book: connA.id, reference: va.data.id }, { book: connB.id, reference: vb.data.id }]));
    expect(vendorsNamed).toHaveLength(2);
    expect(fake.state.vendors.get(va.data.id)?.state).toBe('ACTIVE');
    expect(fake.state.vendors.get(vb.data.id)?.state).toBe('ACTIVE');

    // the admin sandbox pages show each book
    const bookA: any = await admin.call('GET', `/admin/sandbox/entries?connection=${connA.id}`);
    expect(bookA.json.data.map((e: any) => e.reference)).toEqual([ea.reference]);
  });

  it('a revoked Pleo credential: that connection needs re-authorisation, its job waits (delayed, not failed), the other company runs on; a new key lets it finish', async () => {
    const [revoked, fine] = [randomUUID(), randomUUID()];
    const booking = { outOfPocketAccount: '2890' };
    const conn = (await admin.create(sandboxConnection(revoked, 'a-key-pleo-revoked', booking))).json.data;
    await admin.create(sandboxConnection(fine, TEST_PLEO_API_KEY, booking));
    const [stuck, other] = [await exportFor(revoked), await exportFor(fine)];

    await succeeded(other.eventId);
    const waiting = await waitFor(async () => {
      const row = await eventRow(stuck.eventId);
      return row.last_error?.startsWith('Waiting:') ? row : undefined;
    }, 30_000);
    expect(waiting.status).toBe('QUEUED');
    expect(waiting.last_error).toMatch(/needs re-authorisation|refused this connection's credentials/);
    const shown = (await admin.get(conn.id)).json.data;
    expect(shown).toMatchObject({ status: 'needs_reauthorisation', statusSide: 'pleo', statusReason: expect.stringContaining('401') });
    const queue = inspectQueue(QueueName.ExportSync, prefix);
    try {
      const job = (await queue.getJob(jobIdForEvent(stuck.eventId)))!;
      expect(await job.getState()).toBe('delayed');
      expect(job.attemptsMade).toBe(0);
      expect(await entry(stuck.reference)).toEqual([]);

      // The operator sets a working key: the connection is active again and the job goes through.
      expect((await admin.patch(conn.id, { secrets: { pleoApiKey: TEST_PLEO_API_KEY } })).json.data.status).toBe('active');
      await job.promote(); // instead of waiting out the minute
      await succeeded(stuck.eventId);
      expect(fake.exports.jobs.get(stuck.job.id)!.status).toBe('completed');
      expect(await entry(stuck.reference)).toEqual([{ book: conn.id, lines: expect.anything() }]);
    } finally {
      await queue.close();
    }
  });
});
