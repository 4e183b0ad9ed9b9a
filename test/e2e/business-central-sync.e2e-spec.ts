import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { API_MAIN, ROOT, Spawned, WORKER_MAIN, assertBuilt, freePort, spawnNode } from '../support/processes';
import { dropQueuePrefix, post, waitFor } from '../support/harness';
import { exportItem, exportJobWebhook } from '../support/export-items';
import { germanVatNumber } from '../support/erp-contract';
import { signedHeaders, vendorData } from '../support/sign';
import { TEST_ADMIN_TOKEN, TEST_DATABASE_URL, TEST_REDIS_URL, TEST_WEBHOOK_SECRET, uniquePrefix } from '../support/test-env';
import { BusinessCentralWorld, startBusinessCentral } from '../support/fake-business-central';

const FAKE_MAIN = path.join(ROOT, 'dist/apps/fake-pleo/src/main.js');
const FAKE_KEY = 'e2e-bc-key';
type Rec = Record<string, any>;

/**
 * The built api and worker (ERP_ADAPTER=business-central, BC_* pointing at the fake Business
 * Central) with the fake Pleo, real PostgreSQL and Redis; every check reads the fake's ledgers.
 */
describe('sync into Business Central across real processes', () => {
  const prefix = uniquePrefix();
  let bc: BusinessCentralWorld;
  let fake: Spawned;
  let api: Spawned;
  let fakeUrl: string;
  let apiUrl: string;
  let workerEnv: Record<string, string>;
  const workers: Spawned[] = [];

  const control = async (p: string, body?: unknown): Promise<any> => {
    const init = body === undefined ? undefined : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
    const text = await (await fetch(`${fakeUrl}${p}`, init)).text();
    return text ? JSON.parse(text) : undefined;
  };
  const startWorker = (env = workerEnv) => {
    const w = spawnNode(WORKER_MAIN, env);
    workers.push(w);
    return w;
  };
  const finished = (jobId: string, timeoutMs = 120_000) =>
    waitFor(async () => {
      const state = await control(`/_fake/export-jobs/${jobId}`);
      return ['completed', 'completed_with_errors', 'failed'].includes(state.data.status) ? state : undefined;
    }, timeoutMs);
  const deliver = async (job: { id: string; companyId: string }) => {
    const hook = exportJobWebhook(job);
    expect((await post(`${apiUrl}/webhooks/pleo`, hook, signedHeaders(hook))).status).toBe(202);
  };

  // the fake's state, read back
  const st = () => bc.state() as unknown as { generalLedgerEntries: Rec[]; journalLines: Rec[]; purchaseInvoices: Rec[]; vendorPayments: Rec[]; vendors: Rec[]; vendorLedger: Rec[] };
  const signed = (e: Rec) => Math.round((Number(e.debitAmount) - Number(e.creditAmount)) * 100);
  /** the G/L document a posted journal entry's externalId (gl:<id>) points at */
  const documentOf = (externalId: string) => {
    const first = st().generalLedgerEntries.find((e) => `gl:${e.id}` === externalId);
    expect(first).toBeDefined();
    return st().generalLedgerEntries.filter((e) => e.documentNumber === first!.documentNumber && e.postingDate === first!.postingDate);
  };
  const counts = () => {
    const s = st();
    return { gl: s.generalLedgerEntries.length, invoices: s.purchaseInvoices.length, payments: s.vendorLedger.filter((e) => e.documentType === 'Payment').length, vendors: s.vendors.length, attachments: bc.company.attachments.docs().length + bc.company.documentAttachments.docs().length, lines: s.journalLines.length };
  };

  beforeAll(async () => {
    assertBuilt();
    bc = await startBusinessCentral();
    const [fakePort, apiPort, filesPort] = [await freePort(), await freePort(), await freePort()];
    fakeUrl = `http://127.0.0.1:${fakePort}`;
    apiUrl = `http://127.0.0.1:${apiPort}`;
    fake = spawnNode(FAKE_MAIN, { FAKE_PLEO_PORT: String(fakePort), FAKE_PLEO_HOST: '127.0.0.1', FAKE_PLEO_API_KEY: FAKE_KEY, FAKE_PLEO_SEED_FILES: '', FAKE_PLEO_CONTROL: '1', FAKE_PLEO_FILES_PORT: String(filesPort) });
    await fake.waitForOutput(/fake Pleo listening/);
    const common = { DATABASE_URL: TEST_DATABASE_URL, REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: prefix, LOG_LEVEL: 'info' };
    api = spawnNode(API_MAIN, { ...common, PORT: String(apiPort), PLEO_WEBHOOK_SECRETS: TEST_WEBHOOK_SECRET, ADMIN_API_TOKEN: TEST_ADMIN_TOKEN });
    await api.waitForOutput(/Nest application successfully started/);
    workerEnv = {
      ...common, PLEO_API_BASE_URL: fakeUrl, RECEIPT_ALLOWED_HTTP_HOSTS: `127.0.0.1:${filesPort}`, PLEO_API_KEY: FAKE_KEY, JOB_LOCK_SECONDS: '2', SYNC_BACKOFF_BASE_SECONDS: '1', EXPORT_LOCK_TTL_SECONDS: '5',
      ERP_ADAPTER: 'business-central', ...bc.env,
      EXPORT_WALLET_ACCOUNT: '1910', EXPORT_OUT_OF_POCKET_ACCOUNT: '2890', EXPORT_CONTRA_ACCOUNT: '2990', EXPORT_AP_ACCOUNT: '2400',
    };
  }, 120_000);

  afterAll(async () => {
    await Promise.all([...workers, api, fake].filter(Boolean).map((p) => p.stop('SIGKILL')));
    await bc?.close();
    await dropQueuePrefix(prefix);
  });

  afterEach(async () => {
    expect(bc.violations()).toEqual([]); // every request matched the fake's schemas
    expect((await control('/_fake/calls')).specProblems).toEqual([]);
  });

  it('vendor → one BC vendor + activation; an export (card, out-of-pocket, AP + payment, reverse charge, tags) → posted, balanced, receipt once; the same export again → nothing twice', async () => {
    const worker = startWorker();
    await worker.waitForOutput(/processing vendor-sync/, 30_000);
    const vendor = vendorData({ taxRegistrationNumber: germanVatNumber() });
    await control('/_fake/vendors', vendor);
    const body = JSON.stringify({ data: vendor, eventType: 'v1.vendor.created', eventId: randomUUID() });
    expect((await post(`${apiUrl}/webhooks/pleo`, body, signedHeaders(body))).status).toBe(202);
    const activation = await waitFor(async () => (await control('/_fake/calls')).activations.find((a: any) => a.vendorId === vendor.id), 60_000);
    const bcVendors = st().vendors.filter((v) => v.website === `pleo:vendor:${vendor.id}`);
    expect(bcVendors).toHaveLength(1);
    expect(activation).toMatchObject({ externalId: bcVendors[0].id, code: bcVendors[0].number });
    expect(bcVendors[0]).toMatchObject({ taxRegistrationNumber: vendor.taxRegistrationNumber });

    const companyId = vendor.companyId;
    const receipt = { content: Buffer.from(`%PDF-1.4 ${randomUUID()}`).toString('base64'), type: 'application/pdf' };
    const pleoVendor = { id: vendor.id, name: vendor.name, defaultCurrency: 'EUR' };
    const items = {
      card: exportItem({ companyId, files: [receipt] }),
      outOfPocket: exportItem({ companyId, type: 'out_of_pocket', contraAccount: null, gross: 10700, tax: { rate: 0.07, amount: 700, code: 'R7' } }),
      ap: exportItem({ companyId, type: 'card_invoice', bookkeeping: 'accounts_payable', vendor: pleoVendor, account: '6110', gross: 11900, tax: { rate: 0.19, amount: 1900, code: 'S19' } }),
      reverse: exportItem({ companyId, account: '6300', gross: 10000, tax: { rate: 0.25, amount: 2500, code: 'RC25', type: 'reverse' } }),
    };
    const invoiceNumber = `INV-${randomUUID().slice(0, 6)}`;
    (items.ap.additionalInformation as any).invoiceInformation = { invoiceNumber, invoiceDate: '2026-11-19T00:00:00Z', status: 'paid' };
    const job = (await control('/_fake/export-jobs', { companyId, items: Object.values(items) })).data;
    await deliver(job);
    const done = await finished(job.id);
    const result = (item: Rec) => done.items[String(item.accountingEntryId)];
    expect(done.data.status).toBe('completed');

    const expected: [Rec, [string, number][]][] = [
      [items.card, [['1910', -12500], ['2610', 2500], ['7100', 10000]]],
      [items.outOfPocket, [['2610', 700], ['2890', -10700], ['7100', 10000]]],
      [items.reverse, [['1910', -10000], ['2610', 2500], ['2620', -2500], ['6300', 10000]]],
    ];
    for (const [item, lines] of expected) {
      expect(result(item)).toMatchObject({ status: 'successful', externalId: expect.stringMatching(/^gl:/) });
      const doc = documentOf(result(item).externalId);
      expect(doc.map((e) => [e.accountNumber, signed(e)]).sort()).toEqual(lines);
      expect(doc.reduce((s, e) => s + signed(e), 0)).toBe(0); // balanced
      expect(doc.every((e) => String(e.description).length > 0)).toBe(true);
      const expense = doc.find((e) => e.accountNumber === lines.find(([a]) => a.startsWith('6') || a.startsWith('7'))![0])!;
      expect(expense.dimensions).toEqual([{ code: 'DEPT', valueCode: 'SALES' }]); // Pleo's tag as a dimension
    }
    expect(st().journalLines).toEqual([]); // everything posted
    // the worker batches journal entries ($batch, one post per batch): card + reverse charge share
    // their contra account, out-of-pocket has its own — 2 journal posts, + 1 for the bill's payment
    expect(bc.fake.callsTo('/$batch', 'POST').length).toBeGreaterThan(0);
    expect(bc.fake.callsTo('/Microsoft.NAV.post', 'POST').filter((c) => c.path.includes('/journals(') && !c.inBatch)).toHaveLength(3);

    const bills = st().purchaseInvoices.filter((i) => i.vendorInvoiceNumber === invoiceNumber);
    expect(bills).toHaveLength(1);
    expect(bills[0]).toMatchObject({ status: 'Paid', vendorId: bcVendors[0].id });
    expect(result(items.ap)).toMatchObject({ status: 'successful', externalId: `invoice:${bills[0].id}` });
    const ledger = st().vendorLedger.filter((e) => e.documentNumber === bills[0].number);
    expect(ledger.map((e) => [e.documentType, e.amount]).sort()).toEqual([['Invoice', -119], ['Payment', 119]]);
    const billGl = st().generalLedgerEntries.filter((e) => e.documentNumber === bills[0].number);
    expect(billGl.filter((e) => e.documentType === 'Invoice').map((e) => [e.accountNumber, signed(e)]).sort()).toEqual([['2400', -11900], ['2610', 1900], ['6110', 10000]]);
    expect(billGl.find((e) => e.accountNumber === '6110')!.dimensions).toEqual([{ code: 'DEPT', valueCode: 'SALES' }]); // the bill line's tag
    expect(billGl.reduce((s, e) => s + signed(e), 0)).toBe(0);

    // the receipt: one attachment, on the card entry's posted document
    const cardDoc = documentOf(result(items.card).externalId);
    const attachments = (await (await bc.request('GET', 'attachments')).json()) as { value: Rec[] };
    const onCard = attachments.value.filter((a) => cardDoc.some((e) => e.id === a.parentId));
    expect(new Set(onCard.map((a) => a.id)).size).toBe(1);
    expect(bc.company.attachments.docs()).toHaveLength(1);
    expect(bc.company.documentAttachments.docs()).toHaveLength(0);

    // the same export delivered twice (webhook again), then exported again as a new job: nothing twice
    const before = counts();
    await deliver(job);
    const again = (await control('/_fake/export-jobs', { companyId, items: Object.values(items) })).data;
    await deliver(again);
    const redone = await finished(again.id);
    expect(redone.data.status).toBe('completed');
    for (const item of Object.values(items)) expect(redone.items[String(item.accountingEntryId)]).toMatchObject({ status: 'successful', externalId: result(item).externalId });
    await new Promise((r) => setTimeout(r, 2_000)); // let the redelivered first job settle too
    expect(counts()).toEqual(before);
    await worker.stop();
  }, 300_000);

  it('a worker SIGKILLed while BC posts the journal (lines created, post hanging): after a restart every item is posted once', async () => {
    const companyId = randomUUID();
    const items = Array.from({ length: 6 }, () => exportItem({ companyId, gross: 2500, tax: { rate: 0.25, amount: 500, code: 'S25' } }));
    const refs = items.map((i) => String(i.accountingEntryId));
    const job = (await control('/_fake/export-jobs', { companyId, items })).data;
    const env = { ...workerEnv, PLEO_COMPANY_IDS: companyId };
    const posts = () => bc.fake.callsTo('/Microsoft.NAV.post', 'POST').length;
    const postsBefore = posts();
    bc.fake.faults.push({ method: 'POST', path: '/Microsoft.NAV.post', hang: true });
    const first = startWorker(env);
    await deliver(job);
    await waitFor(async () => (posts() > postsBefore && bc.fake.faults.length === 0) || undefined, 120_000);
    await first.stop('SIGKILL');
    expect(st().journalLines.length).toBeGreaterThanOrEqual(1); // created, not posted
    const glBefore = st().generalLedgerEntries.length;

    const second = startWorker(env);
    const done = await finished(job.id, 240_000);
    expect(done.data.status).toBe('completed');
    const docs = new Set<string>();
    for (const ref of refs) {
      expect(done.items[ref]).toMatchObject({ status: 'successful', externalId: expect.stringMatching(/^gl:/) });
      const doc = documentOf(done.items[ref].externalId);
      expect(doc.map((e) => [e.accountNumber, signed(e)]).sort()).toEqual([['1910', -2500], ['2610', 500], ['7100', 2000]]); // once: not doubled
      docs.add(String(doc[0].documentNumber));
    }
    expect(docs.size).toBe(refs.length);
    expect(st().generalLedgerEntries.length - glBefore).toBe(refs.length * 3); // nothing twice in the ledger
    expect(st().journalLines).toEqual([]);
    await second.stop(); // a worker serving only that company would take (and refuse) the next test's job
  }, 360_000);

  it('a worker SIGKILLed after posting a paid bill, while adding its payment: after a restart the bill is paid once, no second bill', async () => {
    const companyId = randomUUID();
    const created = await bc.request('POST', 'vendors', { displayName: `Kill ${randomUUID().slice(0, 6)} GmbH`, currencyCode: 'EUR' });
    expect(created.status).toBe(201);
    const bcVendor = (await created.json()) as Rec;
    const item = exportItem({ companyId, type: 'card_invoice', bookkeeping: 'accounts_payable', vendor: { id: randomUUID(), name: String(bcVendor.displayName), defaultCurrency: 'EUR', externalId: String(bcVendor.id) }, account: '6110', gross: 11900, tax: { rate: 0.19, amount: 1900, code: 'S19' } });
    const invoiceNumber = `INV-${randomUUID().slice(0, 6)}`;
    (item.additionalInformation as any).invoiceInformation = { invoiceNumber, invoiceDate: '2026-11-19T00:00:00Z', status: 'paid' };
    const ref = String(item.accountingEntryId);
    const job = (await control('/_fake/export-jobs', { companyId, items: [item] })).data;
    const env = { ...workerEnv, PLEO_COMPANY_IDS: companyId };
    const bills = () => st().purchaseInvoices.filter((i) => i.vendorInvoiceNumber === invoiceNumber);
    const adds = () => bc.fake.callsTo('/vendorPayments', 'POST').length;
    const addsBefore = adds();
    bc.fake.faults.push({ method: 'POST', path: '/vendorPayments', hang: true });
    const first = startWorker(env);
    await deliver(job);
    await waitFor(async () => (adds() > addsBefore && bc.fake.faults.length === 0) || undefined, 120_000);
    await first.stop('SIGKILL');
    expect(bills().map((b) => b.status)).toEqual(['Open']); // posted, its payment never added
    expect(st().vendorPayments).toEqual([]);
    const grants = bc.fake.identity.grants[bc.clientId];

    const second = startWorker(env);
    const done = await finished(job.id, 240_000);
    expect(done.data.status).toBe('completed');
    expect(bills()).toHaveLength(1);
    expect(bills()[0].status).toBe('Paid');
    expect(done.items[ref]).toMatchObject({ status: 'successful', externalId: `invoice:${bills()[0].id}` });
    const ledger = st().vendorLedger.filter((e) => e.documentNumber === bills()[0].number);
    expect(ledger.map((e) => [e.documentType, e.amount, e.open]).sort()).toEqual([['Invoice', -119, false], ['Payment', 119, false]]);
    const gl = st().generalLedgerEntries.filter((e) => e.documentNumber === bills()[0].number);
    expect(gl.filter((e) => e.documentType === 'Payment').map((e) => [e.accountNumber, signed(e)]).sort()).toEqual([['1910', -11900], ['2400', 11900]]);
    expect(gl.reduce((s, e) => s + signed(e), 0)).toBe(0);
    // the restarted worker used the token the killed one left sealed in Redis: Entra was not asked again
    expect(bc.fake.identity.grants[bc.clientId]).toBe(grants);
    await second.stop();
  }, 360_000);
});
