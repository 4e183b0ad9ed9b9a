import { ExpenseEntry, OperationContext, PostedExpense } from '../../erp-adapter.port';
import { ErpError } from '../../erp-errors';
import { BcClient } from './bc-client';
import { BcGeneralLedgerEntry, BcPurchaseInvoice, BcVendorPayment, BcVendorPaymentJournal } from './bc-entities';
import { clearJournalForPost, paymentJournal } from './bc-journal-guard';
import { BcLock } from './bc-lock';
import { PAID_BY_PLEO, amount, dimensionsOf, markedDescription, paymentMarker, purchaseInvoice, purchaseInvoiceLines } from './bc-mapping';
import { eqFilter, keySegment, literal, referenceCode } from './bc-odata';

/** Our reference on a purchase invoice: the Ship-to Contact (free text, kept when posted; Pleo expenses ship nothing). */
export const invoiceTag = (reference: string) => `PLEO:${referenceCode(reference)}`;

const billOf = (inv: BcPurchaseInvoice, paymentId?: string): PostedExpense => ({ id: `invoice:${inv.id}`, number: inv.number, ...(paymentId && { paymentId }) });

/**
 * Accounts payable: a purchase invoice for the vendor (lines excluding tax, BC computes it by tax
 * code; `vendorInvoiceNumber` = the vendor's invoice number), posted with `Microsoft.NAV.post`
 * unless the connection leaves drafts; a draft an earlier attempt created is reused and posted,
 * never created again. When Pleo says it was paid, a vendor payment applied to the posted invoice
 * in the vendor payment journal whose balancing account is the account the money left; such a bill
 * carries PAID_BY_PLEO from its creation, so it counts as booked only once the payment is posted.
 */
export class BcPayables {
  constructor(
    private readonly client: BcClient,
    private readonly lock: BcLock,
    private readonly lockKey: string,
    /** throws when an amount is not in the company's local currency (vendor payment lines have no currency) */
    private readonly checkCurrency: (amount: { value: string; currency: string }, ctx: OperationContext) => Promise<void>,
  ) {}

  async post(entry: ExpenseEntry, ctx: OperationContext): Promise<PostedExpense> {
    if (!entry.vendorId) throw new ErpError('validation', `The bill ${entry.reference} has no vendor; Business Central books a purchase invoice against a vendor.`, { subject: 'vendor' });
    if (entry.payment && entry.state === 'draft') {
      throw new ErpError('validation', `The bill ${entry.invoice?.number ?? entry.reference} was paid, but the connection leaves entries as drafts and a draft invoice cannot be paid. Post entries (not drafts) for paid bills.`);
    }
    // before anything is written: a bill whose payment could not be booked would stay unpaid
    if (entry.payment) await this.checkCurrency(entry.payment.amount, ctx);
    let invoice = await this.findInvoice(entry.reference, ctx);
    if (!invoice) invoice = await this.create(entry, entry.vendorId, ctx);
    // a draft an earlier attempt left: it may have died (or had a 504) before tagging every line
    else if (invoice.status === 'Draft') await this.tagLines(invoice, entry, true, ctx);
    if (entry.state === 'draft') return billOf(invoice);
    if (invoice.status === 'Draft') invoice = await this.postInvoice(invoice, entry.reference, ctx);
    // pay() looks the payment up first: an earlier attempt's payment (posted, or waiting in the journal) is reused
    const paymentId = entry.payment ? await this.pay(entry, invoice, ctx) : undefined;
    return billOf(invoice, paymentId ? `gl:${paymentId}` : undefined);
  }

  /** A payment of a bill booked earlier, found by its invoice number (and vendor). */
  async payOnly(entry: ExpenseEntry, ctx: OperationContext): Promise<PostedExpense> {
    const number = entry.invoice!.number!;
    await this.checkCurrency(entry.payment!.amount, ctx);
    const done = await this.find(entry.reference, ctx);
    if (done) return done;
    const clauses: [string, string, 'guid'?][] = [['vendorInvoiceNumber', number]];
    if (entry.vendorId) clauses.push(['vendorId', entry.vendorId, 'guid']);
    const found = (await this.client.list<BcPurchaseInvoice>('purchaseInvoices', `looking up the bill ${number}`, ctx, { $filter: eqFilter(clauses) })).filter((i) => i.status === 'Open' || i.status === 'Paid');
    if (!found.length) throw new ErpError('unknown_reference', `Business Central has no posted purchase invoice ${number}${entry.vendorId ? ' for this vendor' : ''} to apply the payment ${entry.reference} to.`, { subject: 'invoice' });
    const paymentId = await this.pay(entry, found[0], ctx);
    return billOf(found[0], `gl:${paymentId}`);
  }

  /** The bill of this reference (with its payment), or the bill a payment-only entry paid. */
  async find(reference: string, ctx: OperationContext): Promise<PostedExpense | null> {
    const invoice = await this.findInvoice(reference, ctx);
    const payment = await this.findPayment(reference, ctx);
    if (invoice) return billOf(invoice, payment ? `gl:${payment.id}` : undefined);
    return payment ? this.paidBy(payment, ctx) : null;
  }

  /**
   * As find(), but only what is finished: null while the bill is a draft, or while a bill Pleo
   * says was paid (marked so when it was created) has no posted payment yet — whether the process
   * died before adding the payment line or before posting it. postExpense then finishes it.
   */
  async findFinished(reference: string, ctx: OperationContext): Promise<PostedExpense | null> {
    const invoice = await this.findInvoice(reference, ctx);
    if (invoice?.status === 'Draft') return null;
    const payment = await this.findPayment(reference, ctx);
    if (!invoice) return payment ? this.paidBy(payment, ctx) : null;
    if (!payment && invoice.shipToName === PAID_BY_PLEO) return null;
    return billOf(invoice, payment ? `gl:${payment.id}` : undefined);
  }

  /** A payment-only entry's result: the bill its G/L entry names, else the payment itself. */
  private async paidBy(payment: BcGeneralLedgerEntry, ctx: OperationContext): Promise<PostedExpense> {
    const paid = /of (\S+) \[P:/.exec(payment.description)?.[1];
    const [target] = paid ? await this.client.list<BcPurchaseInvoice>('purchaseInvoices', `looking up the bill ${paid}`, ctx, { $filter: eqFilter([['number', paid]]) }) : [];
    return target ? billOf(target, `gl:${payment.id}`) : { id: `gl:${payment.id}`, number: payment.documentNumber, paymentId: `gl:${payment.id}` };
  }

  async findInvoice(reference: string, ctx: OperationContext): Promise<BcPurchaseInvoice | null> {
    const [found] = await this.client.list<BcPurchaseInvoice>('purchaseInvoices', `looking up the purchase invoice of ${reference}`, ctx, { $filter: eqFilter([['shipToContact', invoiceTag(reference)]]) });
    return found ?? null;
  }

  private async findPayment(reference: string, ctx: OperationContext): Promise<BcGeneralLedgerEntry | null> {
    const [found] = await this.client.list<BcGeneralLedgerEntry>('generalLedgerEntries', `looking up the payment of ${reference}`, ctx, {
      $filter: `contains(description,${literal(paymentMarker(reference))})`,
      $orderby: 'entryNumber asc',
      $top: 1,
    });
    return found ?? null;
  }

  private async create(entry: ExpenseEntry, vendorId: string, ctx: OperationContext): Promise<BcPurchaseInvoice> {
    const what = `creating the purchase invoice ${entry.invoice?.number ?? entry.reference}`;
    const header = { ...purchaseInvoice(entry, vendorId, invoiceTag(entry.reference)), purchaseInvoiceLines: purchaseInvoiceLines(entry) };
    const created = await this.client.post<BcPurchaseInvoice>('purchaseInvoices', header, what, ctx);
    await this.tagLines(created, entry, false, ctx);
    return created;
  }

  /** Pleo's tags as dimension set lines on the draft's lines; `reused`: only those a line does not have yet. */
  private async tagLines(invoice: BcPurchaseInvoice, entry: ExpenseEntry, reused: boolean, ctx: OperationContext): Promise<void> {
    const tagged = entry.lines.map(dimensionsOf);
    if (!tagged.some((d) => d.length)) return;
    const what = `the purchase invoice ${invoice.vendorInvoiceNumber}`;
    const base = keySegment('purchaseInvoices', invoice.id);
    const lines = await this.client.list<{ id: string; sequence?: number }>(`${base}/purchaseInvoiceLines`, `reading the lines of ${what}`, ctx);
    if (lines.length !== tagged.length) {
      throw new ErpError('validation', `Business Central holds ${lines.length} lines on the draft ${what} (${invoice.number}) where Pleo's entry has ${tagged.length}; correct or delete the draft in Business Central, then retry.`);
    }
    lines.sort((a, b) => (a.sequence ?? 0) - (b.sequence ?? 0));
    for (const [i, dims] of tagged.entries()) {
      if (!dims.length) continue;
      const path = `${base}/${keySegment('purchaseInvoiceLines', lines[i].id)}/dimensionSetLines`;
      const have = reused ? await this.client.list<{ code: string }>(path, `reading the dimensions of a line of ${what}`, ctx) : [];
      for (const dim of dims.filter((d) => !have.some((h) => h.code.toUpperCase() === d.code))) {
        await this.client.post(path, dim, `tagging a line of ${what} with ${dim.code} ${dim.valueCode}`, ctx);
      }
    }
  }

  private async postInvoice(invoice: BcPurchaseInvoice, reference: string, ctx: OperationContext): Promise<BcPurchaseInvoice> {
    await this.client.action(`${keySegment('purchaseInvoices', invoice.id)}/Microsoft.NAV.post`, `posting the purchase invoice ${invoice.vendorInvoiceNumber}`, ctx);
    const posted = await this.findInvoice(reference, ctx);
    if (!posted || posted.status === 'Draft') throw new ErpError('unavailable', `Business Central accepted posting the purchase invoice ${invoice.vendorInvoiceNumber} but still shows it unposted; it will be checked again.`, { mayHaveApplied: true });
    return posted;
  }

  private async paymentJournal(account: string, ctx: OperationContext): Promise<BcVendorPaymentJournal> {
    const journals = await this.client.list<BcVendorPaymentJournal>('vendorPaymentJournals', 'looking up the vendor payment journals', ctx);
    const match = journals.find((j) => j.balancingAccountNumber === account);
    if (!match) {
      throw new ErpError('unknown_reference', `Business Central has no vendor payment journal paying from account ${account}. Create a payment journal batch whose balancing account is ${account}.`, { subject: 'account' });
    }
    return match;
  }

  /** The payment, applied to the invoice, posted; one at a time per journal (its post posts the batch). */
  private async pay(entry: ExpenseEntry, invoice: BcPurchaseInvoice, ctx: OperationContext): Promise<string> {
    const payment = entry.payment!;
    const journal = await this.paymentJournal(payment.account, ctx);
    return this.lock.withLock(`${this.lockKey}:payments:${journal.code}`, async (fence) => {
      const done = await this.findPayment(entry.reference, ctx);
      if (done) return done.id;
      const path = `${keySegment('vendorPaymentJournals', journal.id)}/vendorPayments`;
      const code = referenceCode(entry.reference);
      const waiting = await this.client.list<BcVendorPayment>(path, `looking up the payment of ${entry.reference}`, ctx, { $filter: eqFilter([['externalDocumentNumber', code]]) });
      let line = waiting[0];
      if (!line) {
        const body = {
          vendorId: invoice.vendorId,
          postingDate: payment.date,
          documentNumber: invoice.number.slice(0, 20),
          externalDocumentNumber: code,
          amount: amount(payment.amount.value),
          appliesToInvoiceId: invoice.id,
          description: markedDescription(`Pleo payment of ${invoice.number}`, paymentMarker(entry.reference)),
        };
        line = await this.client.post<BcVendorPayment>(path, body, `adding the payment of ${invoice.vendorInvoiceNumber}`, ctx);
      }
      // the post posts the whole payment journal: the lock still ours, only our payment line in it
      const takeOut = () => this.client.delete(`${keySegment('vendorPaymentJournals', journal.id)}/${keySegment('vendorPayments', line.id)}`, '*', `removing the refused payment of ${invoice.vendorInvoiceNumber}`, ctx).catch(() => undefined);
      try {
        await fence();
        await clearJournalForPost(this.client, paymentJournal(journal.id, journal.code), new Set([line.id]), ctx);
        // vendorPaymentJournals has no bound action (APIV2 - Vendor Paym. Journals, page 30061): the
        // batch is posted through journals({id}), whose OnFindRecord gets any batch by its SystemId
        await this.client.action(`${keySegment('journals', journal.id)}/Microsoft.NAV.post`, `posting the payment of ${invoice.vendorInvoiceNumber}`, ctx);
      } catch (err) {
        // refused (not ours in the journal, or BC refused the payment): our line out, so it blocks no later payment
        if (err instanceof ErpError && !err.retryable) await takeOut();
        throw err;
      }
      const posted = await this.findPayment(entry.reference, ctx);
      if (!posted) throw new ErpError('unavailable', `Business Central accepted posting the payment of ${invoice.vendorInvoiceNumber} but shows no entries yet; it will be checked again.`, { mayHaveApplied: true });
      return posted.id;
    }, ctx.signal);
  }
}
