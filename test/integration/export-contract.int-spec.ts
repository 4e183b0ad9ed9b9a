import { randomUUID } from 'node:crypto';
import { ExportPoller } from '../../apps/worker/src/export-sync/export-poller.service';
import { EXPORT_ACCOUNTS, exportItem } from '../support/export-items';
import { ExportWorld } from '../support/export-world';
import { EventProducer, QueueName } from '@app/queue';
import { dropQueuePrefix, inspectQueue, startWorker, waitFor } from '../support/harness';
import { TEST_ADMIN_TOKEN, uniquePrefix } from '../support/test-env';

/**
 * Pleo's export contract (issue #7, review 2026-11-27-pleo-contract): one test per finding, through
 * the real worker, PostgreSQL and Redis, against the strict fake Pleo.
 */
describe('export sync against Pleo’s contract (findings F-1 … F-14, R3, O7)', () => {
  const admin = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };
  const world = new ExportWorld();
  const { seed, trigger, finished, entries } = world;

  beforeAll(async () => {
    await world.start(() => ({ SYNC_MAX_ATTEMPTS: '2', PLEO_HTTP_MAX_RETRIES: '1' }));
    // Reverse-charge tax accounts, as a chart of accounts has them.
    await world.db.query("INSERT INTO sandbox_accounts (code, name) VALUES ('5610', 'Input VAT reverse charge'), ('5620', 'Output VAT reverse charge') ON CONFLICT DO NOTHING");
  });

  afterAll(() => world.close());

  afterEach(() => expect(world.fake.specProblems()).toEqual([]));

  const eventSettled = (id: string) =>
    waitFor(async () => {
      const row = (await world.db.query('SELECT status, last_error, attempts FROM webhook_events WHERE id = $1', [id])).rows[0];
      return ['SUCCEEDED', 'FAILED'].includes(row?.status) ? row : undefined;
    }, 30_000);
  const runOf = (jobId: string) =>
    waitFor(async () => (await world.db.query('SELECT * FROM export_job_runs WHERE job_id = $1 AND finished_at IS NOT NULL', [jobId])).rows[0], 30_000);
  const adminRuns = async (companyId: string) => ((await (await fetch(`${world.api.url}/admin/export-jobs?companyId=${companyId}`, { headers: admin })).json()) as any).data;
  const idOf = (item: Record<string, unknown>) => String(item.accountingEntryId);
  const secondsAgo = (s: number) => new Date(Date.now() - s * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

  it('F-1: an item update Pleo refuses is sent again; the final event waits until Pleo holds every item as final', async () => {
    const companyId = randomUUID();
    const once = exportItem({ companyId });
    const twice = exportItem({ companyId });
    const job = seed(companyId, [once, twice]);
    job.itemFaults.set(idOf(once), { type: 'ACCOUNTING_ENTRY_UPDATE_FAILED', times: 1 });
    // Refused in the first PUT and in its re-send: the first attempt must not complete the job.
    job.itemFaults.set(idOf(twice), { type: 'EXPORT_ENTRY_STATUS_UPDATE_FAILED', times: 2 });
    const eventId = await trigger(job);
    const done = await finished(job.id);
    expect(done.events.map((e) => e.event)).toEqual(['started', 'completed']); // never completed over pending items
    expect(done.updates).toEqual([2, 2, 1]); // first PUT, re-send of both, the next attempt's report
    expect([...done.items.values()].every((i) => i.status === 'successful')).toBe(true);
    expect(await entries([idOf(once), idOf(twice)])).toHaveLength(2); // booked once, reported twice
    expect(await eventSettled(eventId)).toMatchObject({ status: 'SUCCEEDED' });
  });

  it('F-1/R7: a 422 on the final event is resolved by reading the job: cancelled in Pleo → recorded as Pleo has it, not as sent', async () => {
    const companyId = randomUUID();
    const job = seed(companyId, [exportItem({ companyId })]);
    job.interruptOn = { operation: 'createExportJobEventV3', nth: 2, reason: 'canceled_by_user' }; // as the final event arrives
    await trigger(job);
    const run = await runOf(job.id);
    expect(run).toMatchObject({ status: 'FAILED', failure_reason_type: 'canceled_by_user', final_event_sent_at: null, final_event: 'completed' });
    expect(job.events.map((e) => e.event)).toEqual(['started']);
    expect(await adminRuns(companyId)).toEqual([expect.objectContaining({ jobId: job.id, status: 'FAILED', failureReasonType: 'canceled_by_user', failureReason: expect.stringMatching(/^Pleo: /) })]);
  });

  it('R7: a run left RUNNING after Pleo took its final event (a crash before we recorded it) is reconciled on the company’s next run', async () => {
    const companyId = randomUUID();
    const crashed = seed(companyId, [exportItem({ companyId })], { createdAt: secondsAgo(60) });
    Object.assign(crashed, { status: 'completed' }); // Pleo took "completed"…
    await world.db.query(`INSERT INTO export_job_runs (job_id, company_id, final_event) VALUES ($1, $2, 'completed')`, [crashed.id, companyId]); // …we never recorded it
    const cancelled = seed(companyId, [exportItem({ companyId })], { createdAt: secondsAgo(50) });
    world.fake.exports.interrupt(cancelled, 'canceled_by_user'); // ended in Pleo while no run was going
    await world.db.query(`INSERT INTO export_job_runs (job_id, company_id) VALUES ($1, $2)`, [cancelled.id, companyId]);
    const next = seed(companyId, [exportItem({ companyId })]);
    await trigger(next);
    await finished(next.id);
    expect(await runOf(crashed.id)).toMatchObject({ status: 'COMPLETED', final_event_sent_at: expect.any(Date) });
    expect(await runOf(cancelled.id)).toMatchObject({ status: 'FAILED', failure_reason_type: 'canceled_by_user' });
  });

  it('F-2: MISSING_CONTRA_ACCOUNTS fails that job with missing_configuration and Pleo’s message; the company’s next job still runs, and its webhook succeeds', async () => {
    const companyId = randomUUID();
    const broken = seed(companyId, [exportItem({ companyId })], { createdAt: secondsAgo(60) });
    broken.contraMissing = true;
    const next = seed(companyId, [exportItem({ companyId })], { createdAt: secondsAgo(30) });
    const eventId = await trigger(next); // the webhook of the later job
    const [doneBroken, doneNext] = [await finished(broken.id), await finished(next.id)];
    expect(doneBroken.events.at(-1)).toEqual(expect.objectContaining({ event: 'failed', failureReasonType: 'missing_configuration', failureReason: expect.stringContaining('Contra accounts are not fully configured') }));
    expect(doneNext.status).toBe('completed');
    expect(await eventSettled(eventId)).toMatchObject({ status: 'SUCCEEDED' });
    const runs = await adminRuns(companyId);
    expect(runs.find((r: any) => r.jobId === broken.id)).toMatchObject({ status: 'FAILED', failureReasonType: 'missing_configuration', failureReason: expect.stringContaining('Contra accounts') });
  });

  it('F-2: a retryable failure that outlasts the attempts fails the job with the matching reason (not left in progress to expire)', async () => {
    const companyId = randomUUID();
    const job = seed(companyId, [exportItem({ companyId })]);
    world.fake.state.faults.push({ operation: 'getExportItemsV3', pathIncludes: job.id, times: 100, status: 503 });
    try {
      await trigger(job);
      const done = await finished(job.id);
      expect(done.events.map((e) => e.event)).toEqual(['started', 'failed']);
      expect(done.events[1]).toMatchObject({ failureReasonType: 'service_unreachable', failureReason: expect.stringContaining('Pleo is temporarily unavailable') });
    } finally {
      world.fake.state.faults = world.fake.state.faults.filter((f) => f.pathIncludes !== job.id);
    }
  });

  it('F-9: a job cancelled or expired while it runs is recorded with Pleo’s status, left alone, and the company’s next job runs', async () => {
    const companyId = randomUUID();
    const cancelled = seed(companyId, [exportItem({ companyId })], { createdAt: secondsAgo(90) });
    cancelled.interruptOn = { operation: 'updateExportJobItemsV3', nth: 1, reason: 'canceled_by_user' };
    const expired = seed(companyId, [exportItem({ companyId })], { createdAt: secondsAgo(60) });
    expired.interruptOn = { operation: 'getExportItemsV3', nth: 1, reason: 'job_expired' };
    const last = seed(companyId, [exportItem({ companyId })], { createdAt: secondsAgo(30) });
    await trigger(last);
    expect((await finished(last.id)).status).toBe('completed');
    expect(await runOf(cancelled.id)).toMatchObject({ status: 'FAILED', failure_reason_type: 'canceled_by_user', final_event_sent_at: null });
    expect(await runOf(expired.id)).toMatchObject({ status: 'FAILED', failure_reason_type: 'job_expired', final_event_sent_at: null });
    // No event after Pleo ended them (a second one would be refused: 422).
    expect([cancelled.events, expired.events].map((e) => e.map((x) => x.event))).toEqual([['started'], ['started']]);
  });

  it('F-11: when every item fails, the job fails with the items’ dominant reason when Pleo has a job reason of that name', async () => {
    const companyId = randomUUID();
    const job = seed(companyId, [exportItem({ companyId, account: null }), exportItem({ companyId, account: null }), exportItem({ companyId, account: '6999' })]);
    await trigger(job);
    const done = await finished(job.id);
    expect(done.events.at(-1)).toMatchObject({ event: 'failed', failureReasonType: 'missing_configuration', failureReason: 'None of the 3 item(s) could be exported; each item says why.' });
  });

  it('R3/F-5: malformed items fail alone with validation_failure (null amount, impossible date, another company, a currency without cents), an item without a uuid fails the job after the rest is booked and reported', async () => {
    const companyId = randomUUID();
    const good = exportItem({ companyId });
    const badId = { ...exportItem({ companyId }), accountingEntryId: 'not-a-uuid' };
    const nullAmount = { ...exportItem({ companyId }), amount: null };
    const badDate = { ...exportItem({ companyId }), date: '2025-13-45T00:00:00Z' };
    const foreign = exportItem({ companyId: randomUUID() });
    const yen = exportItem({ companyId, currency: 'JPY', gross: 3300, tax: null });
    const job = seed(companyId, [good, badId, nullAmount, badDate, foreign, yen]);
    await trigger(job);
    const done = await finished(job.id);
    // Pleo itself would never send these: the fake's own answers broke its spec on purpose.
    for (const call of world.fake.state.calls) call.specProblems = call.specProblems.filter((p) => !(call.path.includes(job.id) && p.startsWith('fake answer')));
    // An item without a uuid cannot be reported (Pleo takes uuids only): the job cannot complete.
    expect(done.events.at(-1)).toMatchObject({ event: 'failed', failureReasonType: 'validation_failure', failureReason: expect.stringContaining('1 item(s) without a valid accountingEntryId (not-a-uuid)') });
    expect(done.items.get('not-a-uuid')!.status).toBe('abandoned');
    expect(done.items.get(idOf(good))!.status).toBe('successful');
    const reasons = Object.fromEntries([nullAmount, badDate, foreign, yen].map((i) => [idOf(i), done.items.get(idOf(i))]));
    expect(Object.values(reasons).every((i) => i?.status === 'failed' && i.failureReasonType === 'validation_failure')).toBe(true);
    expect(reasons[idOf(nullAmount)]!.failureReason).toContain('no amount');
    expect(reasons[idOf(badDate)]!.failureReason).toContain('invalid date');
    expect(reasons[idOf(foreign)]!.failureReason).toContain("not the export job's company");
    expect(reasons[idOf(yen)]!.failureReason).toContain('JPY has 0 decimals');
    expect(await entries([idOf(good), idOf(nullAmount), idOf(badDate), idOf(foreign), idOf(yen)])).toHaveLength(1);
  });

  it('F-3: the AP vendor is found by Pleo’s externalId (ERP id) or code (ERP number); a link naming another ERP vendor is corrected', async () => {
    const companyId = randomUUID();
    const erpVendor = async (name: string) =>
      (await world.db.query(`INSERT INTO sandbox_vendors (name, name_key, currency) VALUES ($1, lower($1), 'EUR') RETURNING id, number`, [`${name} ${randomUUID().slice(0, 8)}`])).rows[0];
    const [byId, byCode, stale] = [await erpVendor('Synced by id'), await erpVendor('Synced by code'), await erpVendor('Stale')];
    const linked = { id: randomUUID(), name: 'Linked elsewhere', defaultCurrency: 'EUR', externalId: byId.id };
    await world.db.query(`INSERT INTO vendor_links (pleo_vendor_id, company_id, erp_kind, erp_vendor_id, erp_code) VALUES ($1, $2, 'sandbox', $3, $4)`, [linked.id, companyId, stale.id, stale.number]);
    const ap = (vendor: Record<string, unknown>) => exportItem({ companyId, type: 'invoice', bookkeeping: 'accounts_payable', contraAccount: null, vendor: vendor as never });
    const items = [
      ap({ id: randomUUID(), name: 'Unrelated name', defaultCurrency: 'EUR', externalId: byId.id }),
      ap({ id: randomUUID(), name: 'Unrelated name 2', defaultCurrency: 'EUR', code: byCode.number }),
      ap(linked),
    ];
    const job = seed(companyId, items, { vendorBasedBookkeeping: true });
    await trigger(job);
    expect((await finished(job.id)).status).toBe('completed');
    const rows = await entries(items.map(idOf));
    expect(items.map((i) => rows.find((r) => r.reference === idOf(i)).vendor_id)).toEqual([byId.id, byCode.id, byId.id]);
    expect((await world.db.query('SELECT erp_vendor_id FROM vendor_links WHERE pleo_vendor_id = $1', [linked.id])).rows[0].erp_vendor_id).toBe(byId.id);
  });

  it('F-4: AP books the bill and, for money that moved, the payment; invoice_payment pays the bill by its number, or fails when the ERP has no such bill', async () => {
    const companyId = randomUUID();
    const erp = (await world.db.query(`INSERT INTO sandbox_vendors (name, name_key, currency) VALUES ($1, lower($1), 'EUR') RETURNING id, number`, [`Supplier ${randomUUID().slice(0, 8)}`])).rows[0];
    const vendor = { id: randomUUID(), name: 'Supplier', defaultCurrency: 'EUR', externalId: erp.id };
    const invoiceNo = `INV-${randomUUID().slice(0, 6)}`;
    const info = (number: string) => ({ reconciliationId: `B-${number}`, invoiceInformation: { invoiceNumber: number, invoiceDate: '2026-11-01T00:00:00Z', status: 'paid' } });
    const card = exportItem({ companyId, type: 'card_purchase', bookkeeping: 'accounts_payable', vendor });
    const bill = { ...exportItem({ companyId, type: 'invoice', bookkeeping: 'accounts_payable', vendor, contraAccount: null }), additionalInformation: info(invoiceNo) };
    const pays = { ...exportItem({ companyId, type: 'invoice_payment', bookkeeping: 'accounts_payable', vendor, gross: 12500 }), additionalInformation: info(invoiceNo) };
    const orphan = { ...exportItem({ companyId, type: 'invoice_payment', bookkeeping: 'accounts_payable', vendor }), additionalInformation: info('INV-NONE') };
    const first = seed(companyId, [card, bill], { vendorBasedBookkeeping: true, createdAt: secondsAgo(60) });
    const second = seed(companyId, [pays, orphan], { vendorBasedBookkeeping: true, createdAt: secondsAgo(30) });
    await trigger(second);
    expect((await finished(first.id)).status).toBe('completed');
    const done = await finished(second.id);
    const [cardRow, billRow, payRow] = await Promise.all([card, bill, pays].map(async (i) => (await entries([idOf(i)]))[0]));
    expect(cardRow).toMatchObject({ mode: 'accounts_payable', vendor_id: erp.id });
    expect(cardRow.lines).toMatchObject({ contraAccount: '2400', payment: { account: '1910', amount: { value: '125.00' } } });
    expect(billRow.lines.payment).toBeUndefined();
    expect(payRow).toMatchObject({ mode: 'payment' });
    expect(payRow.lines).toMatchObject({ lines: [], payment: { account: '1910', appliedTo: billRow.number } });
    expect(done.items.get(idOf(orphan))).toMatchObject({ status: 'failed', failureReasonType: 'accounting_system_validation_failure', failureReason: expect.stringContaining('no bill INV-NONE') });
    const listed: any = await (await fetch(`${world.api.url}/admin/sandbox/entries?limit=1000`, { headers: admin })).json();
    expect(listed.data.find((e: any) => e.reference === idOf(card)).lines.payment).toMatchObject({ account: '1910' });
  });

  it('F-6: reverse charge carries Pleo’s tax accounts into the ERP; a netAmount that contradicts the tax type fails with both numbers', async () => {
    const companyId = randomUUID();
    const rc = exportItem({ companyId, gross: 40000, account: '6300', tax: { rate: 0.25, amount: 10000, code: 'RC25', type: 'reverse' } });
    const rcLine = (rc.accountingEntryLines as any[])[0];
    rcLine.tax = { ...rcLine.tax, ingoingTaxAccount: '5610', outgoingTaxAccount: '5620' };
    const off = exportItem({ companyId });
    (off.accountingEntryLines as any[])[0].netAmount = { inSupplierCurrency: { value: 10000, currency: 'EUR' }, inWalletCurrency: { value: 10000, currency: 'EUR' } };
    const job = seed(companyId, [rc, off]);
    await trigger(job);
    const done = await finished(job.id);
    const [row] = await entries([idOf(rc)]);
    expect(row.lines.lines[0].tax).toEqual({ code: 'RC25', mode: 'reverse', amount: { value: '100.00', currency: 'EUR' }, ingoingAccount: '5610', outgoingAccount: '5620' });
    expect(done.items.get(idOf(off))).toMatchObject({ status: 'failed', failureReasonType: 'validation_failure', failureReason: expect.stringContaining('(100.00 EUR) does not match its line amount with inclusive tax (125.00 EUR)') });
  });

  it('F-8: the poller finds a job of a company that never sent a webhook, with no PLEO_COMPANY_IDS', async () => {
    const companyId = randomUUID();
    const job = seed(companyId, [exportItem({ companyId })]);
    const polling = await startWorker({ QUEUE_PREFIX: world.prefix, PLEO_API_BASE_URL: world.fake.url, WORKER_QUEUES: 'none', ...EXPORT_ACCOUNTS });
    try {
      expect(await polling.app.get(ExportPoller).pollOnce()).toContain(companyId);
      expect(world.fake.callsTo('getExportJobsListV3').at(-1)!.path).not.toContain('company_id');
    } finally {
      await polling.close();
    }
    expect((await finished(job.id)).status).toBe('completed');
  });

  it('F-13: jobs run in time order even when Pleo writes fractional seconds; the item’s externalId is the ERP’s id', async () => {
    const companyId = randomUUID();
    const base = secondsAgo(60).replace('Z', '');
    const first = seed(companyId, [exportItem({ companyId })], { createdAt: `${base}Z` });
    const second = seed(companyId, [exportItem({ companyId })], { createdAt: `${base}.5Z` }); // "….5Z" < "…Z" as text
    await trigger(second);
    await Promise.all([finished(first.id), finished(second.id)]);
    const [a, b] = [await runOf(first.id), await runOf(second.id)];
    expect(a.finished_at.getTime()).toBeLessThanOrEqual(b.started_at.getTime());
    const [item] = first.items.keys();
    expect(first.items.get(item)!.externalId).toBe((await entries([item]))[0].id);
  });

  it('O7: a poller-started run that Pleo refuses for good fails at once (no blind retries) and is visible in the admin API', async () => {
    const companyId = randomUUID();
    const otherPrefix = uniquePrefix();
    const wrongKey = await startWorker({ QUEUE_PREFIX: otherPrefix, PLEO_API_BASE_URL: world.fake.url, PLEO_API_KEY: 'not-the-key', SYNC_MAX_ATTEMPTS: '5', ...EXPORT_ACCOUNTS });
    const queue = inspectQueue(QueueName.ExportSync, otherPrefix);
    try {
      await wrongKey.app.get(EventProducer).enqueueCompanyRun(companyId);
      const failed = await waitFor(async () => (await queue.getFailed()).find((j) => j.data.companyId === companyId), 30_000);
      expect(failed.attemptsMade).toBe(1);
      expect(failed.failedReason).toContain('Pleo refused our credentials');
      const listed: any = await (await fetch(`${world.api.url}/admin/export-jobs/company-runs?companyId=${companyId}`, { headers: admin })).json();
      expect(listed.data).toEqual([expect.objectContaining({ companyId, status: 'FAILED', attempts: 1, lastError: expect.stringContaining('Pleo refused our credentials') })]);
    } finally {
      await queue.close();
      await wrongKey.close();
      await dropQueuePrefix(otherPrefix);
    }
  });
});
