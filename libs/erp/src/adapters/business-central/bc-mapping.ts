import { ExpenseEntry, ExpenseLine } from '../../erp-adapter.port';
import { ErpError } from '../../erp-errors';
import { sumDecimals } from '../../decimal';
import { BcJournalLineCreate } from './bc-entities';
import { fit, referenceCode } from './bc-odata';

/** Text fields: Description Text[100]; Code[20] document numbers; Code[35] external document numbers. */
const DESCRIPTION = 100;

/** The marker an entry's lines (and so their G/L entries) carry in their description: `[<code>]`. */
export const entryMarker = (reference: string) => `[${referenceCode(reference)}]`;
/** The marker of the payment booked for an entry. */
export const paymentMarker = (reference: string) => `[P:${referenceCode(reference)}]`;

/** `text [marker]` within BC's 100 characters: the marker is never cut, the text may be. */
export function markedDescription(text: string, marker: string): string {
  const clean = text.replace(/\s+/g, ' ').trim();
  return `${fit(clean, DESCRIPTION - marker.length - 1)} ${marker}`.trim();
}

/** Document No. (Code[20]): Pleo's reconciliation id when it fits, else PLEO + our code's start. */
export function documentNumber(entry: ExpenseEntry): string {
  const book = entry.externalReference?.trim().toUpperCase();
  if (book && book.length <= 20 && /^[A-Z0-9._/-]+$/.test(book)) return book;
  return `PLEO${referenceCode(entry.reference).slice(0, 16)}`;
}

/** What a line costs including the tax that is paid (reverse-charge tax is self-assessed by BC, not paid). */
export function grossOf(line: ExpenseLine): string {
  return line.tax && line.tax.mode !== 'reverse' ? sumDecimals([line.net.value, line.tax.amount.value], 2) : sumDecimals([line.net.value], 2);
}

export const amount = (decimal: string) => Number(decimal);

/** Dimension set lines of a line: Pleo's tag group and value codes as BC dimension and value codes. */
export function dimensionsOf(line: ExpenseLine): { code: string; valueCode: string }[] {
  return (line.dimensions ?? []).map((d) => ({ code: d.group.trim().toUpperCase(), valueCode: d.value.trim().toUpperCase() }));
}

export interface PlannedJournalLine {
  line: BcJournalLineCreate;
  dimensions: { code: string; valueCode: string }[];
}

/**
 * Journal mode: one general journal line per expense line, on the expense G/L account, balanced by
 * the counter (contra) account on the same line. BC's journal Amount includes VAT and BC splits the
 * VAT off by the tax code (VAT Prod. Posting Group); a reverse-charge code makes BC self-assess, so
 * such a line carries the net only. No currency: API v2.0 journal lines book in local currency.
 */
export function journalLines(entry: ExpenseEntry): PlannedJournalLine[] {
  const marker = entryMarker(entry.reference);
  const doc = documentNumber(entry);
  const external = referenceCode(entry.reference);
  return entry.lines.map((l) => {
    if (!l.account?.trim()) throw new ErpError('validation', 'An expense line has no account.', { subject: 'account' });
    return {
      line: {
        accountType: 'G/L Account',
        accountNumber: l.account.trim(),
        postingDate: entry.date,
        documentNumber: doc,
        externalDocumentNumber: external,
        amount: amount(grossOf(l)),
        description: markedDescription(l.description ?? entry.description, marker),
        ...(l.tax && { taxCode: l.tax.code.trim().toUpperCase() }),
        balanceAccountType: 'G/L Account',
        balancingAccountNumber: entry.contraAccount.trim(),
      },
      dimensions: dimensionsOf(l),
    };
  });
}

/**
 * Ship-to Name of a bill Pleo says was paid (the ship-to fields are free text, kept when posted;
 * Pleo expenses ship nothing): a later look-up knows from the bill alone that it is finished only
 * once its payment is posted too.
 */
export const PAID_BY_PLEO = 'Paid by Pleo';

/** Accounts payable: the purchase invoice header (lines excluding tax; BC computes the tax by code). */
export function purchaseInvoice(entry: ExpenseEntry, vendorId: string, ownTag: string) {
  const invoiceNumber = entry.invoice?.number?.trim() || referenceCode(entry.reference);
  if (invoiceNumber.length > 35) throw new ErpError('validation', `The invoice number ${invoiceNumber} is longer than Business Central's 35 characters.`);
  return {
    vendorId,
    vendorInvoiceNumber: invoiceNumber,
    invoiceDate: entry.invoice?.date ?? entry.date,
    postingDate: entry.date,
    ...(entry.invoice?.dueDate && { dueDate: entry.invoice.dueDate }),
    currencyCode: entry.total.currency,
    pricesIncludeTax: false,
    shipToContact: ownTag,
    ...(entry.payment && { shipToName: PAID_BY_PLEO }),
  };
}

export function purchaseInvoiceLines(entry: ExpenseEntry) {
  return entry.lines.map((l) => ({
    lineType: 'Account' as const,
    lineObjectNumber: l.account.trim(),
    description: fit((l.description ?? entry.description).replace(/\s+/g, ' ').trim(), DESCRIPTION),
    quantity: 1,
    unitCost: amount(l.net.value),
    ...(l.tax && { taxCode: l.tax.code.trim().toUpperCase() }),
  }));
}
