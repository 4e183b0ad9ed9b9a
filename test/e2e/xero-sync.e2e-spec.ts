import { randomBytes, randomUUID } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, Spawned, WORKER_MAIN, assertBuilt, freePort, spawnNode } from '../support/processes';
import { controlClient, killAll, processEnv, spawnApi } from '../support/e2e-processes';
import { FakePleoProcess, spawnFakePleo } from '../support/fake-pleo-process';
import { dropQueuePrefix, post, waitFor } from '../support/harness';
import { exportItem, exportJobWebhook } from '../support/export-items';
import { signedHeaders, vendorData } from '../support/sign';
import { uniquePrefix } from '../support/test-env';

const FAKE_XERO_MAIN = path.join(ROOT, 'dist/apps/fake-xero/src/main.js');
const FAKE_KEY = 'e2e-xero-key';
type Doc = Record<string, any>;
const GBP = 'GBP';

/**
 * The built api and worker with ERP_ADAPTER=xero against the fake Xero process (Xero's limits on,
 * every request checked against Xero's spec) and the fake Pleo process. Every check reads the fake
 * Xero's documents, never our ledger.
 */
describe('sync into Xero (the fake Xero) across real processes', () => {
  const prefix = uniquePrefix();
  let pleo: FakePleoProcess;
  let xeroProcess: Spawned;
  let api: Spawned;
  let apiUrl: string;
  let xero: { url: string; apiUrl: string; tenantId: string; clientId: string; refreshToken: string };
  let workerEnv: Record<string, string>;
  const workers: Spawned[] = [];

  const pleoControl = (p: string, body?: unknown) => pleo.control(p, body);
  let xeroControl: ReturnType<typeof controlClient>;
  const xeroState = (): Promise<{ contacts: Doc[]; bankTransactions: Doc[]; invoices: Doc[]; payments: Doc[]; manualJournals: Doc[]; attachments: Record<string, Doc[]> }> => xeroControl('/_fake/state');
  const tagged = (ref: string) => (d: Doc) => String(d.Reference ?? d.Narration ?? '').includes(`pleo:${ref}`);
  /** every Xero document that carries this entry's reference */
  const documentsOf = async (ref: string) => {
    const s = await xeroState();
    return { spend: s.bankTransactions.filter(tagged(ref)), bills: s.invoices.filter(tagged(ref)), journals: s.manualJournals.filter(tagged(ref)), payments: s.payments.filter(tagged(ref)), attachments: s.attachments };
  };
  const startWorker = (env = workerEnv) => {
    const w = spawnNode(WORKER_MAIN, env);
    workers.push(w);
    return w;
  };
  const finished = (jobId: string, timeoutMs = 180_000) => pleo.finished(jobId, timeoutMs);
  /** accepted (202), or acknowledged as one already received (200) */
  const sendWebhook = async (body: string) => expect([200, 202]).toContain((await post(`${apiUrl}/webhooks/pleo`, body, signedHeaders(body))).status);
  const seedJob = async (companyId: string, items: Record<string, unknown>[]) => (await pleoControl('/_fake/export-jobs', { companyId, items })).data;
  const plain = (companyId: string, n: number) => Array.from({ length: n }, () => exportItem({ companyId, currency: GBP, gross: 1200, contraAccount: '090', account: '429', tax: { rate: 0.2, amount: 200, code: 'INPUT2' }, tags: [] }));
  /** each reference booked exactly once in Xero (one document per entry) */
  const expectBookedOnce = async (refs: string[]) => {
    const s = await xeroState();
    for (const ref of refs) {
      const docs = [...s.bankTransactions, ...s.invoices, ...s.manualJournals].filter(tagged(ref));
      expect({ ref, count: docs.length }).toEqual({ ref, count: 1 });
    }
  };

  beforeAll(async () => {
    assertBuilt();
    const xeroPort = await freePort();
    xeroControl = controlClient(`http://127.0.0.1:${xeroPort}`);
    xeroProcess = spawnNode(FAKE_XERO_MAIN, { FAKE_XERO_PORT: String(xeroPort), FAKE_XERO_HOST: '127.0.0.1', FAKE_XERO_CONTROL: '1' });
    [pleo] = await Promise.all([spawnFakePleo(FAKE_KEY), xeroProcess.waitForOutput(/fake Xero listening/)]);
    xero = JSON.parse(xeroProcess.stdout().split('\n').find((l) => l.includes('fake Xero listening'))!);
    ({ url: apiUrl, process: api } = await spawnApi(processEnv(prefix)));
    workerEnv = {
      ...processEnv(prefix), PLEO_API_BASE_URL: pleo.url, RECEIPT_ALLOWED_HTTP_HOSTS: `127.0.0.1:${pleo.filesPort}`, PLEO_API_KEY: FAKE_KEY, JOB_LOCK_SECONDS: '2', SYNC_BACKOFF_BASE_SECONDS: '1', EXPORT_LOCK_TTL_SECONDS: '5',
      ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      ERP_ADAPTER: 'xero', XERO_CLIENT_ID: xero.clientId, XERO_CLIENT_SECRET: 'fake-xero-secret', XERO_REFRESH_TOKEN: xero.refreshToken, XERO_TENANT_ID: xero.tenantId,
      XERO_API_BASE_URL: xero.apiUrl, XERO_IDENTITY_URL: xero.url,
      // the fake organisation's chart: 090 the Pleo GBP bank account, 814 employee reimbursements, 800 accounts payable
      EXPORT_WALLET_ACCOUNT: '090', EXPORT_OUT_OF_POCKET_ACCOUNT: '814', EXPORT_CONTRA_ACCOUNT: '090', EXPORT_AP_ACCOUNT: '800',
    };
  }, 120_000);

  afterAll(async () => {
    await killAll([...workers, api, pleo?.process, xeroProcess]);
    await dropQueuePrefix(prefix);
  });

  afterEach(async () => {
    expect((await xeroControl('/_fake/calls')).specProblems).toEqual([]);
    expect((await pleoControl('/_fake/calls')).specProblems).toEqual([]);
    for (const w of workers.splice(0)) {
      await w.stop('SIGKILL');
      // E2E_LOG_DIR: keep the workers' logs for a failing run
      if (process.env.E2E_LOG_DIR) appendFileSync(path.join(process.env.E2E_LOG_DIR, 'xero-worker.log'), w.stdout() + w.stderr());
    }
  });

  it('vendor webhook (twice) → one Xero contact, activated in Pleo with its ContactID and ContactNumber; an export (card, out-of-pocket, AP + payment, reverse charge, tags, an unknown tag) twice → the right documents, once', async () => {
    const worker = startWorker();
    await worker.waitForOutput(/processing vendor-sync/, 30_000);
    const companyId = randomUUID();
    const vendor = vendorData({ companyId, defaultCurrency: GBP, country: 'GB', taxRegistrationNumber: `GB${String(Math.floor(1e8 + Math.random() * 9e8))}` });
    await pleoControl('/_fake/vendors', vendor);
    const webhook = JSON.stringify({ data: vendor, eventType: 'v1.vendor.created', eventId: randomUUID() });
    await sendWebhook(webhook);
    await sendWebhook(webhook); // the same webhook twice
    const activation = await waitFor(async () => (await pleoControl('/_fake/calls')).activations.find((a: any) => a.vendorId === vendor.id), 60_000);
    await sendWebhook(webhook); // and a late redelivery
    const contacts = (await xeroState()).contacts.filter((c) => c.Name === vendor.name || String(c.ContactNumber ?? '').includes(vendor.id));
    expect(contacts).toHaveLength(1);
    expect(contacts[0]).toMatchObject({ Name: vendor.name, TaxNumber: vendor.taxRegistrationNumber });
    expect(activation).toMatchObject({ externalId: contacts[0].ContactID, code: contacts[0].ContactNumber });

    const receipt = { content: Buffer.from(`%PDF-1.4 ${randomUUID()}`).toString('base64'), type: 'application/pdf' };
    const inclusive20 = (gross: number) => ({ rate: 0.2, amount: gross / 6, code: 'INPUT2' });
    const items = {
      card: exportItem({ companyId, currency: GBP, gross: 12000, contraAccount: '090', account: '493', tax: inclusive20(12000), tags: [{ groupCode: 'Department', code: 'Sales' }], files: [receipt] }),
      outOfPocket: exportItem({ companyId, currency: GBP, type: 'out_of_pocket', contraAccount: null, gross: 6000, account: '429', tax: inclusive20(6000), tags: [{ groupCode: 'Department', code: 'Engineering' }] }),
      ap: exportItem({ companyId, currency: GBP, type: 'card_invoice', bookkeeping: 'accounts_payable', contraAccount: '090', vendor: { id: vendor.id, name: vendor.name, defaultCurrency: GBP }, account: '463', gross: 24000, tax: inclusive20(24000), tags: [] }),
      reverse: exportItem({ companyId, currency: GBP, gross: 10000, contraAccount: '090', account: '463', tax: { rate: 0.2, amount: 2000, code: 'REVERSECHARGES', type: 'reverse' }, tags: [] }),
      unknownTag: exportItem({ companyId, currency: GBP, gross: 1200, contraAccount: '090', account: '429', tax: inclusive20(1200), tags: [{ groupCode: 'Department', code: 'Legal' }] }),
    };
    const invoiceNumber = `INV-${randomUUID().slice(0, 6)}`;
    (items.ap.additionalInformation as any).invoiceInformation = { invoiceNumber, invoiceDate: '2026-11-19T00:00:00Z', dueDate: '2026-12-19T00:00:00Z', status: 'paid' };
    // Xero keeps no Reference on a bill (ACCREC only): the bill is the one with the vendor's invoice number
    const billsOf = async () => (await xeroState()).invoices.filter((i) => i.InvoiceNumber === invoiceNumber);
    const ref = (item: Record<string, unknown>) => String(item.accountingEntryId);
    const job = await seedJob(companyId, Object.values(items));
    await sendWebhook(exportJobWebhook(job));
    const done = await finished(job.id);

    expect(done.data.status).toBe('completed_with_errors');
    expect(done.items[ref(items.unknownTag)]).toMatchObject({ status: 'failed', failureReason: expect.stringContaining('Legal') });
    const card = await documentsOf(ref(items.card));
    expect(card.spend).toHaveLength(1);
    expect(card.spend[0]).toMatchObject({ Type: 'SPEND', BankAccount: expect.objectContaining({ Code: '090' }), Total: 120, LineItems: [expect.objectContaining({ AccountCode: '493', TaxType: 'INPUT2', Tracking: [expect.objectContaining({ Name: 'Department', Option: 'Sales' })] })] });
    expect(card.spend[0].SubTotal + card.spend[0].TotalTax).toBeCloseTo(card.spend[0].Total, 2);
    expect(card.attachments[card.spend[0].BankTransactionID]).toHaveLength(1);
    expect(done.items[ref(items.card)]).toMatchObject({ status: 'successful', externalId: `spend:${card.spend[0].BankTransactionID}` });

    const oop = await documentsOf(ref(items.outOfPocket));
    expect(oop.journals).toHaveLength(1);
    const lines = oop.journals[0].JournalLines as Doc[];
    expect(lines.reduce((sum, l) => sum + Math.round(Number(l.LineAmount) * 100), 0)).toBe(0); // balanced
    expect(lines).toEqual(expect.arrayContaining([expect.objectContaining({ AccountCode: '814', LineAmount: -60 }), expect.objectContaining({ AccountCode: '429', Tracking: [expect.objectContaining({ Option: 'Engineering' })] })]));

    for (const item of [items.card, items.outOfPocket, items.ap, items.reverse]) expect(done.items[ref(item)]).toMatchObject({ status: 'successful' });
    const ap = { ...(await documentsOf(ref(items.ap))), bills: await billsOf() };
    expect(ap.bills).toHaveLength(1);
    expect(done.items[ref(items.ap)]).toMatchObject({ externalId: `bill:${ap.bills[0].InvoiceID}` });
    expect(ap.bills[0]).toMatchObject({ Type: 'ACCPAY', Contact: expect.objectContaining({ ContactID: contacts[0].ContactID }), Total: 240, Status: 'PAID' });
    expect(ap.payments).toHaveLength(1);
    expect(ap.payments[0]).toMatchObject({ Amount: 240, Account: expect.objectContaining({ Code: '090' }) });

    const reverse = await documentsOf(ref(items.reverse));
    expect(reverse.spend).toHaveLength(1);
    expect(reverse.spend[0]).toMatchObject({ Total: 100, LineItems: [expect.objectContaining({ TaxType: 'REVERSECHARGES' })] }); // self-assessed: not part of the total
    expect(await documentsOf(ref(items.unknownTag))).toMatchObject({ spend: [], journals: [], bills: [] });

    // the same export once more: nothing booked or attached twice
    const again = await seedJob(companyId, Object.values(items));
    await sendWebhook(exportJobWebhook(again));
    expect((await finished(again.id)).data.status).toBe('completed_with_errors');
    await expectBookedOnce([items.card, items.outOfPocket, items.reverse].map(ref));
    expect(await billsOf()).toHaveLength(1);
    expect((await documentsOf(ref(items.ap))).payments).toHaveLength(1);
    expect((await xeroState()).attachments[card.spend[0].BankTransactionID]).toHaveLength(1);
  }, 300_000);

  it('a batch write that commits and then drops the connection → reconciled by reference, nothing twice', async () => {
    const companyId = randomUUID();
    const items = plain(companyId, 6);
    const refs = items.map((i) => String(i.accountingEntryId));
    await xeroControl('/_fake/faults', { operationId: 'createBankTransactions', dropAfterCommit: true, times: 1 });
    const job = await seedJob(companyId, items);
    startWorker({ ...workerEnv, PLEO_COMPANY_IDS: companyId });
    await sendWebhook(exportJobWebhook(job));
    const done = await finished(job.id);
    expect(done.data.status).toBe('completed');
    await expectBookedOnce(refs);
    const writes = (await xeroControl('/_fake/calls')).calls.filter((c: any) => c.operationId === 'createBankTransactions' && c.path.includes('summarizeErrors'));
    expect(writes.length).toBeGreaterThanOrEqual(1);
  }, 240_000);

  it.each(['minute', 'day', 'concurrent'] as const)('a 429 (%s limit) pauses the export and it resumes: no item fails for it', async (problem) => {
    const companyId = randomUUID();
    const items = plain(companyId, 4);
    await xeroControl('/_fake/faults', { operationId: 'createBankTransactions', status: 429, problem, retryAfterSeconds: 2, times: 1 });
    const job = await seedJob(companyId, items);
    startWorker({ ...workerEnv, PLEO_COMPANY_IDS: companyId });
    await sendWebhook(exportJobWebhook(job));
    const done = await finished(job.id, 90_000);
    expect(done.data.status).toBe('completed');
    expect(Object.values(done.items).every((i: any) => i.status === 'successful')).toBe(true);
    const refused = (await xeroControl('/_fake/calls')).calls.filter((c: any) => c.operationId === 'createBankTransactions' && c.status === 429);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    await expectBookedOnce(items.map((i) => String(i.accountingEntryId)));
  }, 240_000);

  // (a restart with the same XERO_REFRESH_TOKEN keeps the rotated chain: test/integration/xero-limits-tokens.int-spec.ts)
  it('refresh-token rotation across two worker processes → one refresh, no invalid_grant', async () => {
    // a new first link: a new chain in PostgreSQL
    const { refresh_token: seed } = await xeroControl('/_fake/refresh-tokens', { clientId: xero.clientId });
    const env = { ...workerEnv, XERO_REFRESH_TOKEN: seed };
    const refreshes = async () => (await xeroControl('/_fake/calls')).grants.filter((g: any) => g.type === 'refresh_token').length;
    const before = await refreshes();
    const [a, b] = [startWorker(env), startWorker(env)];
    await Promise.all([a.waitForOutput(/processing vendor-sync/, 30_000), b.waitForOutput(/processing vendor-sync/, 30_000)]);
    const companyId = randomUUID();
    const vendors = Array.from({ length: 8 }, () => vendorData({ companyId, defaultCurrency: GBP }));
    for (const v of vendors) await pleoControl('/_fake/vendors', v);
    await Promise.all(vendors.map((v) => sendWebhook(JSON.stringify({ data: v, eventType: 'v1.vendor.created', eventId: randomUUID() }))));
    await waitFor(async () => {
      const activated = (await pleoControl('/_fake/calls')).activations.filter((x: any) => vendors.some((v) => v.id === x.vendorId));
      return activated.length === vendors.length || undefined;
    }, 120_000);
    expect(await refreshes()).toBe(before + 1);
    // stopped first: log lines are written in buffered chunks (issue #14), all of them by the exit
    await Promise.all([a.stop('SIGTERM'), b.stop('SIGTERM')]);
    for (const w of [a, b]) expect(w.stdout() + w.stderr()).not.toMatch(/invalid_grant|needs to be reconnected/);
    // the chain now in use started from this first link: later workers are configured with it (an
    // older first link would start a new chain from a token Xero has already rotated away)
    workerEnv.XERO_REFRESH_TOKEN = seed;

  }, 300_000);

  // last: with an earlier version of this test before them, the tests after it stalled on the same
  // connection (not investigated further; a killed worker leaves its rate-governor lease until it expires)
  it('a worker SIGKILLed mid-batch: after a restart every item is in Xero once', async () => {
    const companyId = randomUUID();
    const items = plain(companyId, 60);
    const refs = items.map((i) => String(i.accountingEntryId));
    const job = await seedJob(companyId, items);
    // every batch write answers slowly, so the kill lands while one is in flight
    await xeroControl('/_fake/latency', { ms: 1500 });
    const env = { ...workerEnv, PLEO_COMPANY_IDS: companyId, EXPORT_BATCH_SIZE: '10' };
    const first = startWorker(env);
    const bookedNow = async () => (await xeroState()).bankTransactions.filter((d) => refs.some((r) => tagged(r)(d))).length;
    await waitFor(async () => (await bookedNow()) >= 10, 120_000); // the first batch is in Xero
    await first.stop('SIGKILL');
    const booked = await bookedNow();
    expect(booked).toBeLessThan(items.length); // killed mid-job
    await xeroControl('/_fake/latency', { ms: 0 });

    startWorker(env);
    const done = await finished(job.id, 240_000);
    expect(done.data.status).toBe('completed');
    await expectBookedOnce(refs);
  }, 300_000);
});
