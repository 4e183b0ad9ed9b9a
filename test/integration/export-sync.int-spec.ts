import { createHash, randomUUID } from 'node:crypto';
import { ExportPoller } from '../../apps/worker/src/export-sync/export-poller.service';
import { EXPORT_ACCOUNTS, exportItem } from '../support/export-items';
import { ExportWorld } from '../support/export-world';
import { ExportLedgerRepository } from '@app/database';
import { PleoExportClient } from '@app/pleo';
import { QueueName, jobIdForEvent } from '@app/queue';
import { ItemReporter } from '../../libs/sync/src/export/item-reporter';
import { inspectQueue, startWorker, waitFor } from '../support/harness';
import { TEST_ADMIN_TOKEN } from '../support/test-env';

describe('export sync: Pleo Export API v3 → sandbox ERP (real PostgreSQL, Redis, worker in-process)', () => {
  const admin = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };
  const world = new ExportWorld();
  const { seed, trigger, finished, entries } = world;
  let pleoClient: PleoExportClient;
  let ledger: ExportLedgerRepository;

  beforeAll(async () => {
    await world.start((fake) => ({ RECEIPT_ALLOWED_HTTP_HOSTS: new URL(fake.filesUrl).host }));
    pleoClient = world.worker.app.get(PleoExportClient);
    ledger = world.worker.app.get(ExportLedgerRepository);
  });

  afterAll(() => world.close());

  afterEach(() => expect(world.fake.specProblems()).toEqual([]));

  const idsOf = (items: Record<string, unknown>[]) => items.map((i) => String(i.accountingEntryId));

  it('a 3-item job: 3 entries, one PUT, completed, exactly one final event', async () => {
    const companyId = randomUUID();
    const items = [exportItem({ companyId }), exportItem({ companyId, type: 'out_of_pocket', contraAccount: null }), exportItem({ companyId, currency: 'SEK', gross: 3300, tax: { rate: 0.1, amount: 300, code: 'R7' } })];
    const job = seed(companyId, items);
    const eventId = await trigger(job);
    const done = await finished(job.id);

    expect(done.status).toBe('completed');
    expect(done.events.map((e) => e.event)).toEqual(['started', 'completed']);
    expect(done.updates).toEqual([3]);
    const rows = await entries(idsOf(items));
    expect(rows).toHaveLength(3);
    for (const [id, item] of done.items) {
      const row = rows.find((r) => r.reference === id);
      expect(item).toMatchObject({ status: 'successful', externalId: row.id }); // the ERP's id (F-13)
    }
    const sek = rows.find((r) => r.reference === items[2].accountingEntryId);
    expect(sek).toMatchObject({ currency: 'SEK', mode: 'journal', state: 'posted', external_reference: (items[2].additionalInformation as any).reconciliationId });
    expect(Number(sek.total)).toBe(33);
    expect(sek.lines.lines[0]).toMatchObject({ account: '7100', net: { value: '30.00' }, tax: { code: 'R7', amount: { value: '3.00' } }, dimensions: [{ group: 'DEPT', value: 'SALES' }] });
    expect(rows.find((r) => r.reference === items[1].accountingEntryId).lines.contraAccount).toBe('2890');

    // recorded right after Pleo took the final event
    const run = await waitFor(async () => {
      const row = (await world.db.query('SELECT * FROM export_job_runs WHERE job_id = $1', [job.id])).rows[0];
      return row?.final_event_sent_at ? row : undefined;
    });
    expect(run).toMatchObject({ status: 'COMPLETED', items_total: 3, items_succeeded: 3, items_failed: 0, final_event: 'completed' });
    await waitFor(async () => (await world.db.query('SELECT status FROM webhook_events WHERE id = $1', [eventId])).rows[0].status === 'SUCCEEDED');

    const listed: any = await (await fetch(`${world.api.url}/admin/export-jobs?companyId=${companyId}`, { headers: admin })).json();
    expect(listed.data).toEqual([expect.objectContaining({ jobId: job.id, status: 'COMPLETED', itemsSucceeded: 3, finalEvent: 'completed' })]);
    const sandbox: any = await (await fetch(`${world.api.url}/admin/sandbox/entries?limit=1000`, { headers: admin })).json();
    expect(sandbox.data.filter((e: any) => idsOf(items).includes(e.reference)).map((e: any) => e.total).sort()).toEqual(['125', '125', '33']);
  });

  it('one bad item: completed_with_errors, the item failed with Pleo’s reason type and an actionable message', async () => {
    const companyId = randomUUID();
    const good = exportItem({ companyId });
    const unknownAccount = exportItem({ companyId, account: '6999' });
    const noAccount = exportItem({ companyId, account: null });
    const job = seed(companyId, [good, unknownAccount, noAccount]);
    await trigger(job);
    const done = await finished(job.id);
    expect(done.status).toBe('completed_with_errors');
    expect(done.items.get(String(good.accountingEntryId))!.status).toBe('successful');
    expect(done.items.get(String(unknownAccount.accountingEntryId))).toMatchObject({
      status: 'failed',
      failureReasonType: 'account_unknown',
      failureReason: 'Account No. 6999 does not exist in the Accounting System. Check Category.',
    });
    expect(done.items.get(String(noAccount.accountingEntryId))).toMatchObject({ status: 'failed', failureReasonType: 'missing_configuration' });
    expect(await entries(idsOf([good, unknownAccount, noAccount]))).toHaveLength(1);
  });

  it('ERP unreachable at pre-validation: the job fails with a job-level reason, no item is touched', async () => {
    const companyId = randomUUID();
    const items = [exportItem({ companyId }), exportItem({ companyId })];
    const job = seed(companyId, items);
    const availability = (available: boolean) =>
      fetch(`${world.api.url}/admin/sandbox/availability`, { method: 'POST', headers: { ...admin, 'content-type': 'application/json' }, body: JSON.stringify({ available }) });
    expect((await availability(false)).status).toBe(200);
    try {
      await trigger(job);
      const done = await finished(job.id);
      expect(done.status).toBe('failed');
      expect(done.events.at(-1)).toMatchObject({ event: 'failed', failureReasonType: 'accounting_system_unreachable', failureReason: expect.stringMatching(/^Failed to reach the Accounting System\./) });
      expect(done.updates).toEqual([]);
      expect(world.fake.callsTo('getExportItemsV3').filter((c) => c.path.includes(job.id))).toHaveLength(0);
      expect(await entries(idsOf(items))).toHaveLength(0);
    } finally {
      await availability(true);
    }
  });

  it('a 250-item job is reported in 3 PUT batches of at most 100', async () => {
    const companyId = randomUUID();
    const items = Array.from({ length: 250 }, () => exportItem({ companyId, tax: null, gross: 1000 }));
    const job = seed(companyId, items);
    await trigger(job);
    const done = await finished(job.id);
    expect(done.status).toBe('completed');
    expect(done.updates).toEqual([100, 100, 50]);
    expect(await entries(idsOf(items))).toHaveLength(250);
  });

  it('two jobs of one company run in order, oldest first; another company runs alongside', async () => {
    const a = randomUUID();
    const b = randomUUID();
    const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const older = seed(a, [exportItem({ companyId: a })], { createdAt: minutesAgo(10) });
    const newer = seed(a, [exportItem({ companyId: a })], { createdAt: minutesAgo(5) });
    const other = seed(b, [exportItem({ companyId: b })]);
    // Company A's first job reads its items slowly.
    world.fake.state.faults.push({ operation: 'getExportItemsV3', pathIncludes: older.id, times: 1, delayMs: 1_500 });
    await trigger(newer); // the webhook of the newer job arrives first
    await trigger(other);
    const [doneOlder, doneNewer, doneOther] = await Promise.all([finished(older.id), finished(newer.id), finished(other.id)]);
    expect([doneOlder.status, doneNewer.status, doneOther.status]).toEqual(['completed', 'completed', 'completed']);
    const run = (jobId: string) =>
      waitFor(async () => (await world.db.query('SELECT started_at, finished_at FROM export_job_runs WHERE job_id = $1 AND finished_at IS NOT NULL', [jobId])).rows[0]);
    const [rOlder, rNewer, rOther] = [await run(older.id), await run(newer.id), await run(other.id)];
    expect(rOlder.finished_at.getTime()).toBeLessThanOrEqual(rNewer.started_at.getTime()); // in order
    expect(rOther.finished_at.getTime()).toBeLessThan(rOlder.finished_at.getTime()); // B did not wait for A
  });

  it('a second run for a busy company is delayed, not failed, and then finds nothing left to do', async () => {
    const companyId = randomUUID();
    const job = seed(companyId, [exportItem({ companyId }), exportItem({ companyId })]);
    world.fake.state.faults.push({ operation: 'getExportItemsV3', pathIncludes: job.id, times: 1, delayMs: 1_500 });
    const [first, second] = await Promise.all([trigger(job), trigger(job)]); // two deliveries' worth of triggers
    const done = await finished(job.id);
    expect(done.events.map((e) => e.event)).toEqual(['started', 'completed']);
    const rows = await waitFor(async () => {
      const r = (await world.db.query('SELECT id, status, attempts FROM webhook_events WHERE id = ANY($1)', [[first, second]])).rows;
      return r.every((e) => e.status === 'SUCCEEDED') ? r : undefined;
    });
    // One of them found the company taken and waited: that round is no attempt, neither on the
    // event (O6) nor in BullMQ.
    expect(rows.map((r) => r.attempts)).toEqual([1, 1]);
    const queue = inspectQueue(QueueName.ExportSync, world.prefix);
    try {
      for (const row of rows) expect((await queue.getJob(jobIdForEvent(row.id)))?.attemptsMade).toBe(1);
    } finally {
      await queue.close();
    }
  });

  it('an entry already posted in an earlier job is reported with its ERP number, not posted again', async () => {
    const companyId = randomUUID();
    const item = exportItem({ companyId });
    const first = seed(companyId, [item]);
    await trigger(first);
    await finished(first.id);
    const [entry] = await entries([String(item.accountingEntryId)]);

    const again = seed(companyId, [item]); // the user exports the same expense again
    await trigger(again);
    const done = await finished(again.id);
    expect(done.status).toBe('completed');
    expect(done.items.get(String(item.accountingEntryId))).toMatchObject({ status: 'successful', externalId: entry.id });
    expect(await entries([String(item.accountingEntryId)])).toHaveLength(1);
  });

  it('an item whose ERP outcome was unknown (crash after the post) is reconciled, not posted again', async () => {
    const companyId = randomUUID();
    const item = exportItem({ companyId });
    const id = String(item.accountingEntryId);
    // As if an earlier run posted it and died before the ledger said POSTED.
    const posted = (await world.db.query(
      `INSERT INTO sandbox_entries (reference, mode, date, currency, description, total, lines) VALUES ($1, 'journal', '2026-11-20', 'EUR', 'x', 125, '{}') RETURNING id, number`,
      [id],
    )).rows[0];
    await world.db.query(`INSERT INTO export_item_ledger (company_id, accounting_entry_id, job_id, status, attempted_at) VALUES ($1, $2, $3, 'POSTING', now())`, [companyId, id, randomUUID()]);
    const job = seed(companyId, [item]);
    await trigger(job);
    const done = await finished(job.id);
    expect(done.items.get(id)).toMatchObject({ status: 'successful', externalId: posted.id });
    expect(await entries([id])).toHaveLength(1);
    expect((await world.db.query('SELECT status, erp_number FROM export_item_ledger WHERE accounting_entry_id = $1', [id])).rows[0]).toEqual({ status: 'POSTED', erp_number: posted.number });
  });

  it('receipts are downloaded and attached once; an oversize one fails the item with the receipt reason', async () => {
    const companyId = randomUUID();
    const pdf = Buffer.from('%PDF-1.4 lunch receipt').toString('base64');
    const png = Buffer.from('\x89PNG receipt image').toString('base64');
    const withFiles = exportItem({ companyId, files: [{ content: pdf, type: 'application/pdf' }, { content: png, type: 'image/png' }] });
    const tooBig = exportItem({ companyId, files: [{ content: pdf, type: 'application/pdf', size: 31 * 1024 * 1024 }] });
    const job = seed(companyId, [withFiles, tooBig]);
    await trigger(job);
    const done = await finished(job.id);
    expect(done.status).toBe('completed_with_errors');
    const [entryWithFiles] = await entries([String(withFiles.accountingEntryId)]);
    const attachments = (await world.db.query('SELECT * FROM sandbox_attachments WHERE entry_id = $1 ORDER BY file_name', [entryWithFiles.id])).rows;
    expect(attachments.map((a) => [a.file_name, a.mime_type])).toEqual([
      [`B-${String(withFiles.accountingEntryId).slice(0, 8)}-1.pdf`, 'application/pdf'],
      [`B-${String(withFiles.accountingEntryId).slice(0, 8)}-2.png`, 'image/png'],
    ]);
    expect([...world.fake.exports.downloads.values()].every((n) => n === 1)).toBe(true);
    expect(done.items.get(String(tooBig.accountingEntryId))).toMatchObject({
      status: 'failed',
      failureReasonType: 'receipt_file_size_limit_exceeded',
      failureReason: expect.stringMatching(/^The entry was booked as JE-\d+, but receipt 1 of 1 \(33 MB\) is larger than the 10 MB/),
    });
    expect(await entries([String(tooBig.accountingEntryId)])).toHaveLength(1); // booked once, without the file
  });

  it('R9: a retry attaches only the receipts whose content is not attached yet: none twice', async () => {
    const companyId = randomUUID();
    const pdf = (text: string) => Buffer.from(`%PDF-1.4 ${text}`).toString('base64');
    const item = exportItem({ companyId, files: [{ content: pdf('first'), type: 'application/pdf' }, { content: pdf('second'), type: 'application/pdf' }] });
    const id = String(item.accountingEntryId);
    // An earlier run posted the entry and attached the first receipt, then died.
    const entry = (await world.db.query(
      `INSERT INTO sandbox_entries (reference, mode, date, currency, description, total, lines) VALUES ($1, 'journal', '2026-11-20', 'EUR', 'x', 125, '{}') RETURNING id, number`,
      [id],
    )).rows[0];
    await world.db.query(`INSERT INTO export_item_ledger (company_id, accounting_entry_id, job_id, status, erp_id, erp_number) VALUES ($1, $2, $3, 'POSTED', $4, $5)`, [
      companyId,
      id,
      randomUUID(),
      entry.id,
      entry.number,
    ]);
    const firstHash = createHash('sha256').update(Buffer.from('%PDF-1.4 first')).digest('hex');
    await world.db.query(`INSERT INTO export_receipt_ledger (company_id, accounting_entry_id, sha256, erp_entry_id) VALUES ($1, $2, $3, $4)`, [companyId, id, firstHash, entry.id]);
    const job = seed(companyId, [item]);
    const [firstUrl, secondUrl] = (job.exportItems[0].files as { url: string }[]).map((f) => f.url.split('/').pop()!);
    await trigger(job);
    const done = await finished(job.id);
    expect(done.items.get(id)).toMatchObject({ status: 'successful', externalId: entry.id });
    // Both are downloaded (only the content tells them apart); only the second is attached.
    expect(world.fake.exports.downloads.get(firstUrl)).toBe(1);
    expect(world.fake.exports.downloads.get(secondUrl)).toBe(1);
    const attached = (await world.db.query('SELECT file_name FROM sandbox_attachments WHERE entry_id = $1', [entry.id])).rows;
    expect(attached.map((a) => a.file_name)).toEqual([`B-${id.slice(0, 8)}-2.pdf`]);
    const hashes = (await world.db.query('SELECT sha256 FROM export_receipt_ledger WHERE accounting_entry_id = $1', [id])).rows.map((r) => r.sha256);
    expect(hashes.sort()).toEqual([firstHash, createHash('sha256').update(Buffer.from('%PDF-1.4 second')).digest('hex')].sort());
  });

  it('reports at least every EXPORT_REPORT_INTERVAL_SECONDS, even with fewer than 100 results', async () => {
    const companyId = randomUUID();
    const job = seed(companyId, [exportItem({ companyId }), exportItem({ companyId })]);
    await pleoClient.sendJobEvent({ jobId: job.id, event: 'started' });
    const reporter = new ItemReporter(pleoClient, ledger, job.id, companyId, 50);
    const ids = [...job.items.keys()];
    await reporter.add({ accountingEntryId: ids[0], status: 'failed', failureReasonType: 'validation_failure', failureReason: 'test' });
    expect(job.updates).toEqual([]);
    await new Promise((r) => setTimeout(r, 80));
    await reporter.add({ accountingEntryId: ids[1], status: 'failed', failureReasonType: 'validation_failure', failureReason: 'test' });
    expect(job.updates).toEqual([2]); // the interval passed: both sent, though far below 100
  });

  it('invoices under accounts payable: the linked ERP vendor; an unknown vendor fails with vendor_unknown', async () => {
    const companyId = randomUUID();
    const vendorId = randomUUID();
    const erpVendor = (await world.db.query(
      `INSERT INTO sandbox_vendors (name, name_key, reference, currency) VALUES ($1, lower($1), $2, 'EUR') RETURNING id, number`,
      [`Office Supplies ${vendorId.slice(0, 6)} A/S`, vendorId],
    )).rows[0];
    const known = exportItem({ companyId, type: 'invoice', bookkeeping: 'accounts_payable', vendor: { id: vendorId, name: 'Office Supplies A/S', defaultCurrency: 'EUR' }, contraAccount: null });
    const unknown = exportItem({ companyId, type: 'invoice', bookkeeping: 'accounts_payable', vendor: { id: randomUUID(), name: `Nobody ${randomUUID()}`, defaultCurrency: 'EUR' }, contraAccount: null });
    const job = seed(companyId, [known, unknown], { vendorBasedBookkeeping: true });
    await trigger(job);
    const done = await finished(job.id);
    const [ap] = await entries([String(known.accountingEntryId)]);
    expect(ap).toMatchObject({ mode: 'accounts_payable', vendor_id: erpVendor.id });
    expect(ap.lines.contraAccount).toBe('2400');
    expect(done.items.get(String(unknown.accountingEntryId))).toMatchObject({ status: 'failed', failureReasonType: 'vendor_unknown', failureReason: expect.stringContaining('Selected vendor cannot be processed') });
  });

  it('a job left for more than an hour has expired: Pleo says so, and nothing is posted for it', async () => {
    const companyId = randomUUID();
    const items = [exportItem({ companyId })];
    const job = seed(companyId, items, { createdAt: new Date(Date.now() - 61 * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z') });
    expect(world.fake.exports.view(job)).toMatchObject({ status: 'failed', failureReasonType: 'job_expired' });
    await trigger(job);
    await waitFor(async () => (await world.db.query('SELECT count(*)::int AS n FROM webhook_events WHERE company_id = $1 AND status = $2', [companyId, 'SUCCEEDED'])).rows[0].n === 1);
    expect(job.events).toEqual([]);
    expect(await entries(idsOf(items))).toHaveLength(0);
  });

  it('a job whose webhook never came is found by the poller and exported', async () => {
    const companyId = randomUUID();
    const items = [exportItem({ companyId })];
    const job = seed(companyId, items);
    const polling = await startWorker({ QUEUE_PREFIX: world.prefix, PLEO_API_BASE_URL: world.fake.url, PLEO_COMPANY_IDS: companyId, WORKER_QUEUES: 'none', ...EXPORT_ACCOUNTS });
    try {
      expect(await polling.app.get(ExportPoller).pollOnce()).toEqual([companyId]);
    } finally {
      await polling.close();
    }
    expect((await finished(job.id)).status).toBe('completed'); // run by the suite's worker
    expect(await entries(idsOf(items))).toHaveLength(1);
  });
});
