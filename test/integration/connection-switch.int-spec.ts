import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { FakePleo } from '../../apps/fake-pleo/src/fake-pleo.server';
import { TEST_ENCRYPTION_KEY, adminClient, sandboxConnection } from '../support/connections';
import { EXPORT_ACCOUNTS, exportItem, exportJobWebhook } from '../support/export-items';
import { startFakePleo } from '../support/fake-pleo';
import { RunningApi, dropQueuePrefix, post, startApi, startWorker, testDb, waitFor } from '../support/harness';
import { signedHeaders } from '../support/sign';
import { TEST_PLEO_API_KEY, uniquePrefix } from '../support/test-env';

/** One api and one worker on their own queue prefix, and what a test needs to drive and inspect them. */
function deployment(workerEnv: Record<string, string> = {}) {
  const prefix = uniquePrefix();
  const d = {} as { fake: FakePleo; api: RunningApi; worker: Awaited<ReturnType<typeof startWorker>>; db: Pool; admin: ReturnType<typeof adminClient> };
  beforeAll(async () => {
    d.fake = await startFakePleo();
    d.api = await startApi({ QUEUE_PREFIX: prefix, ENCRYPTION_KEY: TEST_ENCRYPTION_KEY, PLEO_API_BASE_URL: d.fake.url });
    d.worker = await startWorker({ QUEUE_PREFIX: prefix, PLEO_API_BASE_URL: d.fake.url, ENCRYPTION_KEY: TEST_ENCRYPTION_KEY, EXPORT_POLL_INTERVAL_SECONDS: '3600', ...EXPORT_ACCOUNTS, ...workerEnv });
    d.admin = adminClient(d.api.url);
    d.db = testDb();
  });
  afterAll(async () => {
    await Promise.all([d.worker.close(), d.api.close(), d.fake.close(), d.db.end()]);
    await dropQueuePrefix(prefix);
  });
  const send = async (body: string) => {
    const res = await post(`${d.api.url}/webhooks/pleo`, body, signedHeaders(body));
    expect(res.status).toBe(202);
    return res.json.id as string;
  };
  const eventRow = async (id: string) => (await d.db.query('SELECT status, last_error FROM webhook_events WHERE id = $1', [id])).rows[0];
  return {
    d,
    send,
    eventRow,
    settled: (id: string) => waitFor(async () => ['SUCCEEDED', 'FAILED'].includes((await eventRow(id)).status) && eventRow(id), 30_000),
    waiting: (id: string) => waitFor(async () => String((await eventRow(id)).last_error ?? '').startsWith('Waiting:') && eventRow(id), 30_000),
    books: async (reference: string) => (await d.db.query('SELECT book FROM sandbox_entries WHERE reference = $1 ORDER BY created_at', [reference])).rows.map((r) => r.book),
  };
}

describe('a company whose connection is deleted or replaced (PLEO_COMPANY_IDS empty)', () => {
  const { d, send, settled, waiting, books } = deployment();

  it('a deleted connection does not fall back to the environment default ERP: the job waits, untouched', async () => {
    const company = randomUUID();
    const conn = (await d.admin.create(sandboxConnection(company, TEST_PLEO_API_KEY, { outOfPocketAccount: '2890' }))).json.data;
    expect((await d.admin.remove(conn.id)).status).toBe(204);

    const item = exportItem({ companyId: company, type: 'out_of_pocket', contraAccount: null });
    const job = d.fake.exports.seedJob({ companyId: company, items: [item] });
    const event = await waiting(await send(exportJobWebhook(job)));

    expect(event.last_error).toContain('was deleted');
    expect({ books: await books(String(item.accountingEntryId)), pleo: d.fake.exports.jobs.get(job.id)!.status }).toEqual({ books: [], pleo: 'pending' });
  });

  it('a company that never had a connection is still served by the environment default', async () => {
    const company = randomUUID();
    const item = exportItem({ companyId: company, type: 'out_of_pocket', contraAccount: null });
    const job = d.fake.exports.seedJob({ companyId: company, items: [item] });
    expect((await settled(await send(exportJobWebhook(job)))).status).toBe('SUCCEEDED');
    expect(await books(String(item.accountingEntryId))).toEqual(['default']);
  });

  it('after the company moves to another ERP book, a re-exported entry is booked there (not reported with the old book’s id)', async () => {
    const company = randomUUID();
    const first = (await d.admin.create(sandboxConnection(company, TEST_PLEO_API_KEY, { outOfPocketAccount: '2890' }))).json.data;
    const item = exportItem({ companyId: company, type: 'out_of_pocket', contraAccount: null });
    const job1 = d.fake.exports.seedJob({ companyId: company, items: [item] });
    await settled(await send(exportJobWebhook(job1)));
    expect(await books(String(item.accountingEntryId))).toEqual([first.id]);

    // The operator replaces the connection (new ERP organisation), the bookkeeper re-exports the expense.
    expect((await d.admin.remove(first.id)).status).toBe(204);
    const second = (await d.admin.create(sandboxConnection(company, TEST_PLEO_API_KEY, { outOfPocketAccount: '2890' }))).json.data;
    const job2 = d.fake.exports.seedJob({ companyId: company, items: [{ ...item }] });
    await settled(await send(exportJobWebhook(job2)));

    const reported = d.fake.exports.jobs.get(job2.id)!;
    expect(reported.status).toBe('completed');
    expect(await books(String(item.accountingEntryId))).toEqual([first.id, second.id]);
  });
});

describe('PLEO_COMPANY_IDS set: the environment default serves exactly the listed companies, webhooks included', () => {
  const listed = randomUUID();
  const { d, send, settled, books } = deployment({ PLEO_COMPANY_IDS: listed.toUpperCase() });

  it('a listed company (any letter case) is exported with the default connection', async () => {
    const item = exportItem({ companyId: listed, type: 'out_of_pocket', contraAccount: null });
    const job = d.fake.exports.seedJob({ companyId: listed, items: [item] });
    expect((await settled(await send(exportJobWebhook(job)))).status).toBe('SUCCEEDED');
    expect({ books: await books(String(item.accountingEntryId)), pleo: d.fake.exports.jobs.get(job.id)!.status }).toEqual({ books: ['default'], pleo: 'completed' });
  });

  it('an unlisted company without a connection is refused with what to do, and nothing is booked or sent to Pleo', async () => {
    const company = randomUUID();
    const item = exportItem({ companyId: company, type: 'out_of_pocket', contraAccount: null });
    const job = d.fake.exports.seedJob({ companyId: company, items: [item] });
    const event = await settled(await send(exportJobWebhook(job)));
    expect(event.status).toBe('FAILED');
    expect(event.last_error).toContain('PLEO_COMPANY_IDS');
    expect({ books: await books(String(item.accountingEntryId)), pleo: d.fake.exports.jobs.get(job.id)!.status }).toEqual({ books: [], pleo: 'pending' });
  });

  it('an unlisted company with its own connection is exported with it', async () => {
    const company = randomUUID();
    const conn = (await d.admin.create(sandboxConnection(company, TEST_PLEO_API_KEY, { outOfPocketAccount: '2890' }))).json.data;
    const item = exportItem({ companyId: company, type: 'out_of_pocket', contraAccount: null });
    const job = d.fake.exports.seedJob({ companyId: company, items: [item] });
    expect((await settled(await send(exportJobWebhook(job)))).status).toBe('SUCCEEDED');
    expect(await books(String(item.accountingEntryId))).toEqual([conn.id]);
  });
});
