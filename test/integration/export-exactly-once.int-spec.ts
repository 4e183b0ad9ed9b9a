import { randomUUID } from 'node:crypto';
import IORedis from 'ioredis';
import { ErpError } from '@app/erp';
import { ExportLedgerRepository } from '@app/database';
import { createProducerConnection } from '@app/queue';
import { RunInterrupted, ShutdownSignal, sleep } from '@app/runtime';
import { CompanyBusy, CompanyLock } from '@app/sync';
import { ErpWrites } from '../support/counting-erp';
import { ExportRunnerKit, expectPostedOnce, idsOf, plainItems } from '../support/export-runners';
import { waitFor } from '../support/harness';
import { TcpProxy } from '../support/tcp-proxy';
import { TEST_REDIS_URL } from '../support/test-env';

/**
 * Exactly once under faults (issue #8: R1, R2, R6, O3), with runners built directly on the worker's
 * real services (PostgreSQL, Redis, the fake Pleo) and an ERP double that does not deduplicate.
 */
describe('export: exactly once under faults (real PostgreSQL and Redis)', () => {
  const kit = new ExportRunnerKit();
  let redis: IORedis;
  let prefix: string;

  beforeAll(async () => {
    await kit.start();
    redis = kit.redis;
    prefix = kit.prefix;
  });

  afterAll(() => kit.close());
  afterEach(() => expect(kit.fake.specProblems()).toEqual([]));

  const ledgerRows = async (ids: string[]) =>
    new Map((await kit.db.query('SELECT * FROM export_item_ledger WHERE accounting_entry_id = ANY($1)', [ids])).rows.map((r) => [r.accounting_entry_id, r]));

  it('R1/R2: the first runner loses its lock key mid-page, a second one takes over → every entry posted once', async () => {
    const companyId = randomUUID();
    const list = plainItems(companyId, 30); // far more than it can post before it notices
    const job = kit.fake.exports.seedJob({ companyId, items: list });
    const writes = new ErpWrites();
    const slow = kit.erpDouble(writes, { beforePost: () => sleep(400) });
    const fast = kit.erpDouble(writes);
    let stopped: any;
    const firstOutcome = kit
      .runner(slow, { lockTtlMs: 6_000, itemConcurrency: 2 })
      .runCompany(companyId, 'first')
      .then(() => 'finished', (err) => err)
      .then((outcome) => (stopped = outcome));
    await waitFor(async () => writes.totalPosts >= 3 || stopped, 30_000);
    expect(stopped).toBeUndefined(); // still running, mid-page
    await redis.del(`${prefix}:export-lock:${companyId}`); // evicted, FLUSHDB, failover without the key …
    await kit.runUntilDone(kit.runner(fast, { lockTtlMs: 6_000, itemConcurrency: 2 }), companyId);

    await firstOutcome;
    expect(stopped).toBeInstanceOf(RunInterrupted);
    expect(stopped.why).toBe('lock_lost');
    expectPostedOnce(writes, idsOf(list));
    expect(job.status).toBe('completed');
    expect([...job.items.values()].every((i) => i.status === 'successful')).toBe(true);
    const rows = await ledgerRows(idsOf(list));
    expect([...rows.values()].every((r) => r.status === 'POSTED' && r.claimed_by === null)).toBe(true);
  });

  it('R1: Redis unreachable from the first runner → it stops on its own (local lease) before the key expires; entries posted once', async () => {
    const companyId = randomUUID();
    const list = plainItems(companyId, 30); // far more than it can post before its lease runs out
    const job = kit.fake.exports.seedJob({ companyId, items: list });
    const proxy = TcpProxy.forUrl(TEST_REDIS_URL);
    await proxy.start();
    const cut = createProducerConnection(proxy.rewrite(TEST_REDIS_URL), 'test-partitioned');
    cut.on('error', () => undefined);
    await waitFor(async () => cut.status === 'ready');
    const writes = new ErpWrites();
    try {
      let stopped: any;
      const firstOutcome = kit
        .runner(kit.erpDouble(writes, { beforePost: () => sleep(400) }), { lockTtlMs: 6_000, itemConcurrency: 1 }, cut)
        .runCompany(companyId, 'first')
        .then(() => 'finished', (err) => ({ err, at: Date.now() }))
        .then((outcome) => (stopped = outcome));
      await waitFor(async () => writes.totalPosts >= 2 || stopped, 30_000);
      expect(stopped).toBeUndefined(); // still running
      const cutAt = Date.now();
      await proxy.stop(); // the first runner can still reach PostgreSQL and the ERP, not Redis
      await firstOutcome;
      expect(stopped.err).toBeInstanceOf(RunInterrupted);
      expect(stopped.err.message).toMatch(/not renewed within 4500 ms/);
      // It gave up while its key could still be alive in Redis (TTL 6 s from the last renewal).
      expect(stopped.at - cutAt).toBeLessThan(6_000);
      await kit.runUntilDone(kit.runner(kit.erpDouble(writes), { lockTtlMs: 6_000 }), companyId);
    } finally {
      cut.disconnect();
      await proxy.stop();
    }
    expectPostedOnce(writes, idsOf(list));
    expect(job.status).toBe('completed');
  });

  it('R2: a live claim of another run is never taken; a POSTED row is never claimed for posting', async () => {
    const ledger = kit.get(ExportLedgerRepository);
    const key = { companyId: randomUUID(), accountingEntryId: randomUUID() };
    const [a, b] = [randomUUID(), randomUUID()];
    const claimOne = async (k: typeof key, owner: string, leaseMs: number) =>
      (await ledger.claim(k.companyId, randomUUID(), owner, leaseMs, [k.accountingEntryId], 'sandbox:default')).get(k.accountingEntryId) ?? null;
    expect(await claimOne(key, a, 10_000)).toMatchObject({ status: 'POSTING', attemptedAt: null });
    expect(await claimOne(key, b, 10_000)).toBeNull(); // a's lease is live
    expect(await ledger.markAttempted(key, b, 10_000)).toBe(false);
    expect(await ledger.markAttempted(key, a, 10_000)).toBe(true);
    expect(await ledger.markPosted(key, b, { id: 'x', number: 'JE-x' })).toBe(false);
    expect(await ledger.markPosted(key, a, { id: 'e1', number: 'JE-1' })).toBe(true);
    expect(await ledger.markPosted(key, a, { id: 'e2', number: 'JE-2' })).toBe(false); // POSTED stays as it is
    await ledger.release(key.companyId, a, [key.accountingEntryId]);
    expect(await claimOne(key, b, 10_000)).toMatchObject({ status: 'POSTED', erpId: 'e1', erpNumber: 'JE-1' });
    expect(await ledger.markAttempted(key, b, 10_000)).toBe(false); // nothing to post
    // A lease that ran out is taken over; the old holder can then neither post nor record.
    const other = { companyId: key.companyId, accountingEntryId: randomUUID() };
    expect(await claimOne(other, a, 1)).not.toBeNull();
    await sleep(50);
    expect(await claimOne(other, b, 10_000)).not.toBeNull();
    expect(await ledger.markAttempted(other, a, 10_000)).toBe(false);
    expect(await ledger.markPosted(other, a, { id: 'stale', number: 'JE-stale' })).toBe(false);
    // The database itself refuses a POSTED row without its ERP id.
    await expect(kit.db.query(`UPDATE export_item_ledger SET erp_id = NULL WHERE accounting_entry_id = $1`, [key.accountingEntryId])).rejects.toThrow(/export_item_ledger_posted_has_erp_id/);
  });

  it('R6: a retryable failure on item 4 of 6 → items 1–3 are POSTED at once; the retry posts the rest, nothing twice', async () => {
    const companyId = randomUUID();
    const list = plainItems(companyId, 6);
    const job = kit.fake.exports.seedJob({ companyId, items: list });
    const writes = new ErpWrites();
    const failing = String(list[3].accountingEntryId);
    let failed = false;
    const flaky = kit.erpDouble(writes, {
      beforePost: async (entry) => {
        if (entry.reference === failing && !failed) {
          failed = true;
          throw new ErpError('timeout', 'The ERP did not answer in time.', { mayHaveApplied: true });
        }
      },
    });
    // a short lease: the claim on the item whose outcome is unknown is kept until it runs out (finding 7)
    await expect(kit.runner(flaky, { itemConcurrency: 1, lockTtlMs: 3_000 }).runCompany(companyId, 'first')).rejects.toMatchObject({ kind: 'timeout' });
    const rows = await ledgerRows(idsOf(list));
    expect(idsOf(list).map((id) => rows.get(id)?.status)).toEqual(['POSTED', 'POSTED', 'POSTED', 'POSTING', 'POSTING', 'POSTING']);
    // Only the failed one is marked attempted (its outcome is unknown); the last two were only claimed.
    expect(idsOf(list).map((id) => rows.get(id)?.attempted_at !== null)).toEqual([true, true, true, true, false, false]);
    // released on the way out, except the one the ERP may still be committing
    expect(idsOf(list).map((id) => rows.get(id)?.claimed_by !== null)).toEqual([false, false, false, true, false, false]);

    await kit.runUntilDone(kit.runner(flaky, { itemConcurrency: 1 }), companyId);
    expectPostedOnce(writes, idsOf(list));
    // Only the item whose outcome was unknown needed the ERP's look-up.
    expect([...writes.finds.keys()]).toEqual([failing]);
    expect(job.status).toBe('completed');
  });

  it('R6: a permanent error that may have applied → the item fails, the row stays unknown, the next export reconciles it instead of posting again', async () => {
    const companyId = randomUUID();
    const [item] = plainItems(companyId, 1);
    const id = String(item.accountingEntryId);
    const writes = new ErpWrites();
    const refusesAfterStoring = kit.erpDouble(writes, {
      afterPost: async () => {
        throw new ErpError('conflict', 'The ERP reported a conflict after a retried request.', { mayHaveApplied: true });
      },
    });
    const first = kit.fake.exports.seedJob({ companyId, items: [item] });
    await kit.runUntilDone(kit.runner(refusesAfterStoring), companyId);
    expect(first.items.get(id)).toMatchObject({ status: 'failed', failureReasonType: 'accounting_system_validation_failure' });
    expect((await ledgerRows([id])).get(id)).toMatchObject({ status: 'POSTING', failure_reason_type: 'accounting_system_validation_failure' });

    const again = kit.fake.exports.seedJob({ companyId, items: [item] });
    await kit.runUntilDone(kit.runner(kit.erpDouble(writes)), companyId);
    const [stored] = (await kit.db.query(`SELECT id FROM sandbox_entries WHERE reference LIKE $1`, [`${id}#%`])).rows;
    expect(again.items.get(id)).toMatchObject({ status: 'successful', externalId: stored.id });
    expect(writes.posts.get(id)).toBe(1);
  });

  it('R6: a FAILED row that was attempted is reconciled too', async () => {
    const companyId = randomUUID();
    const [item] = plainItems(companyId, 1);
    const id = String(item.accountingEntryId);
    const writes = new ErpWrites();
    // Posted by an earlier version that then recorded FAILED (the ERP answered an error after storing it).
    const posted = await kit.bookDirectly(id);
    await kit.db.query(`INSERT INTO export_item_ledger (company_id, accounting_entry_id, job_id, status, attempted_at, failure_reason_type) VALUES ($1, $2, $3, 'FAILED', now(), 'accounting_system_validation_failure')`, [companyId, id, randomUUID()]);
    const job = kit.fake.exports.seedJob({ companyId, items: [item] });
    await kit.runUntilDone(kit.runner(kit.erpDouble(writes)), companyId);
    expect(job.items.get(id)).toMatchObject({ status: 'successful', externalId: posted.id });
    expect(writes.posts.get(id)).toBeUndefined();
  });

  it('O3: a shutdown mid-item finishes the item, reports it, releases the lock and hands the rest to the next run', async () => {
    const companyId = randomUUID();
    const list = plainItems(companyId, 5);
    const job = kit.fake.exports.seedJob({ companyId, items: list });
    const writes = new ErpWrites();
    const shutdown = new ShutdownSignal();
    const slow = kit.erpDouble(writes, {
      beforePost: async () => {
        if (writes.totalPosts === 1) shutdown.trigger(); // SIGTERM while the second item is being posted
        await sleep(100);
      },
    });
    await expect(kit.runner(slow, { itemConcurrency: 1, lockTtlMs: 60_000 }, redis, shutdown).runCompany(companyId, 'first')).rejects.toMatchObject({ why: 'shutdown' });
    expect(await redis.exists(`${prefix}:export-lock:${companyId}`)).toBe(0); // released at once, not after its TTL
    expect(writes.totalPosts).toBe(2); // the item in hand was finished, no new one started
    expect(job.updates).toEqual([2]); // and reported before stopping
    await kit.runUntilDone(kit.runner(kit.erpDouble(writes)), companyId, 10_000);
    expectPostedOnce(writes, idsOf(list));
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
