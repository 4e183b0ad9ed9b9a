import { randomUUID } from 'node:crypto';
import { INestApplicationContext } from '@nestjs/common';
import IORedis from 'ioredis';
import { Pool } from 'pg';
import { FakePleo } from '../../apps/fake-pleo/src/fake-pleo.server';
import { ExportLedgerRepository, ExportRunRepository, PrismaService, ReceiptLedgerRepository, VendorLinkRepository } from '@app/database';
import { ERP_ADAPTER, ErpAdapter, ErpError } from '@app/erp';
import { PleoExportClient } from '@app/pleo';
import { PRODUCER_CONNECTION, createProducerConnection } from '@app/queue';
import { RunInterrupted, ShutdownSignal, sleep } from '@app/runtime';
import { CompanyBusy, CompanyLock, EXPORT_OPTIONS, ExportJobRunner, ExportOptions } from '@app/sync';
import { ErpHooks, ErpWrites, NonDeduplicatingErp } from '../support/counting-erp';
import { exportItem } from '../support/export-items';
import { startFakePleo } from '../support/fake-pleo';
import { dropQueuePrefix, startWorker, testDb, waitFor } from '../support/harness';
import { connectionRecorder, receiptServer } from '../support/recording-servers';
import { TcpProxy } from '../support/tcp-proxy';
import { TEST_REDIS_URL, uniquePrefix } from '../support/test-env';

const ACCOUNTS = { EXPORT_WALLET_ACCOUNT: '1910', EXPORT_OUT_OF_POCKET_ACCOUNT: '2890', EXPORT_CONTRA_ACCOUNT: '2990', EXPORT_AP_ACCOUNT: '2400' };

/**
 * Exactly once under faults (issue #8: R1, R2, R6, R9), with runners built directly on the worker's
 * real services (PostgreSQL, Redis, the fake Pleo) and an ERP double that does not deduplicate.
 */
describe('export: exactly once under faults (real PostgreSQL and Redis)', () => {
  const prefix = uniquePrefix();
  let fake: FakePleo;
  let worker: { app: INestApplicationContext; close(): Promise<void> };
  let db: Pool;
  let redis: IORedis;
  let sandbox: ErpAdapter;
  let prisma: PrismaService;
  let options: ExportOptions;

  beforeAll(async () => {
    fake = await startFakePleo();
    worker = await startWorker({ QUEUE_PREFIX: prefix, PLEO_API_BASE_URL: fake.url, RECEIPT_ALLOWED_HTTP_HOSTS: new URL(fake.url).host, WORKER_QUEUES: 'none', EXPORT_POLL_INTERVAL_SECONDS: '3600', ...ACCOUNTS });
    db = testDb();
    await db.query("DELETE FROM sandbox_settings WHERE key = 'offline'");
    redis = worker.app.get(PRODUCER_CONNECTION);
    await waitFor(async () => redis.status === 'ready'); // no offline queue: commands need the connection up
    sandbox = worker.app.get(ERP_ADAPTER);
    prisma = worker.app.get(PrismaService);
    options = worker.app.get(EXPORT_OPTIONS);
  });

  afterAll(async () => {
    await Promise.all([worker.close(), fake.close(), db.end()]);
    await dropQueuePrefix(prefix);
  });

  afterEach(() => expect(fake.specProblems()).toEqual([]));

  const erpDouble = (writes: ErpWrites, hooks: ErpHooks = {}) => new NonDeduplicatingErp(sandbox, prisma, writes, hooks);
  const runner = (erp: ErpAdapter, overrides: Partial<ExportOptions> = {}, lockRedis: IORedis = redis, shutdown = new ShutdownSignal()) =>
    new ExportJobRunner(
      worker.app.get(PleoExportClient),
      erp,
      worker.app.get(ExportLedgerRepository),
      worker.app.get(ExportRunRepository),
      worker.app.get(VendorLinkRepository),
      lockRedis,
      { ...options, ...overrides },
      worker.app.get(ReceiptLedgerRepository),
      shutdown,
    );
  /** As the queue would: a run that finds the company busy or is interrupted is tried again. */
  const runUntilDone = async (r: ExportJobRunner, companyId: string, timeoutMs = 60_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        return await r.runCompany(companyId, `test-${randomUUID()}`);
      } catch (err) {
        if (!(err instanceof CompanyBusy || err instanceof RunInterrupted) || Date.now() > deadline) throw err;
        await sleep(200);
      }
    }
  };
  const ledgerRows = async (ids: string[]) =>
    new Map((await db.query('SELECT * FROM export_item_ledger WHERE accounting_entry_id = ANY($1)', [ids])).rows.map((r) => [r.accounting_entry_id, r]));
  const items = (companyId: string, n: number) => Array.from({ length: n }, () => exportItem({ companyId, tax: null, gross: 1000 }));
  const ids = (list: Record<string, unknown>[]) => list.map((i) => String(i.accountingEntryId));
  /** An entry in the ERP that an earlier run (or version) wrote, outside any test's counts. */
  const bookDirectly = (id: string) =>
    erpDouble(new ErpWrites()).postExpense(
      { reference: id, mode: 'journal', state: 'posted', date: '2026-11-20', description: 'x', total: { value: '10', currency: 'EUR' }, contraAccount: '1910', lines: [{ account: '7100', net: { value: '10', currency: 'EUR' } }] },
      { correlationId: 'test' },
    );
  const expectPostedOnce = (writes: ErpWrites, expected: string[]) => {
    expect([...writes.posts.keys()].sort()).toEqual([...expected].sort());
    expect([...writes.posts.entries()].filter(([, n]) => n !== 1)).toEqual([]);
  };

  it('R1/R2: the first runner loses its lock key mid-page, a second one takes over → every entry posted once', async () => {
    const companyId = randomUUID();
    const list = items(companyId, 12);
    const job = fake.exports.seedJob({ companyId, items: list });
    const writes = new ErpWrites();
    const slow = erpDouble(writes, { beforePost: () => sleep(250) });
    const fast = erpDouble(writes);
    const first = runner(slow, { lockTtlMs: 3_000, itemConcurrency: 2 }).runCompany(companyId, 'first');
    const firstOutcome = first.then(() => 'finished', (err) => err);
    await waitFor(async () => writes.totalPosts >= 3, 20_000);
    await redis.del(`${prefix}:export-lock:${companyId}`); // evicted, FLUSHDB, failover without the key …
    await runUntilDone(runner(fast, { lockTtlMs: 3_000, itemConcurrency: 2 }), companyId);

    const stopped = await firstOutcome;
    expect(stopped).toBeInstanceOf(RunInterrupted);
    expect(stopped.why).toBe('lock_lost');
    expectPostedOnce(writes, ids(list));
    expect(job.status).toBe('completed');
    expect([...job.items.values()].every((i) => i.status === 'successful')).toBe(true);
    const rows = await ledgerRows(ids(list));
    expect([...rows.values()].every((r) => r.status === 'POSTED' && r.claimed_by === null)).toBe(true);
  });

  it('R1: Redis unreachable from the first runner → it stops on its own (local lease) before the key expires; entries posted once', async () => {
    const companyId = randomUUID();
    const list = items(companyId, 10);
    const job = fake.exports.seedJob({ companyId, items: list });
    const proxy = TcpProxy.forUrl(TEST_REDIS_URL);
    await proxy.start();
    const cut = createProducerConnection(proxy.rewrite(TEST_REDIS_URL), 'test-partitioned');
    cut.on('error', () => undefined);
    await waitFor(async () => cut.status === 'ready');
    const writes = new ErpWrites();
    try {
      const first = runner(erpDouble(writes, { beforePost: () => sleep(250) }), { lockTtlMs: 4_000, itemConcurrency: 1 }, cut).runCompany(companyId, 'first');
      const firstOutcome = first.then(() => 'finished', (err) => ({ err, at: Date.now() }));
      await waitFor(async () => writes.totalPosts >= 2, 20_000);
      const cutAt = Date.now();
      await proxy.stop(); // the first runner can still reach PostgreSQL and the ERP, not Redis
      const stopped = (await firstOutcome) as { err: RunInterrupted; at: number };
      expect(stopped.err).toBeInstanceOf(RunInterrupted);
      expect(stopped.err.message).toMatch(/not renewed within 3000 ms/);
      // It gave up while its key could still be alive in Redis: nobody else could have had it yet.
      expect(stopped.at - cutAt).toBeLessThan(4_000 + 1_000);
      await runUntilDone(runner(erpDouble(writes), { lockTtlMs: 4_000 }), companyId);
    } finally {
      cut.disconnect();
      await proxy.stop();
    }
    expectPostedOnce(writes, ids(list));
    expect(job.status).toBe('completed');
  });

  it('R2: a live claim of another run is never taken; a POSTED row is never claimed for posting', async () => {
    const ledger = worker.app.get(ExportLedgerRepository);
    const key = { companyId: randomUUID(), accountingEntryId: randomUUID() };
    const [a, b] = [randomUUID(), randomUUID()];
    expect(await ledger.claim(key, randomUUID(), a, 10_000)).toMatchObject({ status: 'POSTING', attemptedAt: null });
    expect(await ledger.claim(key, randomUUID(), b, 10_000)).toBeNull(); // a's lease is live
    expect(await ledger.markAttempted(key, b, 10_000)).toBe(false);
    expect(await ledger.markAttempted(key, a, 10_000)).toBe(true);
    expect(await ledger.markPosted(key, b, { id: 'x', number: 'JE-x' })).toBe(false);
    expect(await ledger.markPosted(key, a, { id: 'e1', number: 'JE-1' })).toBe(true);
    expect(await ledger.markPosted(key, a, { id: 'e2', number: 'JE-2' })).toBe(false); // POSTED stays as it is
    await ledger.release(key, a);
    expect(await ledger.claim(key, randomUUID(), b, 10_000)).toMatchObject({ status: 'POSTED', erpId: 'e1', erpNumber: 'JE-1' });
    expect(await ledger.markAttempted(key, b, 10_000)).toBe(false); // nothing to post
    // A lease that ran out is taken over; the old holder can then neither post nor record.
    const other = { companyId: key.companyId, accountingEntryId: randomUUID() };
    expect(await ledger.claim(other, randomUUID(), a, 1)).not.toBeNull();
    await sleep(50);
    expect(await ledger.claim(other, randomUUID(), b, 10_000)).not.toBeNull();
    expect(await ledger.markAttempted(other, a, 10_000)).toBe(false);
    expect(await ledger.markPosted(other, a, { id: 'stale', number: 'JE-stale' })).toBe(false);
    // The database itself refuses a POSTED row without its ERP id.
    await expect(db.query(`UPDATE export_item_ledger SET erp_id = NULL WHERE accounting_entry_id = $1`, [key.accountingEntryId])).rejects.toThrow(/export_item_ledger_posted_has_erp_id/);
  });

  it('R6: a retryable failure on item 4 of 6 → items 1–3 are POSTED at once; the retry posts the rest, nothing twice', async () => {
    const companyId = randomUUID();
    const list = items(companyId, 6);
    const job = fake.exports.seedJob({ companyId, items: list });
    const writes = new ErpWrites();
    const failing = String(list[3].accountingEntryId);
    let failed = false;
    const flaky = erpDouble(writes, {
      beforePost: async (entry) => {
        if (entry.reference === failing && !failed) {
          failed = true;
          throw new ErpError('timeout', 'The ERP did not answer in time.', { mayHaveApplied: true });
        }
      },
    });
    await expect(runner(flaky, { itemConcurrency: 1 }).runCompany(companyId, 'first')).rejects.toMatchObject({ kind: 'timeout' });
    const rows = await ledgerRows(ids(list));
    expect(ids(list).map((id) => rows.get(id)?.status ?? null)).toEqual(['POSTED', 'POSTED', 'POSTED', 'POSTING', null, null]);
    expect(rows.get(failing).attempted_at).not.toBeNull();

    await runUntilDone(runner(flaky, { itemConcurrency: 1 }), companyId);
    expectPostedOnce(writes, ids(list));
    // Only the item whose outcome was unknown needed the ERP's look-up.
    expect([...writes.finds.keys()]).toEqual([failing]);
    expect(job.status).toBe('completed');
  });

  it('R6: a permanent error that may have applied → the item fails, the row stays unknown, the next export reconciles it instead of posting again', async () => {
    const companyId = randomUUID();
    const [item] = items(companyId, 1);
    const id = String(item.accountingEntryId);
    const writes = new ErpWrites();
    const refusesAfterStoring = erpDouble(writes, {
      afterPost: async () => {
        throw new ErpError('conflict', 'The ERP reported a conflict after a retried request.', { mayHaveApplied: true });
      },
    });
    const first = fake.exports.seedJob({ companyId, items: [item] });
    await runUntilDone(runner(refusesAfterStoring), companyId);
    expect(first.items.get(id)).toMatchObject({ status: 'failed', failureReasonType: 'accounting_system_validation_failure' });
    expect((await ledgerRows([id])).get(id)).toMatchObject({ status: 'POSTING', failure_reason_type: 'accounting_system_validation_failure' });

    const again = fake.exports.seedJob({ companyId, items: [item] });
    await runUntilDone(runner(erpDouble(writes)), companyId);
    const [stored] = (await db.query(`SELECT number FROM sandbox_entries WHERE reference LIKE $1`, [`${id}#%`])).rows;
    expect(again.items.get(id)).toMatchObject({ status: 'successful', externalId: stored.number });
    expect(writes.posts.get(id)).toBe(1);
  });

  it('R6: a FAILED row that was attempted is reconciled too', async () => {
    const companyId = randomUUID();
    const [item] = items(companyId, 1);
    const id = String(item.accountingEntryId);
    const writes = new ErpWrites();
    // Posted by an earlier version that then recorded FAILED (the ERP answered an error after storing it).
    const posted = await bookDirectly(id);
    await db.query(`INSERT INTO export_item_ledger (company_id, accounting_entry_id, job_id, status, attempted_at, failure_reason_type) VALUES ($1, $2, $3, 'FAILED', now(), 'accounting_system_validation_failure')`, [companyId, id, randomUUID()]);
    const job = fake.exports.seedJob({ companyId, items: [item] });
    await runUntilDone(runner(erpDouble(writes)), companyId);
    expect(job.items.get(id)).toMatchObject({ status: 'successful', externalId: posted.number });
    expect(writes.posts.get(id)).toBeUndefined();
  });

  it('R9: receipts reordered and extended between exports → each file attached once', async () => {
    const companyId = randomUUID();
    const file = (text: string) => ({ content: Buffer.from(`%PDF-1.4 ${text}`).toString('base64'), type: 'application/pdf' });
    const id = randomUUID();
    const writes = new ErpWrites();
    const firstJob = fake.exports.seedJob({ companyId, items: [exportItem({ companyId, accountingEntryId: id, files: [file('a'), file('b')] })] });
    await runUntilDone(runner(erpDouble(writes)), companyId);
    expect(firstJob.status).toBe('completed');
    const again = fake.exports.seedJob({ companyId, items: [exportItem({ companyId, accountingEntryId: id, files: [file('c'), file('b'), file('a')] })] });
    await runUntilDone(runner(erpDouble(writes)), companyId);
    expect(again.status).toBe('completed');
    expect(writes.posts.get(id)).toBe(1);
    expect(writes.attaches.size).toBe(3);
    expect([...writes.attaches.values()]).toEqual([1, 1, 1]);
    expect((await db.query('SELECT count(*)::int AS n FROM export_receipt_ledger WHERE accounting_entry_id = $1', [id])).rows[0].n).toBe(3);
  });

  it('R9: receipts attached by position before the receipt ledger existed are carried over, not sent again', async () => {
    const companyId = randomUUID();
    const id = randomUUID();
    const file = (text: string) => ({ content: Buffer.from(`%PDF-1.4 ${text}`).toString('base64'), type: 'application/pdf' });
    const writes = new ErpWrites();
    const entry = await bookDirectly(id);
    await db.query(`INSERT INTO export_item_ledger (company_id, accounting_entry_id, job_id, status, erp_id, erp_number, attachments_done) VALUES ($1, $2, $3, 'POSTED', $4, $5, 1)`, [companyId, id, randomUUID(), entry.id, entry.number]);
    const job = fake.exports.seedJob({ companyId, items: [exportItem({ companyId, accountingEntryId: id, files: [file('old'), file('new')] })] });
    await runUntilDone(runner(erpDouble(writes)), companyId);
    expect(job.status).toBe('completed');
    expect(writes.attaches.size).toBe(1); // only the second
    expect((await db.query('SELECT count(*)::int AS n FROM export_receipt_ledger WHERE accounting_entry_id = $1', [id])).rows[0].n).toBe(2);
  });

  it('S1: receipt URLs aimed at loopback, the metadata address or redirecting there → receipt_download_failure, entry booked, no connection made', async () => {
    const companyId = randomUUID();
    const recorder = await connectionRecorder();
    const redirector = await receiptServer((req, res) => res.writeHead(302, { location: `http://127.0.0.1:${recorder.port}/r.pdf` }).end());
    try {
      const withReceipt = (url: string) => exportItem({ companyId, files: [{ url, type: 'application/pdf', size: 100 } as never] });
      const list = [
        withReceipt(`http://127.0.0.1:${recorder.port}/r.pdf`),
        withReceipt(`https://127.0.0.1:${recorder.port}/r.pdf`),
        withReceipt('https://169.254.169.254/latest/meta-data/iam/security-credentials/role'),
        withReceipt(`${redirector.url}/r.pdf`),
      ];
      const job = fake.exports.seedJob({ companyId, items: list });
      const writes = new ErpWrites();
      await runUntilDone(runner(erpDouble(writes), { receiptAllowedHttpHosts: [new URL(fake.url).host, redirector.host] }), companyId);
      for (const id of ids(list)) {
        expect(job.items.get(id)).toMatchObject({ status: 'failed', failureReasonType: 'receipt_download_failure', failureReason: expect.stringMatching(/^The entry was booked as JE-\d+, but receipt 1 of 1 could not be downloaded from Pleo\./) });
      }
      expectPostedOnce(writes, ids(list)); // booked, only the receipt is missing
      expect(writes.attaches.size).toBe(0);
      expect(recorder.connections).toBe(0);
      expect(redirector.requests).toHaveLength(1); // the redirect was not retried either: it is refused for good
    } finally {
      await Promise.all([recorder.close(), redirector.close()]);
    }
  });

  it('O3: a shutdown mid-item finishes the item, reports it, releases the lock and hands the rest to the next run', async () => {
    const companyId = randomUUID();
    const list = items(companyId, 5);
    const job = fake.exports.seedJob({ companyId, items: list });
    const writes = new ErpWrites();
    const shutdown = new ShutdownSignal();
    const slow = erpDouble(writes, {
      beforePost: async () => {
        if (writes.totalPosts === 1) shutdown.trigger(); // SIGTERM while the second item is being posted
        await sleep(100);
      },
    });
    await expect(runner(slow, { itemConcurrency: 1, lockTtlMs: 60_000 }, redis, shutdown).runCompany(companyId, 'first')).rejects.toMatchObject({ why: 'shutdown' });
    expect(await redis.exists(`${prefix}:export-lock:${companyId}`)).toBe(0); // released at once, not after its TTL
    expect(writes.totalPosts).toBe(2); // the item in hand was finished, no new one started
    expect(job.updates).toEqual([2]); // and reported before stopping
    await runUntilDone(runner(erpDouble(writes)), companyId, 10_000);
    expectPostedOnce(writes, ids(list));
    expect(job.status).toBe('completed');
  });

  it('the lock a run holds is refused to a second runner (CompanyBusy) and lost when its key is deleted', async () => {
    const companyId = randomUUID();
    const lock = await CompanyLock.acquire(redis, prefix, companyId, 600);
    await expect(CompanyLock.acquire(redis, prefix, companyId, 600)).rejects.toBeInstanceOf(CompanyBusy);
    await redis.del(`${prefix}:export-lock:${companyId}`);
    await waitFor(async () => lock.signal.aborted, 5_000);
    expect(lock.signal.reason).toBeInstanceOf(RunInterrupted);
    await lock.release();
  });
});
