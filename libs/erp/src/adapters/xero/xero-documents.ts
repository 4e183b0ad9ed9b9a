import type { components } from './generated/xero-api';
import { ExpenseEntry, ExpenseLine } from '../../erp-adapter.port';
import { sumDecimals } from '../../decimal';

type S = components['schemas'];
export type BankTransaction = S['BankTransaction'];
export type Invoice = S['Invoice'];
export type ManualJournal = S['ManualJournal'];
export type Payment = S['Payment'];

/** Our reference on every Xero document: found again by it after an unknown outcome. */
export const referenceTag = (reference: string) => `pleo:${reference}`;

const num = (decimal: string) => Number(decimal);
const taxed = (line: ExpenseLine) => !!line.tax && line.tax.mode !== 'reverse';

/**
 * How amounts are stated: all-inclusive lines → Inclusive; any tax → Exclusive with the tax amount
 * Pleo computed (Xero would otherwise recompute and round on its own); no tax → NoTax. A reverse
 * charge line is stated net under its (self-assessed) tax type and adds nothing to the total.
 */
export function lineAmountTypes(entry: ExpenseEntry): 'Inclusive' | 'Exclusive' | 'NoTax' {
  const withTax = entry.lines.filter((l) => l.tax);
  if (!withTax.length) return 'NoTax';
  return withTax.every((l) => l.tax!.mode === 'inclusive') && entry.lines.every(taxed) ? 'Inclusive' : 'Exclusive';
}

function lineItem(line: ExpenseLine, types: string, fallback: string): S['LineItem'] {
  const gross = taxed(line) ? sumDecimals([line.net.value, line.tax!.amount.value], 2) : line.net.value;
  return {
    Description: line.description || fallback,
    Quantity: 1,
    UnitAmount: num(types === 'Inclusive' ? gross : line.net.value),
    AccountCode: line.account,
    ...(line.tax && { TaxType: line.tax.code }),
    ...(taxed(line) && { TaxAmount: num(line.tax!.amount.value) }),
    ...(line.dimensions?.length && { Tracking: line.dimensions.map((d) => ({ Name: d.group, Option: d.value })) }),
  };
}

/** Card / wallet spend: a SPEND bank transaction on the bank account the contra account names (Xero has no draft spend money). */
export function spendMoney(entry: ExpenseEntry, contactId: string): BankTransaction {
  const types = lineAmountTypes(entry);
  return {
    Type: 'SPEND',
    Contact: { ContactID: contactId },
    BankAccount: { Code: entry.contraAccount },
    Date: entry.date,
    Reference: reference(entry),
    CurrencyCode: entry.total.currency as BankTransaction['CurrencyCode'],
    LineAmountTypes: types,
    LineItems: entry.lines.map((l) => lineItem(l, types, entry.description)),
  };
}

/**
 * A contra account that is not a bank account (out-of-pocket, clearing): a manual journal, amounts
 * stated tax-inclusive, the contra credited with the total. Journals are in the base currency.
 */
export function manualJournal(entry: ExpenseEntry): ManualJournal {
  const anyTax = entry.lines.some((l) => l.tax);
  const lines: S['ManualJournalLine'][] = entry.lines.map((l) => ({
    LineAmount: num(taxed(l) ? sumDecimals([l.net.value, l.tax!.amount.value], 2) : l.net.value),
    AccountCode: l.account,
    Description: l.description || entry.description,
    ...(l.tax && { TaxType: l.tax.code }),
    ...(taxed(l) && { TaxAmount: num(l.tax!.amount.value) }),
    ...(l.dimensions?.length && { Tracking: l.dimensions.map((d) => ({ Name: d.group, Option: d.value })) }),
  }));
  lines.push({ LineAmount: -num(entry.total.value), AccountCode: entry.contraAccount, Description: entry.description });
  return {
    Narration: `${entry.description} · ${reference(entry)}`.slice(-4000),
    Date: entry.date,
    LineAmountTypes: anyTax ? 'Inclusive' : 'NoTax',
    Status: entry.state === 'posted' ? 'POSTED' : 'DRAFT',
    JournalLines: lines,
  };
}

/** Accounts payable: the vendor's bill (ACCPAY), its number and due date from Pleo's invoice. */
export function bill(entry: ExpenseEntry, contactId: string): Invoice {
  const types = lineAmountTypes(entry);
  return {
    Type: 'ACCPAY',
    Contact: { ContactID: contactId },
    Date: entry.invoice?.date ?? entry.date,
    DueDate: entry.invoice?.dueDate ?? entry.invoice?.date ?? entry.date,
    // for a bill this is the supplier's number; without one, ours, so the bill can be found again
    InvoiceNumber: entry.invoice?.number ?? referenceTag(entry.reference),
    Reference: reference(entry),
    CurrencyCode: entry.total.currency as Invoice['CurrencyCode'],
    LineAmountTypes: types,
    Status: entry.state === 'posted' ? 'AUTHORISED' : 'DRAFT',
    LineItems: entry.lines.map((l) => lineItem(l, types, entry.description)),
  };
}

/** A payment of a bill from the bank account the money left. */
export function billPayment(entry: ExpenseEntry, invoiceId: string): Payment {
  const p = entry.payment!;
  return { Invoice: { InvoiceID: invoiceId }, Account: { Code: p.account }, Date: p.date, Amount: num(p.amount.value), Reference: referenceTag(entry.reference) };
}

/** Pleo's reconciliation id for bookkeepers, then our reference (what reconciliation searches for). */
function reference(entry: ExpenseEntry): string {
  return entry.externalReference ? `${entry.externalReference} ${referenceTag(entry.reference)}` : referenceTag(entry.reference);
}
