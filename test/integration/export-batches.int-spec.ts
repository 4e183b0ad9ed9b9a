import { randomUUID } from 'node:crypto';
import { ErpError } from '@app/erp';
import { ShutdownSignal } from '@app/runtime';
import { ErpWrites } from '../support/counting-erp';
import { exportItem } from '../support/export-items';
import { ExportRunnerKit, expectPostedOnce, idsOf, plainItems } from '../support/export-runners';

/**
 * The export with an adapter's batch call (postExpenses), on the worker's real services (PostgreSQL,
 * Redis, the fake Pleo) and an ERP double that does not deduplicate: only our ledger keeps an entry
 * from being booked twice, whatever happens to a batch.
 */
describe('export in batches: exactly once (real PostgreSQL and Redis)', () => {
  const kit = new ExportRunnerKit();

  beforeAll(() => kit.start());
  afterAll(() => kit.close());
  afterEach(() => expect(kit.fake.specProblems()).toEqual([]));

  const ledgerRows = async (ids: string[]) =>
    new Map((await kit.db.query('SELECT * FROM export_item_ledger WHERE accounting_entry_id = ANY($1)', [ids])).rows.map((r) => [r.accounting_entry_id, r]));

  it('posts batchSize entries per call, records and reports each entry on its own', async () => {
    const companyId = randomUUID();
    const list = plainItems(companyId, 23);
    const job = kit.fake.exports.seedJob({ companyId, items: list });
    const writes = new ErpWrites();
    const erp = kit.batchingDouble(writes);
    await kit.runUntilDone(kit.runner(erp, { batchSize: 10 }), companyId);
    expect(erp.batchSizes).toEqual([10, 10, 3]);
    expectPostedOnce(writes, idsOf(list));
    expect(job.status).toBe('completed');
    const rows = await ledgerRows(idsOf(list));
    expect([...rows.values()].every((r) => r.status === 'POSTED' && r.attempted_at !== null && r.claimed_by === null)).toBe(true);
    const stored = (await kit.db.query(`SELECT id, split_part(reference, '#', 1) AS ref FROM sandbox_entries WHERE split_part(reference, '#', 1) = ANY($1)`, [idsOf(list)])).rows;
    for (const { id, ref } of stored) expect(job.items.get(ref)).toMatchObject({ status: 'successful', externalId: id });
  });

  it('entries of one kind go together, across Pleo pages: card spend and out-of-pocket interleaved → whole batches of one kind', async () => {
    const companyId = randomUUID();
    // 300 items over 3 of Pleo's pages, every other one out-of-pocket (another counter account)
    const list = Array.from({ length: 300 }, (_, i) => exportItem({ companyId, tax: null, gross: 1000, ...(i % 2 && { type: 'out_of_pocket', contraAccount: null }) }));
    const job = kit.fake.exports.seedJob({ companyId, items: list });
    const writes = new ErpWrites();
    const kinds: string[][] = [];
    const erp = kit.batchingDouble(writes, { beforeBatch: async (entries) => void kinds.push([...new Set(entries.map((e) => e.contraAccount))]) });
    await kit.runUntilDone(kit.runner(erp, { batchSize: 100 }), companyId);
    expect(erp.batchSizes).toEqual([100, 50, 100, 50]);
    expect(kinds).toEqual([['1910'], ['1910'], ['2890'], ['2890']]);
    expectPostedOnce(writes, idsOf(list));
    expect(job.status).toBe('completed');
    expect(job.updates.every((n) => n <= 100)).toBe(true);
  });

  it('an element refused for good fails only its item; the others of the batch are booked', async () => {
    const companyId = randomUUID();
    const list = plainItems(companyId, 5);
    const bad = String(list[2].accountingEntryId);
    const job = kit.fake.exports.seedJob({ companyId, items: list });
    const writes = new ErpWrites();
    const erp = kit.batchingDouble(writes, {
      refuse: (entry) => (entry.reference === bad ? new ErpError('unknown_reference', "The account '999' does not exist.", { subject: 'account' }) : undefined),
    });
    await kit.runUntilDone(kit.runner(erp, { batchSize: 50 }), companyId);
    expect(erp.batchSizes).toEqual([5]);
    expectPostedOnce(writes, idsOf(list).filter((id) => id !== bad));
    expect(job.items.get(bad)).toMatchObject({ status: 'failed', failureReasonType: 'account_unknown', failureReason: expect.stringContaining("'999'") });
    expect(job.status).toBe('completed_with_errors');
    expect((await ledgerRows([bad])).get(bad)).toMatchObject({ status: 'FAILED' });
  });

  it('a batch that commits and then loses its answer → every entry is looked up, nothing is posted twice', async () => {
    const companyId = randomUUID();
    const list = plainItems(companyId, 8);
    const job = kit.fake.exports.seedJob({ companyId, items: list });
    const writes = new ErpWrites();
    const erp = kit.batchingDouble(writes, {
      afterBatch: async (_results, call) => {
        if (call === 1) throw new ErpError('unavailable', 'The connection dropped after the ERP committed.', { mayHaveApplied: true });
      },
    });
    // a short lease: claims of entries whose outcome is unknown are kept until it runs out (finding 7)
    await expect(kit.runner(erp, { batchSize: 50, lockTtlMs: 3_000 }).runCompany(companyId, 'first')).rejects.toMatchObject({ kind: 'unavailable' });
    const rows = await ledgerRows(idsOf(list));
    // all attempted before the call, none recorded as posted: their outcome is unknown
    expect(idsOf(list).map((id) => [rows.get(id)?.status, rows.get(id)?.attempted_at !== null])).toEqual(idsOf(list).map(() => ['POSTING', true]));
    expect(job.updates).toEqual([]);

    await kit.runUntilDone(kit.runner(erp, { batchSize: 50 }), companyId);
    expect(erp.batchSizes).toEqual([8]); // the retry found all 8 by reference: no second batch
    expect([...writes.finds.keys()].sort()).toEqual(idsOf(list).sort());
    expectPostedOnce(writes, idsOf(list));
    expect(job.status).toBe('completed');
  });

  it('a connection cut mid-batch (3 of 7 stored) → the retry books only the 4 not found', async () => {
    const companyId = randomUUID();
    const list = plainItems(companyId, 7);
    const job = kit.fake.exports.seedJob({ companyId, items: list });
    const writes = new ErpWrites();
    const erp = kit.batchingDouble(writes, { cutAfter: (call) => (call === 1 ? 3 : undefined) });
    // a short lease: claims of entries whose outcome is unknown are kept until it runs out (finding 7)
    await expect(kit.runner(erp, { batchSize: 50, lockTtlMs: 3_000 }).runCompany(companyId, 'first')).rejects.toMatchObject({ mayHaveApplied: true });
    expect(writes.totalPosts).toBe(3);

    await kit.runUntilDone(kit.runner(erp, { batchSize: 50 }), companyId);
    expect(erp.batchSizes).toEqual([7, 4]);
    expectPostedOnce(writes, idsOf(list));
    expect(job.status).toBe('completed');
  });

  it('an entry whose outcome is unknown (retryable) → the known ones are recorded at once, the retry looks it up first', async () => {
    const companyId = randomUUID();
    const list = plainItems(companyId, 4);
    const slow = String(list[1].accountingEntryId);
    const job = kit.fake.exports.seedJob({ companyId, items: list });
    const writes = new ErpWrites();
    let refusals = 0;
    const erp = kit.batchingDouble(writes, {
      refuse: (entry) => (entry.reference === slow && refusals++ === 0 ? new ErpError('unavailable', 'The ERP answered 503 for this element.', { retryAfterMs: 10 }) : undefined),
    });
    await expect(kit.runner(erp, { batchSize: 50, lockTtlMs: 3_000 }).runCompany(companyId, 'first')).rejects.toMatchObject({ kind: 'unavailable' });
    const rows = await ledgerRows(idsOf(list));
    expect(idsOf(list).map((id) => rows.get(id)?.status)).toEqual(['POSTED', 'POSTING', 'POSTED', 'POSTED']);
    expect(job.updates).toEqual([]); // as entry by entry: the page stops; the retry reports them from the ledger

    await kit.runUntilDone(kit.runner(erp, { batchSize: 50 }), companyId);
    expect([...writes.finds.keys()]).toEqual([slow]); // the recorded ones need no look-up
    expect(erp.batchSizes).toEqual([4, 1]);
    expect(job.updates).toEqual([4]);
    expectPostedOnce(writes, idsOf(list));
    expect(job.status).toBe('completed');
  });

  it('entries refused for the rate limit (not taken) → not attempted: the retry posts them without looking them up', async () => {
    const companyId = randomUUID();
    const list = plainItems(companyId, 6);
    const limited = idsOf(list).slice(3);
    const job = kit.fake.exports.seedJob({ companyId, items: list });
    const writes = new ErpWrites();
    let refusals = 0;
    const erp = kit.batchingDouble(writes, {
      refuse: (entry) => (limited.includes(entry.reference) && refusals++ < limited.length ? new ErpError('rate_limited', 'Slow down.', { retryAfterMs: 10 }) : undefined),
    });
    await expect(kit.runner(erp, { batchSize: 50 }).runCompany(companyId, 'first')).rejects.toMatchObject({ kind: 'rate_limited' });
    const rows = await ledgerRows(idsOf(list));
    expect(idsOf(list).map((id) => [rows.get(id)?.status, rows.get(id)?.attempted_at !== null])).toEqual([
      ['POSTED', true], ['POSTED', true], ['POSTED', true], ['POSTING', false], ['POSTING', false], ['POSTING', false],
    ]);

    await kit.runUntilDone(kit.runner(erp, { batchSize: 50 }), companyId);
    expect([...writes.finds.keys()]).toEqual([]); // nothing to look up
    expect(erp.batchSizes).toEqual([6, 3]);
    expectPostedOnce(writes, idsOf(list));
    expect(job.status).toBe('completed');
  });

  it('a shutdown during a batch finishes that batch (and reports it) and starts no other', async () => {
    const companyId = randomUUID();
    const list = plainItems(companyId, 9);
    const job = kit.fake.exports.seedJob({ companyId, items: list });
    const writes = new ErpWrites();
    const shutdown = new ShutdownSignal();
    const erp = kit.batchingDouble(writes, { beforeBatch: async (_entries, call) => void (call === 1 && shutdown.trigger()) });
    await expect(kit.runner(erp, { batchSize: 4, lockTtlMs: 60_000 }, kit.redis, shutdown).runCompany(companyId, 'first')).rejects.toMatchObject({ why: 'shutdown' });
    expect(erp.batchSizes).toEqual([4]);
    expect(job.updates).toEqual([4]);

    await kit.runUntilDone(kit.runner(erp, { batchSize: 4 }), companyId);
    expect(erp.batchSizes).toEqual([4, 4, 1]);
    expectPostedOnce(writes, idsOf(list));
    expect(job.status).toBe('completed');
  });
});
