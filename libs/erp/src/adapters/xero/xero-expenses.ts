import { checkEntryShape } from '../../entry-checks';
import { createHash } from 'node:crypto';
import { ExpenseEntry, FileInput, OperationContext, PostedExpense } from '../../erp-adapter.port';
import { ErpError } from '../../erp-errors';
import { decimalsEqual } from '../../decimal';
import { XeroClient, idempotencyKey } from './xero-client';
import { XeroContacts, quoted } from './xero-contacts';
import { bill, billPayment, manualJournal, referenceTag, spendMoney } from './xero-documents';
import { elementError, validationMessages } from './xero-errors';
import { XeroLookups } from './xero-lookups';

type Element = { StatusAttributeString?: string; ValidationErrors?: { Message?: string }[] };
const DEAD = new Set(['DELETED', 'VOIDED']);
const KIND_PATH = { spend: 'BankTransactions', bill: 'Invoices', journal: 'ManualJournals' } as const;
export type DocKind = keyof typeof KIND_PATH;

/** The one created element of a write, or its validation errors as the port's error. */
export function created<T extends Element>(items: T[] | undefined, what: string): T {
  const el = items?.[0];
  if (!el) throw new ErpError('unavailable', `Xero gave nothing back when ${what}; it will be checked before any retry.`, { mayHaveApplied: true });
  if (el.StatusAttributeString === 'ERROR' || el.ValidationErrors?.length) throw elementError(validationMessages({ Elements: [el] }), what);
  return el;
}

export const posted = (kind: DocKind, id: string, number: string, paymentId?: string): PostedExpense => ({
  id: `${kind}:${id}`,
  number,
  url: kind === 'spend' ? `https://go.xero.com/Bank/ViewTransaction.aspx?bankTransactionID=${id}` : kind === 'bill' ? `https://go.xero.com/AccountsPayable/View.aspx?InvoiceID=${id}` : `https://go.xero.com/Journal/View.aspx?invoiceID=${id}`,
  ...(paymentId && { paymentId }),
});

/**
 * Pleo expenses as Xero documents: spend money (bank contra), manual journals (other contras),
 * bills with their payment (accounts payable), payments of bills already booked (payment-only).
 * Every write carries an Idempotency-Key derived from the entry, and every document carries
 * `pleo:<reference>` so an unknown outcome is reconciled by looking it up, never by writing again.
 */
export class XeroExpenses {
  constructor(
    private readonly client: XeroClient,
    private readonly contacts: XeroContacts,
    private readonly lookups: XeroLookups,
  ) {}

  async post(entry: ExpenseEntry, ctx: OperationContext): Promise<PostedExpense> {
    checkEntryShape(entry); // refused before any call: Xero would book its own sum of the lines
    if (!entry.lines.length) return this.paymentOnly(entry, ctx);
    await this.lookups.checkTracking(entry, ctx);
    if (entry.mode === 'accounts_payable') return this.postBill(entry, ctx);
    if (await this.lookups.isBankAccount(entry.contraAccount, ctx)) {
      const contactId = entry.vendorId ?? (await this.contacts.cardSpendContact(ctx));
      const what = `booking spend money for ${entry.reference}`;
      const body = { BankTransactions: [spendMoney(entry, contactId)] };
      const answer = await this.client.write(what, ctx, idempotencyKey('spend', entry.reference, body), (init) =>
        this.client.api.PUT('/BankTransactions', { params: { header: init.header, query: { summarizeErrors: false } }, headers: init.headers, signal: init.signal, body }),
      );
      const doc = created(answer.BankTransactions, what);
      return posted('spend', doc.BankTransactionID!, doc.Reference ?? referenceTag(entry.reference));
    }
    await this.checkJournalCurrency(entry, ctx);
    const what = `booking a manual journal for ${entry.reference}`;
    const body = { ManualJournals: [manualJournal(entry)] };
    const answer = await this.client.write(what, ctx, idempotencyKey('journal', entry.reference, body), (init) =>
      this.client.api.PUT('/ManualJournals', { params: { header: init.header, query: { summarizeErrors: false } }, headers: init.headers, signal: init.signal, body }),
    );
    const doc = created(answer.ManualJournals, what);
    return posted('journal', doc.ManualJournalID!, referenceTag(entry.reference));
  }

  /** Xero's manual journals have no currency: one in another currency would be booked at the wrong amount. */
  async checkJournalCurrency(entry: ExpenseEntry, ctx: OperationContext): Promise<void> {
    const base = await this.lookups.baseCurrency(ctx);
    if (base && entry.total.currency !== base) {
      throw new ErpError(
        'validation',
        `The entry ${entry.reference} is in ${entry.total.currency}, but its account ${entry.contraAccount} is not a Xero bank account, so it would be a manual journal, which Xero books only in the base currency (${base}). Map the account to a ${entry.total.currency} bank account in Xero, or export in ${base}.`,
      );
    }
  }

  /** The bill (found by our reference if an earlier attempt booked it), then its payment if Pleo says it was paid. */
  private async postBill(entry: ExpenseEntry, ctx: OperationContext): Promise<PostedExpense> {
    if (!entry.vendorId) throw new ErpError('validation', `The bill ${entry.reference} has no vendor; Xero books a bill against a contact.`, { subject: 'vendor' });
    if (entry.payment && entry.state === 'draft') {
      throw new ErpError('validation', `The bill ${entry.invoice?.number ?? entry.reference} was paid, but the connection leaves entries as drafts and Xero cannot pay a draft bill. Post entries (not drafts) for paid bills.`);
    }
    let found = await this.findBookedBill(entry, ctx);
    if (!found) {
      const what = `booking the bill ${entry.invoice?.number ?? entry.reference}`;
      const body = { Invoices: [bill(entry, entry.vendorId!)] };
      const answer = await this.client.write(what, ctx, idempotencyKey('bill', entry.reference, body), (init) =>
        this.client.api.PUT('/Invoices', { params: { header: init.header, query: { summarizeErrors: false } }, headers: init.headers, signal: init.signal, body }),
      );
      const doc = created(answer.Invoices, what);
      found = { id: doc.InvoiceID!, number: doc.InvoiceNumber ?? referenceTag(entry.reference), paymentIds: [] };
    }
    let paymentId = found.paymentIds[0];
    if (entry.payment && !paymentId) paymentId = await this.pay(entry, found.id, ctx);
    return posted('bill', found.id, found.number, paymentId);
  }

  /** A payment of a bill booked earlier, found by its invoice number (and vendor). */
  private async paymentOnly(entry: ExpenseEntry, ctx: OperationContext): Promise<PostedExpense> {
    const number = entry.invoice?.number;
    if (!entry.payment || !number) throw new ErpError('validation', `The entry ${entry.reference} has neither lines nor a payment of a numbered bill.`);
    const existing = await this.findPayment(entry.reference, ctx);
    if (existing) return existing;
    const where = ['Type=="ACCPAY"', ...(entry.vendorId ? [`Contact.ContactID==Guid(${quoted(entry.vendorId)})`] : [])].join('&&');
    const answer = await this.client.get(`looking up the bill ${number}`, ctx, (init) =>
      this.client.api.GET('/Invoices', { params: { header: init.header, query: { where, InvoiceNumbers: [number], page: 1 } }, headers: init.headers, signal: init.signal }),
    );
    const target = (answer.Invoices ?? []).find((i) => !DEAD.has(String(i.Status)) && i.InvoiceNumber === number);
    if (!target) throw new ErpError('unknown_reference', `Xero has no bill ${number}${entry.vendorId ? ' for this vendor' : ''} to apply the payment ${entry.reference} to.`, { subject: 'invoice' });
    const paymentId = await this.pay(entry, target.InvoiceID!, ctx);
    return posted('bill', target.InvoiceID!, number, paymentId);
  }

  private async pay(entry: ExpenseEntry, invoiceId: string, ctx: OperationContext): Promise<string> {
    const what = `paying the bill ${entry.invoice?.number ?? entry.reference}`;
    const body = { Payments: [billPayment(entry, invoiceId)] };
    const answer = await this.client.write(what, ctx, idempotencyKey('payment', entry.reference, body), (init) =>
      this.client.api.PUT('/Payments', { params: { header: init.header, query: { summarizeErrors: false } }, headers: init.headers, signal: init.signal, body }),
    );
    return created(answer.Payments, what).PaymentID!;
  }

  /** Reconciliation: the live document carrying `pleo:<reference>`, whichever kind it is. */
  async find(reference: string, ctx: OperationContext): Promise<PostedExpense | null> {
    const tag = quoted(referenceTag(reference));
    const spend = await this.client.get(`looking up spend money ${reference}`, ctx, (init) =>
      this.client.api.GET('/BankTransactions', { params: { header: init.header, query: { where: `Reference.EndsWith(${tag})`, page: 1 } }, headers: init.headers, signal: init.signal }),
    );
    const bt = (spend.BankTransactions ?? []).find((b) => !DEAD.has(String(b.Status)));
    if (bt) return posted('spend', bt.BankTransactionID!, bt.Reference ?? referenceTag(reference));
    const found = await this.findBill(reference, ctx);
    if (found) return posted('bill', found.id, found.number, found.paymentIds[0]);
    const journals = await this.client.get(`looking up manual journal ${reference}`, ctx, (init) =>
      this.client.api.GET('/ManualJournals', { params: { header: init.header, query: { where: `Narration.EndsWith(${tag})`, page: 1 } }, headers: init.headers, signal: init.signal }),
    );
    const mj = (journals.ManualJournals ?? []).find((j) => !DEAD.has(String(j.Status)));
    if (mj) return posted('journal', mj.ManualJournalID!, referenceTag(reference));
    return this.findPayment(reference, ctx);
  }

  /**
   * The bill an earlier attempt booked for this entry. Xero's spec says an invoice's Reference is for
   * ACCREC only, so a bill is recognised by what Xero keeps: its number (ours when Pleo has none),
   * contact, date and total.
   */
  private async findBookedBill(entry: ExpenseEntry, ctx: OperationContext): Promise<{ id: string; number: string; paymentIds: string[] } | null> {
    const doc = bill(entry, entry.vendorId!);
    const answer = await this.client.get(`looking up the bill ${doc.InvoiceNumber}`, ctx, (init) =>
      this.client.api.GET('/Invoices', { params: { header: init.header, query: { where: `Type=="ACCPAY"&&Contact.ContactID==Guid(${quoted(entry.vendorId!)})`, InvoiceNumbers: [doc.InvoiceNumber!], page: 1 } }, headers: init.headers, signal: init.signal }),
    );
    const day = (i: { DateString?: string; Date?: string }) => (i.DateString ?? i.Date ?? '').slice(0, 10);
    const inv = (answer.Invoices ?? []).find((i) => !DEAD.has(String(i.Status)) && i.InvoiceNumber === doc.InvoiceNumber && day(i) === doc.Date && decimalsEqual(String(i.Total ?? ''), entry.total.value));
    return inv ? { id: inv.InvoiceID!, number: inv.InvoiceNumber!, paymentIds: (inv.Payments ?? []).map((p) => p.PaymentID!).filter(Boolean) } : null;
  }

  /** Found by Reference where Xero keeps it on a bill (the spec says it may not: see findBookedBill). */
  private async findBill(reference: string, ctx: OperationContext): Promise<{ id: string; number: string; paymentIds: string[] } | null> {
    const answer = await this.client.get(`looking up bill ${reference}`, ctx, (init) =>
      this.client.api.GET('/Invoices', { params: { header: init.header, query: { where: `Type=="ACCPAY"&&Reference.EndsWith(${quoted(referenceTag(reference))})`, page: 1 } }, headers: init.headers, signal: init.signal }),
    );
    const inv = (answer.Invoices ?? []).find((i) => !DEAD.has(String(i.Status)));
    return inv ? { id: inv.InvoiceID!, number: inv.InvoiceNumber ?? referenceTag(reference), paymentIds: (inv.Payments ?? []).map((p) => p.PaymentID!).filter(Boolean) } : null;
  }

  private async findPayment(reference: string, ctx: OperationContext): Promise<PostedExpense | null> {
    const answer = await this.client.get(`looking up payment ${reference}`, ctx, (init) =>
      this.client.api.GET('/Payments', { params: { header: init.header, query: { where: `Reference==${quoted(referenceTag(reference))}`, page: 1 } }, headers: init.headers, signal: init.signal }),
    );
    const p = (answer.Payments ?? []).find((x) => !DEAD.has(String(x.Status)));
    return p ? posted('bill', p.Invoice!.InvoiceID!, p.Invoice?.InvoiceNumber ?? referenceTag(reference), p.PaymentID) : null;
  }

  /**
   * The receipt's raw bytes under its content type. The file name carries a hash of the content and
   * Xero replaces a file of the same name, so attaching the same receipt again never adds a copy.
   */
  async attach(expenseId: string, file: FileInput, ctx: OperationContext): Promise<void> {
    const [kind, id] = expenseId.split(':') as [DocKind, string];
    if (!KIND_PATH[kind] || !id) throw new ErpError('unknown_reference', `"${expenseId}" is not a Xero entry this service booked.`, { subject: 'entry' });
    const hash = createHash('sha256').update(file.content).digest('hex').slice(0, 12);
    const dot = file.fileName.lastIndexOf('.');
    const stem = (dot > 0 ? file.fileName.slice(0, dot) : file.fileName).replace(/[^\w.-]+/g, '_').slice(0, 80);
    const fileName = `${stem}-${hash}${dot > 0 ? file.fileName.slice(dot).replace(/[^\w.]+/g, '') : ''}`;
    const what = `attaching ${file.fileName} to ${expenseId}`;
    // the same content under another name is the same receipt: our names carry the content hash
    const listed = await this.client.get(`listing the attachments of ${expenseId}`, ctx, (init) => {
      const opts = { headers: init.headers, signal: init.signal };
      if (kind === 'spend') return this.client.api.GET('/BankTransactions/{BankTransactionID}/Attachments', { ...opts, params: { header: init.header, path: { BankTransactionID: id } } });
      if (kind === 'bill') return this.client.api.GET('/Invoices/{InvoiceID}/Attachments', { ...opts, params: { header: init.header, path: { InvoiceID: id } } });
      return this.client.api.GET('/ManualJournals/{ManualJournalID}/Attachments', { ...opts, params: { header: init.header, path: { ManualJournalID: id } } });
    });
    if ((listed.Attachments ?? []).some((a) => a.FileName?.includes(`-${hash}`))) return;
    const body = file.content as unknown as string; // raw bytes: sent as they are by the serializer below
    const common = { headers: { authorization: '', 'content-type': file.mimeType }, body, bodySerializer: (b: unknown) => b as Buffer };
    await this.client.write(what, ctx, idempotencyKey('attachment', id, { fileName, hash, type: file.mimeType }), (init) => {
      const opts = { ...common, headers: { ...common.headers, ...init.headers }, signal: init.signal };
      if (kind === 'spend') return this.client.api.PUT('/BankTransactions/{BankTransactionID}/Attachments/{FileName}', { ...opts, params: { header: init.header, path: { BankTransactionID: id, FileName: fileName } } });
      if (kind === 'bill') return this.client.api.PUT('/Invoices/{InvoiceID}/Attachments/{FileName}', { ...opts, params: { header: init.header, path: { InvoiceID: id, FileName: fileName } } });
      return this.client.api.PUT('/ManualJournals/{ManualJournalID}/Attachments/{FileName}', { ...opts, params: { header: init.header, path: { ManualJournalID: id, FileName: fileName } } });
    });
  }
}
