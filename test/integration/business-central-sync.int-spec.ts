import { randomUUID } from 'node:crypto';
import IORedis from 'ioredis';
import { BC_RATE_LIMITS, ErpError, ExpenseEntry, RateGovernor } from '@app/erp';
import { BcFault } from '../../apps/fake-business-central/src/fake-business-central.server';
import { bcJournalEntry, eur } from '../support/journal-entries';
import { BusinessCentralWorld, bcAdapter, startBusinessCentral } from '../support/fake-business-central';
import { dropQueuePrefix } from '../support/harness';
import { TEST_REDIS_URL, uniquePrefix } from '../support/test-env';

/**
 * The Business Central adapter against the fake when things go wrong: a 504 after BC committed,
 * a process killed between creating a document and posting it, BC's 429 shared through the rate
 * governor — each time the retry books nothing twice. What was booked is read back from the
 * fake's ledgers: balanced documents, dimensions from Pleo's tags, the bill closed by its payment.
 * Every request is checked against the fake's schemas (no violations at the end).
 */
let world: BusinessCentralWorld;
const ctx = { correlationId: 'bc-sync' };

/** An adapter as a fresh worker process has it: its own token cache and lock. */
const adapter = (fetchFn: typeof fetch = fetch) => bcAdapter(world, fetchFn, 'sync');

/** fetch of a process that dies just before sending a request matching `pattern` (nothing after it is sent). */
function dyingBefore(pattern: RegExp): typeof fetch {
  let dead = false;
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const url = String(input instanceof Request ? input.url : input);
    if (dead || ((init?.method ?? 'GET') !== 'GET' && pattern.test(url))) {
      dead = true;
      throw new Error('SIGKILL');
    }
    return fetch(input, init);
  }) as typeof fetch;
}

const journal = bcJournalEntry;

async function vendorId(): Promise<string> {
  const v = await adapter().createVendor({ reference: randomUUID(), name: `Sync ${randomUUID().slice(0, 6)} GmbH`, currency: 'EUR', country: 'DE' }, ctx);
  return v.id;
}

const bill = (vendor: string, over: Partial<ExpenseEntry> = {}): ExpenseEntry =>
  journal({ mode: 'accounts_payable', kind: 'card_invoice', contraAccount: '2400', vendorId: vendor, invoice: { number: `INV-${randomUUID().slice(0, 8)}`, date: '2026-11-19' }, payment: { account: '1910', date: '2026-11-21', amount: eur('125.00') }, ...over });

type Rec = Record<string, unknown>;
/** The fake's ledgers and documents, loosely typed for reading back. */
const state = () => world.state() as unknown as { generalLedgerEntries: Rec[]; journalLines: Rec[]; purchaseInvoices: Rec[]; vendorPayments: Rec[]; vendorLedger: ReturnType<BusinessCentralWorld['state']>['vendorLedger'] };

/** The G/L entries of a document (by its document number). */
function ledgerOf(documentNumber: string) {
  return state().generalLedgerEntries.filter((e) => e.documentNumber === documentNumber);
}
const signed = (e: Rec) => Math.round((Number(e.debitAmount) - Number(e.creditAmount)) * 100) / 100;
const balance = (entries: Rec[]) => Math.round(entries.reduce((s, e) => s + signed(e), 0) * 100) / 100;

/** The journal entry was booked exactly once, balanced, with its tags as dimensions on the expense line. */
function expectJournalBookedOnce(entry: ExpenseEntry) {
  const entries = ledgerOf(entry.externalReference!);
  expect(entries.map((e) => [e.accountNumber, signed(e)]).sort()).toEqual([['1910', -125], ['2610', 25], ['7100', 100]]);
  expect(balance(entries)).toBe(0);
  expect(entries.find((e) => e.accountNumber === '7100')!.dimensions).toEqual(expect.arrayContaining([{ code: 'DEPT', valueCode: 'SALES' }, { code: 'PROJ', valueCode: 'P-7' }]));
  expect(state().journalLines.filter((l) => String(l.documentNumber) === entry.externalReference)).toEqual([]);
}

/** The bill was booked once, posted, and closed by exactly one payment; its G/L documents balance. */
function expectBillPaidOnce(entry: ExpenseEntry) {
  const st = state();
  const invoices = st.purchaseInvoices.filter((i) => i.vendorInvoiceNumber === entry.invoice!.number);
  expect(invoices).toHaveLength(1);
  expect(invoices[0].status).toBe('Paid');
  const number = String(invoices[0].number);
  // the adapter gives the payment the posted invoice's number as its Document No. (document type Payment)
  const payments = st.vendorLedger.filter((e) => e.documentType === 'Payment' && e.documentNumber === number);
  expect(payments).toHaveLength(1);
  expect(st.vendorLedger.find((e) => e.documentNumber === number)).toMatchObject({ documentType: 'Invoice', amount: -125, remainingAmount: 0, open: false });
  const invoiceGl = ledgerOf(number).filter((e) => e.documentType === 'Invoice');
  expect(invoiceGl.map((e) => [e.accountNumber, signed(e)]).sort()).toEqual([['2400', -125], ['2610', 25], ['7100', 100]]);
  expect(invoiceGl.find((e) => e.accountNumber === '7100')!.dimensions).toEqual(expect.arrayContaining([{ code: 'DEPT', valueCode: 'SALES' }, { code: 'PROJ', valueCode: 'P-7' }]));
  const paymentGl = ledgerOf(number).filter((e) => e.documentType === 'Payment');
  expect(paymentGl.map((e) => [e.accountNumber, signed(e)]).sort()).toEqual([['1910', -125], ['2400', 125]]);
  expect(st.vendorPayments).toEqual([]);
}

async function failsOnce<T>(p: Promise<T>): Promise<ErpError> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(ErpError);
  return err as ErpError;
}

beforeAll(async () => {
  world = await startBusinessCentral();
});

afterAll(async () => {
  if (world) expect(world.violations()).toEqual([]);
  await world?.close();
});

describe('Business Central: nothing twice', () => {
  it.each<[string, BcFault]>([
    ['adding the journal line', { method: 'POST', path: '/journalLines', afterCommit: '504' }],
    ['tagging the line', { method: 'POST', path: '/dimensionSetLines', afterCommit: '504' }],
    ['posting the journal', { method: 'POST', path: '/Microsoft.NAV.post', afterCommit: '504' }],
    ['posting the journal (connection dropped)', { method: 'POST', path: '/Microsoft.NAV.post', afterCommit: 'drop' }],
  ])('a 504 after BC committed %s: the retry books the entry once, balanced and tagged', async (_what, fault) => {
    const entry = journal();
    world.fake.faults.push(fault);
    const err = await failsOnce(adapter().postExpense(entry, ctx));
    expect(err.retryable).toBe(true);
    const posted = await adapter().postExpense(entry, ctx);
    expect(await adapter().postExpense(entry, ctx)).toEqual(posted);
    expectJournalBookedOnce(entry);
  });

  it.each<[string, BcFault]>([
    ['creating the purchase invoice', { method: 'POST', path: '/purchaseInvoices', afterCommit: '504' }],
    ['tagging a line of the purchase invoice', { method: 'POST', path: '/dimensionSetLines', afterCommit: '504' }],
    ['posting the purchase invoice', { method: 'POST', path: '/Microsoft.NAV.post', afterCommit: '504' }],
    ['adding the vendor payment', { method: 'POST', path: '/vendorPayments', afterCommit: '504' }],
    ['posting the payment journal', { method: 'POST', path: '/journals(', afterCommit: '504' }],
  ])('a 504 after BC committed %s: the retry books the bill (tagged) and its payment once', async (_what, fault) => {
    const entry = bill(await vendorId());
    world.fake.faults.push(fault);
    await failsOnce(adapter().postExpense(entry, ctx));
    const posted = await adapter().postExpense(entry, ctx);
    expect(posted.paymentId).toBeTruthy();
    expect(await adapter().postExpense(entry, ctx)).toEqual(posted);
    expect(await adapter().findPostedExpense(entry.reference, ctx)).toEqual(posted);
    expectBillPaidOnce(entry);
  });

  it('a worker killed after creating the journal lines, before posting: the next one reuses them and posts once', async () => {
    const entry = journal();
    await failsOnce(adapter(dyingBefore(/\/journals\([^)]*\)\/Microsoft\.NAV\.post$/)).postExpense(entry, ctx));
    expect(state().journalLines.filter((l) => l.documentNumber === entry.externalReference)).toHaveLength(1);
    expect(ledgerOf(entry.externalReference!)).toEqual([]);
    expect(await adapter().findPostedExpense(entry.reference, ctx)).toBeNull(); // lines are not a booking
    await adapter().postExpense(entry, ctx);
    expectJournalBookedOnce(entry);
  });

  it('a worker killed before posting the draft invoice, or before posting its payment: the next one finishes, once', async () => {
    const first = bill(await vendorId());
    await failsOnce(adapter(dyingBefore(/\/purchaseInvoices\([^)]*\)\/Microsoft\.NAV\.post$/)).postExpense(first, ctx));
    expect(state().purchaseInvoices.filter((i) => i.vendorInvoiceNumber === first.invoice!.number).map((i) => i.status)).toEqual(['Draft']);
    expect(await adapter().findPostedExpense(first.reference, ctx)).toBeNull(); // a draft is not a booking
    await adapter().postExpense(first, ctx);
    expectBillPaidOnce(first);

    const second = bill(await vendorId());
    await failsOnce(adapter(dyingBefore(/\/journals\([^)]*\)\/Microsoft\.NAV\.post$/)).postExpense(second, ctx));
    expect(state().vendorPayments).toHaveLength(1);
    expect(await adapter().findPostedExpense(second.reference, ctx)).toBeNull(); // its payment waits unposted
    await adapter().postExpense(second, ctx);
    expectBillPaidOnce(second);
  });

  it('a worker killed after posting the bill, before adding its payment: not finished; the retry pays the posted bill once, no second bill', async () => {
    const entry = bill(await vendorId());
    await failsOnce(adapter(dyingBefore(/\/vendorPayments$/)).postExpense(entry, ctx));
    const invoices = () => state().purchaseInvoices.filter((i) => i.vendorInvoiceNumber === entry.invoice!.number);
    expect(invoices().map((i) => i.status)).toEqual(['Open']); // posted, unpaid
    expect(state().vendorPayments).toEqual([]);
    expect(await adapter().findPostedExpense(entry.reference, ctx)).toBeNull(); // a paid bill without its payment is not a booking
    const posted = await adapter().postExpense(entry, ctx);
    expect(posted).toMatchObject({ id: `invoice:${String(invoices()[0].id)}`, paymentId: expect.stringMatching(/^gl:/) });
    expect(await adapter().findPostedExpense(entry.reference, ctx)).toEqual(posted);
    expect(await adapter().postExpense(entry, ctx)).toEqual(posted);
    expectBillPaidOnce(entry);
  });

  it('the payment posted but its read-back failed: the retry finds the payment instead of paying again', async () => {
    const entry = bill(await vendorId());
    // the 2nd look-up of the payment's G/L entries is the read-back after the payment journal was posted
    let seen = 0;
    const readBackFails = (async (input: string | URL | Request, init?: RequestInit) => {
      const url = String(input instanceof Request ? input.url : input);
      if ((init?.method ?? 'GET') === 'GET' && /\/generalLedgerEntries\?/.test(url) && decodeURIComponent(url).includes('[P:') && ++seen === 2) throw new TypeError('fetch failed');
      return fetch(input, init);
    }) as typeof fetch;
    await failsOnce(adapter(readBackFails).postExpense(entry, ctx));
    expect(seen).toBe(2);
    expect(state().purchaseInvoices.filter((i) => i.vendorInvoiceNumber === entry.invoice!.number).map((i) => i.status)).toEqual(['Paid']);
    const found = await adapter().findPostedExpense(entry.reference, ctx);
    expect(found?.paymentId).toMatch(/^gl:/);
    expect(await adapter().postExpense(entry, ctx)).toEqual(found);
    expectBillPaidOnce(entry);
  });

  it.each<[string, BcFault]>([
    ['creating the attachment', { method: 'POST', path: '/documentAttachments', afterCommit: '504' }],
    ['uploading its content', { method: 'PATCH', path: '/attachmentContent', afterCommit: '504' }],
  ])("a bill's receipt, with a 504 after BC committed %s: attached once, with its bytes, however often it is sent", async (_what, fault) => {
    const posted = await adapter().postExpense(bill(await vendorId()), ctx);
    const invoiceId = posted.id.replace(/^invoice:/, '');
    const file = { fileName: 'receipt.pdf', mimeType: 'application/pdf', content: Buffer.from(`%PDF-1.4 ${randomUUID()}`) };
    world.fake.faults.push(fault);
    expect((await failsOnce(adapter().attachFile(posted.id, file, ctx))).retryable).toBe(true);
    await adapter().attachFile(posted.id, file, ctx);
    await adapter().attachFile(posted.id, { ...file, fileName: 'same-again.pdf' }, ctx);
    const onBill = world.company.documentAttachments.docs().filter((a) => a.parentId === invoiceId);
    expect(onBill.map((a) => a.parentType)).toEqual(['Purchase Invoice']);
    expect(world.company.attachmentContent.get(String(onBill[0].id))).toEqual(file.content);
    await adapter().attachFile(posted.id, { ...file, content: Buffer.from(`%PDF-1.4 other ${randomUUID()}`) }, ctx);
    expect(world.company.documentAttachments.docs().filter((a) => a.parentId === invoiceId)).toHaveLength(2);
  });

  it('reverse charge: self-assessed VAT booked in and out, the entry balances at the net paid', async () => {
    const entry = journal({ total: eur('100.00'), lines: [{ account: '6300', net: eur('100.00'), tax: { code: 'RC25', mode: 'reverse', amount: eur('25.00') } }] });
    await adapter().postExpense(entry, ctx);
    const entries = ledgerOf(entry.externalReference!);
    expect(entries.map((e) => [e.accountNumber, signed(e)]).sort()).toEqual([['1910', -100], ['2610', 25], ['2620', -25], ['6300', 100]]);
    expect(balance(entries)).toBe(0);
  });
});

describe("Business Central: BC's 429 pauses the connection for every worker, then it resumes", () => {
  const prefix = uniquePrefix();
  let redis: IORedis;
  beforeAll(() => {
    redis = new IORedis(TEST_REDIS_URL);
  });
  afterAll(async () => {
    await redis.quit();
    await dropQueuePrefix(prefix);
  });

  it('429 with Retry-After longer than an inline wait: rate_limited, another worker sends nothing until it passes, then the entry is booked once', async () => {
    const key = `business-central:${randomUUID()}`;
    const one = adapter(new RateGovernor(redis, { prefix }).fetchFor(key, BC_RATE_LIMITS));
    const other = adapter(new RateGovernor(redis, { prefix }).fetchFor(key, BC_RATE_LIMITS));
    const entry = journal();
    world.fake.faults.push({ method: 'POST', path: '/journalLines', status: 429, retryAfterSeconds: 3 });
    const limited = await failsOnce(one.postExpense(entry, ctx));
    expect(limited).toMatchObject({ kind: 'rate_limited', retryable: true });
    expect(limited.retryAfterMs).toBeGreaterThanOrEqual(2_000);
    const sent = world.fake.calls.length;
    const paused = await failsOnce(other.postExpense(entry, ctx));
    expect(paused).toMatchObject({ kind: 'rate_limited' });
    expect(world.fake.calls.length).toBe(sent); // the pause is shared: nothing reached BC
    await new Promise((r) => setTimeout(r, paused.retryAfterMs! + 100));
    await other.postExpense(entry, ctx);
    expectJournalBookedOnce(entry);
  });

  it('429 without Retry-After: a short back-off inside the call, then it goes through', async () => {
    const key = `business-central:${randomUUID()}`;
    const erp = adapter(new RateGovernor(redis, { prefix, default429PauseMs: 1_000 }).fetchFor(key, BC_RATE_LIMITS));
    const entry = journal();
    world.fake.faults.push({ method: 'POST', path: '/journalLines', status: 429, retryAfterSeconds: null });
    const before = world.fake.calls.filter((c) => c.status === 429).length;
    await erp.postExpense(entry, ctx);
    expect(world.fake.calls.filter((c) => c.status === 429).length).toBe(before + 1);
    expectJournalBookedOnce(entry);
  });
});
