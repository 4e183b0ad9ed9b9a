import { randomUUID } from 'node:crypto';
import { ErpError, ExpenseEntry } from '@app/erp';
import { startXeroWorld, XeroWorld } from '../support/fake-xero';

const ctx = { correlationId: 'test' };

function spendEntry(over: Partial<ExpenseEntry> = {}): ExpenseEntry {
  return {
    reference: `ae-${randomUUID()}`,
    externalReference: 'BOOK-1',
    mode: 'journal',
    state: 'posted',
    date: '2026-05-01',
    description: 'Taxi to the airport',
    total: { value: '120.00', currency: 'GBP' },
    contraAccount: '090',
    lines: [{ account: '493', net: { value: '100.00', currency: 'GBP' }, tax: { code: 'INPUT2', amount: { value: '20.00', currency: 'GBP' }, mode: 'inclusive' }, dimensions: [{ group: 'Department', value: 'Sales' }] }],
    ...over,
  };
}

async function rejection(p: Promise<unknown>): Promise<ErpError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ErpError);
  return err as ErpError;
}

/** The Xero adapter against the fake Xero (every request checked against Xero's spec) and the real PostgreSQL. */
describe('Xero adapter against the fake Xero', () => {
  let world: XeroWorld;

  beforeAll(async () => {
    // this file makes more than Xero's 60 calls a minute; the limits have their own tests
    world = await startXeroWorld({ limits: { perMinute: 10_000 } });
  }, 60_000);

  afterAll(() => world.close());

  afterEach(() => {
    expect(world.fake.specProblems()).toEqual([]);
  });

  it('creates a vendor as a contact and finds it by id, code, reference, tax number and name; a same-name contact with another tax number is a conflict', async () => {
    const { adapter } = world.adapter();
    const reference = randomUUID();
    const vendor = await adapter.createVendor({ reference, name: 'Acme GmbH', currency: 'EUR', country: 'DE', taxNumber: 'DE123456789' }, ctx);
    expect(vendor).toMatchObject({ code: reference, reference, name: 'Acme GmbH', taxNumber: 'DE123456789' });
    for (const query of [{ id: vendor.id }, { code: reference }, { reference }, { taxNumber: 'DE123456789' }, { name: 'Acme GmbH' }]) {
      expect(await adapter.findVendor(query, ctx)).toEqual(vendor);
    }
    expect(await adapter.findVendor({ reference: randomUUID() }, ctx)).toBeNull();
    const conflict = await rejection(adapter.findVendor({ name: 'Acme GmbH', taxNumber: 'DE999999999' }, ctx));
    expect(conflict.kind).toBe('conflict');
    expect(conflict.message).toContain('Acme GmbH');
    const duplicate = await rejection(adapter.createVendor({ reference: randomUUID(), name: 'Acme GmbH', currency: 'EUR' }, ctx));
    expect(duplicate.kind).toBe('conflict');
    expect(world.org.contacts.size).toBe(1);
    const currency = await rejection(adapter.createVendor({ reference: randomUUID(), name: 'Yen Ltd', currency: 'JPY' }, ctx));
    expect(currency).toMatchObject({ kind: 'validation' });
    expect(currency.message).toContain('not subscribed to currency JPY');
  });

  it('reads many contacts by ContactID in one call (IDs); unknown ids and ones that are not ContactIDs are left out', async () => {
    const { adapter } = world.adapter();
    const vendors = await Promise.all([1, 2, 3].map((n) => adapter.createVendor({ reference: randomUUID(), name: `Bulk Supplier ${n} ${randomUUID().slice(0, 6)}`, currency: 'GBP' }, ctx)));
    const before = world.fake.callsTo('getContacts').length;
    const found = await adapter.findVendorsByIds([...vendors.map((v) => v.id), randomUUID(), 'not-a-contact-id', vendors[0].id], ctx);
    expect(world.fake.callsTo('getContacts').length - before).toBe(1);
    expect([...found.keys()].sort()).toEqual(vendors.map((v) => v.id).sort());
    for (const v of vendors) expect(found.get(v.id)).toEqual(v);
  });

  it('books card spend as spend money on the bank account, with tax and tracking per line, and attaches a receipt once', async () => {
    const { adapter } = world.adapter();
    const entry = spendEntry();
    const posted = await adapter.postExpense(entry, ctx);
    expect(posted.id).toMatch(/^spend:/);
    const doc = world.org.bankTransactions.get(posted.id.slice('spend:'.length))!;
    expect(doc).toMatchObject({ Type: 'SPEND', BankAccount: { Code: '090' }, Total: 120, TotalTax: 20, LineAmountTypes: 'Inclusive', Reference: `BOOK-1 pleo:${entry.reference}` });
    expect((doc.LineItems as { Tracking: unknown }[])[0].Tracking).toEqual([{ Name: 'Department', Option: 'Sales' }]);

    const receipt = { fileName: 'receipt.pdf', mimeType: 'application/pdf', content: Buffer.from('%PDF-1.4 receipt') };
    await adapter.attachFile(posted.id, receipt, ctx);
    await adapter.attachFile(posted.id, receipt, ctx);
    const files = world.org.attachments.get(doc.BankTransactionID as string)!;
    expect(files).toHaveLength(1);
    expect(files[0]).toMatchObject({ MimeType: 'application/pdf' });
    expect(files[0].content.equals(receipt.content)).toBe(true);
    expect(await adapter.findPostedExpense(entry.reference, ctx)).toEqual(posted);
  });

  it('books a non-bank contra as a balanced manual journal, and a bill with its payment (paid) and a later payment-only entry', async () => {
    const { adapter } = world.adapter();
    const journal = await adapter.postExpense(spendEntry({ contraAccount: '814', state: 'draft' }), ctx);
    const mj = world.org.manualJournals.get(journal.id.slice('journal:'.length))!;
    expect(mj).toMatchObject({ Status: 'DRAFT' });
    expect((mj.JournalLines as { LineAmount: number }[]).reduce((s, l) => s + l.LineAmount, 0)).toBe(0);

    const vendor = await adapter.createVendor({ reference: randomUUID(), name: `Supplier ${randomUUID()}`, currency: 'GBP' }, ctx);
    const ap = spendEntry({ mode: 'accounts_payable', vendorId: vendor.id, contraAccount: '800', invoice: { number: 'INV-77', date: '2026-05-01', dueDate: '2026-05-31' }, payment: { account: '090', date: '2026-05-02', amount: { value: '120.00', currency: 'GBP' } } });
    const booked = await adapter.postExpense(ap, ctx);
    expect(booked.paymentId).toBeDefined();
    const invoice = world.org.invoices.get(booked.id.slice('bill:'.length))!;
    expect(invoice).toMatchObject({ Type: 'ACCPAY', InvoiceNumber: 'INV-77', DueDate: '2026-05-31', Status: 'PAID', AmountDue: 0 });
    // a retry of the same entry books nothing more
    expect(await adapter.postExpense(ap, ctx)).toEqual(booked);
    expect(world.org.payments.size).toBe(1);

    const unpaid = spendEntry({ mode: 'accounts_payable', vendorId: vendor.id, contraAccount: '800', invoice: { number: 'INV-78', dueDate: '2026-06-30' } });
    await adapter.postExpense(unpaid, ctx);
    const payOnly = spendEntry({ mode: 'accounts_payable', vendorId: vendor.id, lines: [], contraAccount: '800', invoice: { number: 'INV-78' }, payment: { account: '090', date: '2026-06-01', amount: { value: '120.00', currency: 'GBP' } } });
    const paid = await adapter.postExpense(payOnly, ctx);
    expect(world.org.invoices.get(paid.id.slice('bill:'.length))).toMatchObject({ InvoiceNumber: 'INV-78', Status: 'PAID' });
    expect(await adapter.findPostedExpense(payOnly.reference, ctx)).toEqual(paid);
    const missing = await rejection(adapter.postExpense({ ...payOnly, reference: `ae-${randomUUID()}`, invoice: { number: 'INV-404' } }, ctx));
    expect(missing).toMatchObject({ kind: 'unknown_reference', subject: 'invoice' });
  });

  it('books a reverse-charge line net under its self-assessed tax type: the total is what was paid', async () => {
    const { adapter } = world.adapter();
    const reverse = spendEntry({
      total: { value: '100.00', currency: 'GBP' },
      lines: [{ account: '463', net: { value: '100.00', currency: 'GBP' }, tax: { code: 'REVERSECHARGES', amount: { value: '20.00', currency: 'GBP' }, mode: 'reverse', ingoingAccount: '820', outgoingAccount: '820' } }],
    });
    const posted = await adapter.postExpense(reverse, ctx);
    const doc = world.org.bankTransactions.get(posted.id.slice('spend:'.length))!;
    expect(doc).toMatchObject({ LineAmountTypes: 'Exclusive', Total: 100, TotalTax: 0 });
    expect((doc.LineItems as Record<string, unknown>[])[0]).toMatchObject({ TaxType: 'REVERSECHARGES', UnitAmount: 100 });
  });

  it('fails an entry clearly for an unknown tracking option, a locked period and an unsubscribed currency', async () => {
    const { adapter } = world.adapter();
    const tag = await rejection(adapter.postExpense(spendEntry({ lines: [{ ...spendEntry().lines[0], dimensions: [{ group: 'Department', value: 'Legal' }] }] }), ctx));
    expect(tag).toMatchObject({ kind: 'unknown_reference', subject: 'dimension' });
    expect(tag.message).toContain('"Legal"');
    world.org.lockDate = '2026-04-30';
    const locked = await rejection(adapter.postExpense(spendEntry({ date: '2026-04-15' }), ctx));
    expect(locked.kind).toBe('locked_period');
    world.org.lockDate = null;
    const usd = await rejection(adapter.postExpense(spendEntry({ total: { value: '120.00', currency: 'USD' } }), ctx));
    expect(usd.kind).toBe('validation');
    expect(usd.message).toContain('Settings → Currencies');
  });

  it('replays a retried write from its Idempotency-Key, and reconciles a write whose connection dropped after commit instead of doubling it', async () => {
    const { adapter } = world.adapter();
    const entry = spendEntry();
    const first = await adapter.postExpense(entry, ctx);
    const again = await adapter.postExpense(entry, ctx);
    expect(again).toEqual(first);
    expect(world.fake.callsTo('createBankTransactions').filter((c) => c.replayed)).toHaveLength(1);

    const dropped = spendEntry();
    world.fake.faults.push({ operationId: 'createBankTransactions', dropAfterCommit: true });
    const cut = await rejection(adapter.postExpense(dropped, ctx));
    expect(cut).toMatchObject({ kind: 'unavailable', mayHaveApplied: true });
    const found = await adapter.findPostedExpense(dropped.reference, ctx);
    expect(found?.id).toMatch(/^spend:/);
    expect([...world.org.bankTransactions.values()].filter((d) => String(d.Reference).endsWith(`pleo:${dropped.reference}`))).toHaveLength(1);

    // a bill keeps no Reference (ACCREC only): a retry recognises it by number, contact, date and total
    const vendor = await adapter.createVendor({ reference: randomUUID(), name: `Supplier ${randomUUID()}`, currency: 'GBP' }, ctx);
    const bill = spendEntry({ mode: 'accounts_payable', vendorId: vendor.id, contraAccount: '800', invoice: { dueDate: '2026-05-31' } });
    world.fake.faults.push({ operationId: 'createInvoices', dropAfterCommit: true });
    expect(await rejection(adapter.postExpense(bill, ctx))).toMatchObject({ mayHaveApplied: true });
    const retried = await adapter.postExpense({ ...bill, description: 'Taxi (retried)' }, ctx);
    expect(retried.number).toBe(`pleo:${bill.reference}`);
    expect([...world.org.invoices.values()].filter((i) => i.InvoiceNumber === `pleo:${bill.reference}`)).toHaveLength(1);
  });

  it('turns 429s into rate_limited with Xero\'s wait (minute, day, concurrent) and 503 into unavailable', async () => {
    const { adapter } = world.adapter();
    for (const [problem, seconds] of [['minute', 42], ['day', 3600], ['concurrent', 1]] as const) {
      world.fake.faults.push({ operationId: 'getOrganisations', status: 429, problem, retryAfterSeconds: seconds });
      const err = await rejection(adapter.verifyConnection(ctx));
      expect(err).toMatchObject({ kind: 'rate_limited', retryable: true, retryAfterMs: seconds * 1000 });
    }
    world.fake.faults.push({ operationId: 'getOrganisations', status: 503 });
    expect(await rejection(adapter.verifyConnection(ctx))).toMatchObject({ kind: 'unavailable', retryable: true });
    await adapter.verifyConnection(ctx);
  });
});
