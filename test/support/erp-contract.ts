import { randomUUID } from 'node:crypto';
import { ErpAdapter, ErpError, ExpenseEntry } from '@app/erp';
import { eur, journalEntry } from './journal-entries';

export interface ErpContractOptions {
  /** how many attachments the ERP holds on the entry (read from the ERP itself) */
  attachmentCount(expenseId: string): Promise<number>;
}

const ctx = { correlationId: 'contract' };
const unique = () => randomUUID().slice(0, 8);

async function failure(p: Promise<unknown>) {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ErpError);
    return { kind: (err as ErpError).kind, subject: (err as ErpError).subject, retryable: (err as ErpError).retryable };
  }
  throw new Error('expected an ErpError');
}

/** A German VAT number with a valid check digit (ISO 7064 MOD 11,10), unique per call. */
export function germanVatNumber(): string {
  const digits = String(Math.floor(1e7 + Math.random() * 9e7));
  let product = 10;
  for (const d of digits) {
    let sum = (Number(d) + product) % 10;
    if (sum === 0) sum = 10;
    product = (2 * sum) % 11;
  }
  const check = (11 - product) % 10;
  return `DE${digits}${check}`;
}

/**
 * The ERP port's contract (design §4): every adapter — the sandbox, Tryton, the fakes of the
 * SaaS ERPs — runs these same cases against its own backend. The chart is the sandbox's
 * (1910 wallet, 2400 AP, 7100 meals, S25) and the currency EUR.
 */
export function describeErpContract(name: string, adapter: () => Promise<ErpAdapter | null>, options: ErpContractOptions): void {
  describe(`ERP adapter contract: ${name}`, () => {
    let erp: ErpAdapter;
    let skipped = false;
    // A live ERP may be installed and seeded first (minutes on a cold machine).
    beforeAll(async () => {
      const built = await adapter();
      if (built) erp = built;
      else skipped = true;
    }, 20 * 60_000);
    /** null from the factory: this machine cannot run the ERP (said loudly where it was decided). */
    const it = (title: string, fn: () => Promise<void>) => global.it(title, async () => {
      if (skipped) console.warn(`skipped: ${name}: ${title}`);
      else await fn();
    });

    const journal = journalEntry;
    const vendor = () => erp.createVendor({ reference: randomUUID(), name: `Contract ${unique()} GmbH`, currency: 'EUR', country: 'DE', taxNumber: germanVatNumber() }, ctx);
    const bill = (vendorId: string, over: Partial<ExpenseEntry> = {}): ExpenseEntry =>
      journal({ mode: 'accounts_payable', kind: 'invoice', contraAccount: '2400', vendorId, invoice: { number: `INV-${unique()}`, date: '2026-11-19' }, ...over });

    it('verifies the connection', async () => {
      await expect(erp.verifyConnection(ctx)).resolves.toBeUndefined();
    });

    it('creates a vendor and finds it by id, code, reference, tax number and name', async () => {
      const reference = randomUUID();
      const taxNumber = germanVatNumber();
      const name = `Acme ${unique()} GmbH`;
      const created = await erp.createVendor({ reference, name, currency: 'EUR', country: 'DE', taxNumber }, ctx);
      expect(created).toMatchObject({ name, reference, taxNumber });
      expect(created.id).toBeTruthy();
      expect(created.code).toBeTruthy();
      for (const query of [{ id: created.id }, { code: created.code }, { reference }, { taxNumber }, { name }]) {
        expect((await erp.findVendor(query, ctx))?.id).toBe(created.id);
      }
      expect(await erp.findVendor({ reference: randomUUID(), name: `nobody ${unique()}` }, ctx)).toBeNull();
      expect(await failure(erp.createVendor({ reference: randomUUID(), name: '  ', currency: 'EUR' }, ctx))).toMatchObject({ kind: 'validation', retryable: false });
    });

    it('posts an entry once per reference and finds it again (reconciliation)', async () => {
      const entry = journal();
      const posted = await erp.postExpense(entry, ctx);
      expect(posted.id).toBeTruthy();
      expect(posted.number).toBeTruthy();
      expect(await erp.postExpense(entry, ctx)).toEqual(posted);
      expect(await erp.findPostedExpense(entry.reference, ctx)).toEqual(posted);
      expect(await erp.findPostedExpense(randomUUID(), ctx)).toBeNull();
    });

    it('attaches a file once, by content', async () => {
      const posted = await erp.postExpense(journal(), ctx);
      const file = { fileName: 'receipt.pdf', mimeType: 'application/pdf', content: Buffer.from(`%PDF-1.4 ${unique()}`) };
      await erp.attachFile(posted.id, file, ctx);
      await erp.attachFile(posted.id, { ...file, fileName: 'again.pdf' }, ctx);
      expect(await options.attachmentCount(posted.id)).toBe(1);
      await erp.attachFile(posted.id, { ...file, content: Buffer.from(`%PDF-1.4 other ${unique()}`) }, ctx);
      expect(await options.attachmentCount(posted.id)).toBe(2);
    });

    it('maps refusals to the error taxonomy, and books nothing for them', async () => {
      const line = journal().lines[0];
      const cases: [ExpenseEntry, object][] = [
        [journal({ lines: [{ ...line, account: '6999' }] }), { kind: 'unknown_reference', subject: 'account' }],
        [journal({ lines: [{ ...line, tax: { ...line.tax!, code: 'S99' } }] }), { kind: 'unknown_reference', subject: 'tax_code' }],
        [journal({ total: eur('124.99') }), { kind: 'validation' }],
        [journal({ date: '2026-02-30' }), { kind: 'validation' }],
        [bill(undefined as unknown as string, { vendorId: undefined }), { kind: 'validation' }],
      ];
      for (const [entry, expected] of cases) {
        expect(await failure(erp.postExpense(entry, ctx))).toMatchObject({ ...expected, retryable: false });
        expect(await erp.findPostedExpense(entry.reference, ctx)).toBeNull();
      }
      const file = { fileName: 'r.pdf', mimeType: 'application/pdf', content: Buffer.from('x') };
      expect(await failure(erp.attachFile(randomUUID(), file, ctx))).toMatchObject({ kind: 'unknown_reference', subject: 'entry' });
    });

    it('books an AP bill with its payment, once', async () => {
      const { id } = await vendor();
      const entry = bill(id, { kind: 'card_invoice', payment: { account: '1910', date: '2026-11-21', amount: eur('125.00') } });
      const posted = await erp.postExpense(entry, ctx);
      expect(posted.paymentId).toBeTruthy();
      expect(await erp.postExpense(entry, ctx)).toEqual(posted);
      expect(await erp.findPostedExpense(entry.reference, ctx)).toEqual(posted);
    });

    it('pays a bill it holds by invoice number; refuses a payment for a bill it does not hold', async () => {
      const { id } = await vendor();
      const unpaid = bill(id);
      await erp.postExpense(unpaid, ctx);
      const payment = { account: '1910', date: '2026-11-22', amount: eur('125.00') };
      const payOnly = (number: string): ExpenseEntry => journal({ mode: 'accounts_payable', kind: 'invoice_payment', vendorId: id, contraAccount: '2400', lines: [], invoice: { number }, payment });
      const paying = payOnly(unpaid.invoice!.number!);
      const paid = await erp.postExpense(paying, ctx);
      expect(paid.paymentId).toBeTruthy();
      expect(await erp.postExpense(paying, ctx)).toEqual(paid);
      const missing = payOnly(`NOPE-${unique()}`);
      expect(await failure(erp.postExpense(missing, ctx))).toMatchObject({ kind: 'unknown_reference', subject: 'invoice', retryable: false });
      expect(await erp.findPostedExpense(missing.reference, ctx)).toBeNull();
    });
  });
}
