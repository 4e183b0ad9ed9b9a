import { BC, HttpAnswer, bcError } from './bc-answers';
import { BcCompany, LedgerExtras } from './bc-company';
import { postIncomingDocuments } from './bc-incoming';
import { Doc, Row, round2 } from './bc-store';

interface Entry {
  accountNumber: string;
  amount: number;
  postingDate: string;
  documentNumber: string;
  documentType: ' ' | 'Invoice' | 'Payment';
  description: string;
  extras: LedgerExtras;
}

const fail = (message: string) => bcError(400, BC.application, message);
const str = (v: unknown) => (typeof v === 'string' ? v : '');
const lineRef = (journal: Doc, line: Doc) => `Journal Template Name='GENERAL',Journal Batch Name='${String(journal.code)}',Line No.='${String(line.lineNumber)}'`;
const dims = (co: BcCompany, id: string) => (co.dimensionSets.get(id) ?? []).map((d) => ({ code: d.code, valueCode: d.valueCode }));

function writeEntries(co: BcCompany, entries: Entry[]): void {
  for (const e of entries) {
    if (!e.amount) continue;
    const account = co.account(e.accountNumber)!;
    const row = co.generalLedgerEntries.insert({
      entryNumber: co.nextGlEntryNumber(), postingDate: e.postingDate, documentNumber: e.documentNumber, documentType: e.documentType, accountId: account.id, accountNumber: e.accountNumber,
      description: e.description, debitAmount: e.amount > 0 ? round2(e.amount) : 0, creditAmount: e.amount < 0 ? round2(-e.amount) : 0, additionalCurrencyDebitAmount: 0, additionalCurrencyCreditAmount: 0,
    });
    co.ledgerExtras.set(String(row.doc.id), e.extras);
  }
}

/** The G/L side of an amount booked with a tax code: base to the account, VAT to the VAT accounts. */
function taxed(co: BcCompany, accountNumber: string, gross: number, taxCode: string, make: (accountNumber: string, amount: number) => Entry): Entry[] {
  const setup = co.tax.get(taxCode);
  if (!setup || !setup.rate) return [make(accountNumber, gross)];
  if (setup.reverseCharge) {
    const vat = round2(gross * setup.rate);
    return [make(accountNumber, gross), make(co.postingAccounts.purchaseVat, vat), make(co.postingAccounts.reverseChargeVat, -vat)];
  }
  const base = round2(gross / (1 + setup.rate));
  return [make(accountNumber, base), make(co.postingAccounts.purchaseVat, round2(gross - base))];
}

/**
 * `journals({id})/Microsoft.NAV.post`: checks every line of the batch (account, document number,
 * allowed posting dates, balance per document number and posting date), then posts ALL of them
 * to G/L entries and empties the journal — or posts nothing (BC posts a batch in one transaction).
 */
export function postJournal(co: BcCompany, journal: Row): HttpAnswer {
  const j = journal.doc;
  const lines = co.journalLines.docs().filter((l) => l.journalId === j.id).sort((a, b) => Number(a.lineNumber) - Number(b.lineNumber));
  const payments = co.vendorPayments.docs().filter((l) => l.journalId === j.id).sort((a, b) => Number(a.lineNumber) - Number(b.lineNumber));
  if (!lines.length && !payments.length) return fail('There is nothing to post.');
  const entries: Entry[] = [];
  for (const l of lines) {
    if (!l.accountNumber) return fail(`Account No. must have a value in Gen. Journal Line: ${lineRef(j, l)}. It cannot be zero or empty.`);
    if (!l.documentNumber) return fail(`Document No. must have a value in Gen. Journal Line: ${lineRef(j, l)}. It cannot be zero or empty.`);
    if (!co.postingAllowed(l.postingDate)) return bcError(400, BC.postingDateNotAllowed, `Posting Date is not within your range of allowed posting dates in Gen. Journal Line ${lineRef(j, l)}.`);
    const extras: LedgerExtras = { externalDocumentNumber: str(l.externalDocumentNumber), source: 'journal', journal: str(j.code), dimensions: dims(co, String(l.id)) };
    const make = (accountNumber: string, amount: number): Entry => ({ accountNumber, amount, postingDate: String(l.postingDate), documentNumber: String(l.documentNumber), documentType: ' ', description: str(l.description), extras });
    const accountGl = l.accountType === 'Bank Account' ? co.bankGl.get(String(l.accountNumber))! : l.accountType === 'Vendor' ? co.postingAccounts.payables : String(l.accountNumber);
    const account = co.account(accountGl);
    if (!account) return fail(`The G/L Account does not exist. Identification fields and values: No.='${accountGl}'`);
    if (account.blocked) return fail(`Blocked must be equal to 'No'  in G/L Account: No.=${accountGl}. Current value is 'Yes'.`);
    entries.push(...taxed(co, accountGl, Number(l.amount), str(l.taxCode), make));
    if (l.balancingAccountNumber) {
      const balGl = l.balanceAccountType === 'Bank Account' ? co.bankGl.get(String(l.balancingAccountNumber))! : l.balanceAccountType === 'Vendor' ? co.postingAccounts.payables : String(l.balancingAccountNumber);
      entries.push(make(balGl, -Number(l.amount)));
    }
  }
  const applied: { payment: Doc; invoiceId: string }[] = [];
  for (const p of payments) {
    const ref = lineRef({ ...j, code: j.code }, p).replace("'GENERAL'", `'${String(j.templateDisplayName)}'`);
    if (!p.vendorNumber) return fail(`Account No. must have a value in Gen. Journal Line: ${ref}. It cannot be zero or empty.`);
    if (!p.documentNumber) return fail(`Document No. must have a value in Gen. Journal Line: ${ref}. It cannot be zero or empty.`);
    if (!co.postingAllowed(p.postingDate)) return bcError(400, BC.postingDateNotAllowed, `Posting Date is not within your range of allowed posting dates in Gen. Journal Line ${ref}.`);
    const vendor = co.vendorByNumber(p.vendorNumber)?.doc;
    if (!vendor) return fail(`The Vendor does not exist. Identification fields and values: No.='${String(p.vendorNumber)}'`);
    if (vendor.blocked === 'Payment' || vendor.blocked === 'All') return fail(`You cannot post this type of document when Vendor ${String(vendor.number)} is blocked with type ${String(vendor.blocked)}`);
    const balNumber = str(j.balancingAccountNumber);
    if (!balNumber) return fail(`Bal. Account No. must have a value in Gen. Journal Line: ${ref}. It cannot be zero or empty.`);
    const balGl = co.journalBalanceType.get(String(j.id)) === 'Bank Account' ? co.bankGl.get(balNumber)! : balNumber;
    const extras: LedgerExtras = { externalDocumentNumber: str(p.externalDocumentNumber), source: 'vendorPayment', journal: str(j.code), dimensions: dims(co, String(p.id)) };
    const make = (accountNumber: string, amount: number): Entry => ({ accountNumber, amount, postingDate: String(p.postingDate), documentNumber: String(p.documentNumber), documentType: 'Payment', description: str(p.description) || str(vendor.displayName), extras });
    entries.push(make(co.postingAccounts.payables, Number(p.amount)), make(balGl, -Number(p.amount)));
    if (p.appliesToInvoiceId && p.appliesToInvoiceId !== '00000000-0000-0000-0000-000000000000') {
      const open = co.vendorLedger.find((e) => e.invoiceId === p.appliesToInvoiceId);
      if (!open || !open.open) return fail(`The invoice ${String(p.appliesToInvoiceNumber)} has no open vendor ledger entry to apply the payment to.`);
      applied.push({ payment: p, invoiceId: String(p.appliesToInvoiceId) });
    }
  }
  const balance = new Map<string, number>();
  for (const e of entries) balance.set(`${e.documentNumber}|${e.postingDate}`, round2((balance.get(`${e.documentNumber}|${e.postingDate}`) ?? 0) + e.amount));
  for (const [key, diff] of balance) {
    if (diff !== 0) {
      const [doc, date] = key.split('|');
      return fail(`Document No. ${doc} is out of balance by ${diff.toFixed(2)}. Please check that Posting Date (${date}), Document Type, Document No. and Amount are correct for each line.`);
    }
  }
  writeEntries(co, entries);
  postIncomingDocuments(co, [...lines, ...payments]);
  for (const l of lines) {
    co.journalLines.delete(String(l.id));
    co.dimensionSets.delete(String(l.id));
  }
  for (const p of payments) {
    const amount = Number(p.amount);
    const vendorRow = co.vendorByNumber(p.vendorNumber)!;
    co.vendors.update(vendorRow, { balance: round2(Number(vendorRow.doc.balance) - amount) });
    const target = applied.find((a) => a.payment === p);
    const invoiceEntry = target ? co.vendorLedger.find((e) => e.invoiceId === target.invoiceId) : undefined;
    const used = invoiceEntry ? Math.min(amount, -invoiceEntry.remainingAmount) : 0;
    if (invoiceEntry) {
      invoiceEntry.remainingAmount = round2(invoiceEntry.remainingAmount + used);
      invoiceEntry.open = invoiceEntry.remainingAmount !== 0;
      if (!invoiceEntry.open) co.purchaseInvoices.update(co.purchaseInvoices.get(target!.invoiceId)!, { status: 'Paid' });
    }
    const remaining = round2(amount - used);
    co.vendorLedger.push({ entryNumber: co.nextVendorEntryNumber(), vendorNumber: String(p.vendorNumber), documentType: 'Payment', documentNumber: String(p.documentNumber), externalDocumentNumber: str(p.externalDocumentNumber), postingDate: String(p.postingDate), amount, remainingAmount: remaining, open: remaining !== 0 });
    co.vendorPayments.delete(String(p.id));
    co.dimensionSets.delete(String(p.id));
  }
  return new HttpAnswer(204);
}

/**
 * `purchaseInvoices({id})/Microsoft.NAV.post`: a draft invoice becomes a posted one (new number
 * from the posted series, status Open, read-only), G/L entries (expense net, VAT, payables
 * credit) and an open vendor ledger entry. Checks as BC does: draft only, a vendor invoice number
 * that the vendor has not used on a posted invoice, a vendor not blocked, lines to post, the
 * allowed posting dates.
 */
export function postPurchaseInvoice(co: BcCompany, invoice: Row): HttpAnswer {
  const inv = invoice.doc;
  if (inv.status !== 'Draft') return fail('The action can be applied to a draft invoice only.');
  const vendor = co.vendors.get(String(inv.vendorId))?.doc;
  if (!vendor) return fail('The vendor cannot be found.');
  if (vendor.blocked === 'All') return fail(`You cannot post this type of document when Vendor ${String(vendor.number)} is blocked with type All`);
  const ref = `Purchase Header: Document Type=Invoice, No.=${String(inv.number)}`;
  if (!inv.vendorInvoiceNumber) return fail(`Vendor Invoice No. must have a value in ${ref}. It cannot be zero or empty.`);
  const used = co.purchaseInvoices.find((d) => d !== inv && d.status !== 'Draft' && d.vendorId === inv.vendorId && str(d.vendorInvoiceNumber).toUpperCase() === str(inv.vendorInvoiceNumber).toUpperCase());
  if (used) return fail(`Purchase Invoice ${String(used.doc.number)} already exists for this vendor.`);
  if (!co.postingAllowed(inv.postingDate)) return bcError(400, BC.postingDateNotAllowed, `Posting Date is not within your range of allowed posting dates in ${ref}.`);
  const lines = co.purchaseInvoiceLines.docs().filter((l) => l.documentId === inv.id && l.lineType === 'Account' && Number(l.quantity) !== 0);
  if (!lines.length) return fail('There is nothing to post.');
  const number = co.series.postedPurchaseInvoice.next();
  const extras: LedgerExtras = { externalDocumentNumber: str(inv.vendorInvoiceNumber), source: 'purchaseInvoice', dimensions: dims(co, String(inv.id)) };
  const entries: Entry[] = [];
  for (const l of lines) {
    const lineExtras = { ...extras, dimensions: [...extras.dimensions, ...dims(co, String(l.id))] };
    const make = (accountNumber: string, amount: number): Entry => ({ accountNumber, amount, postingDate: String(inv.postingDate), documentNumber: number, documentType: 'Invoice', description: str(l.description) || str(vendor.displayName), extras: lineExtras });
    const net = Number(l.netAmount);
    const setup = co.tax.get(str(l.taxCode));
    entries.push(make(String(l.lineObjectNumber), net));
    if (setup?.rate) {
      const vat = round2(net * setup.rate);
      entries.push(make(co.postingAccounts.purchaseVat, setup.reverseCharge ? vat : Number(l.netTaxAmount)));
      if (setup.reverseCharge) entries.push(make(co.postingAccounts.reverseChargeVat, -vat));
    }
  }
  const total = Number(inv.totalAmountIncludingTax);
  entries.push({ accountNumber: co.postingAccounts.payables, amount: -total, postingDate: String(inv.postingDate), documentNumber: number, documentType: 'Invoice', description: str(vendor.displayName), extras });
  const diff = round2(entries.reduce((s, e) => s + e.amount, 0));
  if (diff !== 0) return fail(`The transaction cannot be completed because it will cause inconsistencies in the G/L Entry table (out of balance by ${diff.toFixed(2)}).`);
  writeEntries(co, entries);
  co.vendorLedger.push({ entryNumber: co.nextVendorEntryNumber(), vendorNumber: String(vendor.number), documentType: 'Invoice', documentNumber: number, externalDocumentNumber: str(inv.vendorInvoiceNumber), invoiceId: String(inv.id), postingDate: String(inv.postingDate), amount: -total, remainingAmount: -total, open: total !== 0 });
  co.purchaseInvoices.update(invoice, { number, status: total === 0 ? 'Paid' : 'Open' });
  co.vendors.update(co.vendors.get(String(vendor.id))!, { balance: round2(Number(vendor.balance) + total) });
  return new HttpAnswer(204);
}
