import { randomUUID } from 'node:crypto';
import { Doc, FakeXeroOrg } from './fake-xero-org';

/** A created element, or the messages Xero would put in its ValidationErrors. */
export type Outcome = { ok: Doc } | { errors: string[] };

const cents = (n: unknown) => Math.round(Number(n ?? 0) * 100);
const amount = (c: number) => c / 100;
const now = () => `/Date(${Date.now()}+0000)/`;
const list = (v: unknown) => (Array.isArray(v) ? (v as Doc[]) : []);

/** Xero's checks shared by every dated document in a currency. */
function checkCommon(org: FakeXeroOrg, el: Doc, errors: string[]): void {
  if (typeof el.Date === 'string' && org.lockDate && el.Date.slice(0, 10) <= org.lockDate) {
    errors.push(`The document date cannot be before the period lock date (${org.lockDate}).`);
  }
  if (typeof el.CurrencyCode === 'string' && !org.currencies.has(el.CurrencyCode)) {
    errors.push(`Organisation is not subscribed to currency ${el.CurrencyCode}`);
  }
}

function checkTracking(org: FakeXeroOrg, tracking: Doc[], errors: string[]): void {
  if (tracking.length > 2) errors.push('A line item can have at most 2 tracking categories.');
  for (const t of tracking) {
    const category = org.tracking.find((c) => c.Name === t.Name || c.TrackingCategoryID === t.TrackingCategoryID);
    if (!category) {
      errors.push(`Tracking category '${String(t.Name ?? t.TrackingCategoryID)}' does not exist.`);
    } else if (!category.Options.some((o) => o.Name === t.Option || o.TrackingOptionID === t.TrackingOptionID)) {
      errors.push(`The tracking option '${String(t.Option ?? t.TrackingOptionID)}' does not exist for tracking category '${category.Name}'.`);
    }
  }
}

/** Line items of bank transactions and invoices: accounts, tax types, tracking; returns the priced lines. */
function priceLines(org: FakeXeroOrg, el: Doc, errors: string[]): { lines: Doc[]; sub: number; tax: number } {
  const mode = (el.LineAmountTypes as string) ?? 'Exclusive';
  let sub = 0;
  let tax = 0;
  const lines = list(el.LineItems).map((line) => {
    const account = org.accountByCode(line.AccountCode);
    if (!account) errors.push(`Account code '${String(line.AccountCode ?? '')}' is not a valid code for this document.`);
    else if (account.Type === 'BANK') errors.push(`Account code '${account.Code}' is a bank account and cannot be used on a line item.`);
    const rate = line.TaxType === undefined ? org.taxRate('INPUT2') : org.taxRate(line.TaxType);
    if (!rate) errors.push(`The TaxType code '${String(line.TaxType)}' does not exist or cannot be used for this type of transaction.`);
    checkTracking(org, list(line.Tracking), errors);
    const lineAmount = line.LineAmount !== undefined ? cents(line.LineAmount) : Math.round(cents(line.UnitAmount) * Number(line.Quantity ?? 1));
    const r = mode === 'NoTax' ? 0 : rate?.EffectiveRate ?? 0;
    const lineTax = line.TaxAmount !== undefined ? cents(line.TaxAmount) : mode === 'Inclusive' ? Math.round((lineAmount * r) / (100 + r)) : Math.round((lineAmount * r) / 100);
    sub += mode === 'Inclusive' && !rate?.selfAssessed ? lineAmount - lineTax : lineAmount;
    if (!rate?.selfAssessed) tax += lineTax;
    return { ...line, LineItemID: randomUUID(), Quantity: line.Quantity ?? 1, LineAmount: amount(lineAmount), TaxAmount: amount(lineTax), TaxType: rate?.TaxType ?? line.TaxType };
  });
  if (!lines.length) errors.push('At least one line item is required.');
  return { lines, sub, tax };
}

function contactRef(org: FakeXeroOrg, el: Doc, errors: string[]): Doc | undefined {
  if (!el.Contact) {
    errors.push('A Contact must be specified for this type of transaction');
    return undefined;
  }
  const contact = org.contact(el.Contact);
  if (!contact) errors.push('The contact specified does not exist.');
  return contact && { ContactID: contact.ContactID, Name: contact.Name };
}

export function createContact(org: FakeXeroOrg, el: Doc): Outcome {
  const errors: string[] = [];
  const name = typeof el.Name === 'string' ? el.Name.trim() : '';
  if (!name) errors.push('The contact name must be specified.');
  const taken = [...org.contacts.values()].some((c) => c.ContactStatus === 'ACTIVE' && String(c.Name).toLowerCase() === name.toLowerCase());
  if (name && taken) errors.push(`The contact name ${name} is already assigned to another contact. The contact name must be unique across all active contacts.`);
  if (typeof el.DefaultCurrency === 'string' && !org.currencies.has(el.DefaultCurrency)) errors.push(`Organisation is not subscribed to currency ${el.DefaultCurrency}`);
  if (errors.length) return { errors };
  const contact = { ...el, Name: name, ContactID: randomUUID(), ContactStatus: 'ACTIVE', IsSupplier: false, IsCustomer: false, UpdatedDateUTC: now(), HasAttachments: false };
  org.contacts.set(contact.ContactID, contact);
  return { ok: contact };
}

export function createBankTransaction(org: FakeXeroOrg, el: Doc): Outcome {
  const errors: string[] = [];
  if (el.Type !== 'SPEND') errors.push(`The fake Xero books SPEND bank transactions only (got ${String(el.Type)}).`);
  const bank = org.account(el.BankAccount);
  if (!bank) errors.push('The BankAccount specified does not exist.');
  else if (bank.Type !== 'BANK') errors.push(`Account code '${bank.Code}' is not a bank account. Spend money must be paid from a bank account.`);
  const currency = (el.CurrencyCode as string) ?? bank?.CurrencyCode ?? org.baseCurrency;
  if (bank?.CurrencyCode && currency !== bank.CurrencyCode) errors.push(`The currency ${currency} does not match the currency of bank account ${bank.Code} (${bank.CurrencyCode}).`);
  checkCommon(org, el, errors);
  const contact = contactRef(org, el, errors);
  const priced = priceLines(org, el, errors);
  if (errors.length) return { errors };
  const doc = {
    ...el,
    BankTransactionID: randomUUID(),
    Contact: contact,
    BankAccount: { AccountID: bank!.AccountID, Code: bank!.Code, Name: bank!.Name },
    CurrencyCode: currency,
    LineAmountTypes: el.LineAmountTypes ?? 'Exclusive',
    LineItems: priced.lines,
    SubTotal: amount(priced.sub),
    TotalTax: amount(priced.tax),
    Total: amount(priced.sub + priced.tax),
    Status: 'AUTHORISED',
    IsReconciled: false,
    HasAttachments: false,
    UpdatedDateUTC: now(),
  };
  org.bankTransactions.set(doc.BankTransactionID, doc);
  return { ok: doc };
}

export function createInvoice(org: FakeXeroOrg, el: Doc): Outcome {
  const errors: string[] = [];
  if (el.Type !== 'ACCPAY') errors.push(`The fake Xero books ACCPAY invoices only (got ${String(el.Type)}).`);
  const status = (el.Status as string) ?? 'DRAFT';
  if (!['DRAFT', 'SUBMITTED', 'AUTHORISED'].includes(status)) errors.push(`Invoice status ${status} cannot be set on creation.`);
  checkCommon(org, el, errors);
  const contact = contactRef(org, el, errors);
  const priced = priceLines(org, el, errors);
  if (status === 'AUTHORISED' && !el.DueDate) errors.push('Due Date is required for an authorised invoice.');
  if (errors.length) return { errors };
  const total = amount(priced.sub + priced.tax);
  // Reference is "ACCREC only" (spec): a bill does not keep it
  const { Reference: _ignored, ...kept } = el;
  const doc = {
    ...kept,
    InvoiceID: randomUUID(),
    Contact: contact,
    Status: status,
    CurrencyCode: el.CurrencyCode ?? org.baseCurrency,
    LineAmountTypes: el.LineAmountTypes ?? 'Exclusive',
    LineItems: priced.lines,
    SubTotal: amount(priced.sub),
    TotalTax: amount(priced.tax),
    Total: total,
    AmountDue: total,
    AmountPaid: 0,
    Payments: [] as Doc[],
    HasAttachments: false,
    UpdatedDateUTC: now(),
  };
  org.invoices.set(doc.InvoiceID, doc);
  const supplier = org.contacts.get(String(contact!.ContactID));
  if (supplier) supplier.IsSupplier = true;
  return { ok: doc };
}

export function createPayment(org: FakeXeroOrg, el: Doc): Outcome {
  const errors: string[] = [];
  const ref = (el.Invoice ?? {}) as Doc;
  const invoice = ref.InvoiceID ? org.invoices.get(String(ref.InvoiceID)) : [...org.invoices.values()].find((i) => ref.InvoiceNumber && i.InvoiceNumber === ref.InvoiceNumber);
  if (!invoice) errors.push('The invoice specified for the payment does not exist.');
  else if (invoice.Status !== 'AUTHORISED') errors.push(`Invoice not of valid status for creation of a payment (${String(invoice.Status)}).`);
  const account = org.account(el.Account);
  if (!account) errors.push('The Account specified for the payment does not exist.');
  else if (account.Type !== 'BANK') errors.push(`Account code '${account.Code}' is not a bank account. Payments must be made from a bank account.`);
  checkCommon(org, el, errors);
  const paid = cents(el.Amount);
  if (paid <= 0) errors.push('Payment amount must be greater than zero.');
  else if (invoice && paid > cents(invoice.AmountDue)) errors.push('Payment amount exceeds the amount outstanding on this document.');
  if (errors.length) return { errors };
  const doc = { ...el, PaymentID: randomUUID(), Invoice: { InvoiceID: invoice!.InvoiceID, InvoiceNumber: invoice!.InvoiceNumber }, Account: { AccountID: account!.AccountID, Code: account!.Code }, Amount: amount(paid), Status: 'AUTHORISED', PaymentType: 'ACCPAYPAYMENT', UpdatedDateUTC: now() };
  org.payments.set(doc.PaymentID, doc);
  const due = cents(invoice!.AmountDue) - paid;
  Object.assign(invoice!, { AmountDue: amount(due), AmountPaid: amount(cents(invoice!.AmountPaid) + paid), ...(due === 0 && { Status: 'PAID' }) });
  (invoice!.Payments as Doc[]).push({ PaymentID: doc.PaymentID, Amount: doc.Amount, Date: el.Date });
  return { ok: doc };
}

export function createManualJournal(org: FakeXeroOrg, el: Doc): Outcome {
  const errors: string[] = [];
  if (!el.Narration) errors.push('Narration is required.');
  checkCommon(org, el, errors);
  const lines = list(el.JournalLines);
  if (lines.length < 2) errors.push('A manual journal must have at least two lines.');
  for (const line of lines) {
    if (!org.accountByCode(line.AccountCode)) errors.push(`Account code '${String(line.AccountCode ?? '')}' is not a valid code for this document.`);
    if (line.TaxType !== undefined && !org.taxRate(line.TaxType)) errors.push(`The TaxType code '${String(line.TaxType)}' does not exist or cannot be used for this type of transaction.`);
    checkTracking(org, list(line.Tracking), errors);
  }
  const debits = lines.filter((l) => cents(l.LineAmount) > 0).reduce((s, l) => s + cents(l.LineAmount), 0);
  const credits = lines.filter((l) => cents(l.LineAmount) < 0).reduce((s, l) => s + cents(l.LineAmount), 0);
  if (debits + credits !== 0) errors.push(`The total debits (${amount(debits).toFixed(2)}) must equal total credits (${amount(-credits).toFixed(2)})`);
  const status = (el.Status as string) ?? 'DRAFT';
  if (!['DRAFT', 'POSTED'].includes(status)) errors.push(`Manual journal status ${status} cannot be set on creation.`);
  if (errors.length) return { errors };
  const doc = { ...el, ManualJournalID: randomUUID(), Status: status, LineAmountTypes: el.LineAmountTypes ?? 'NoTax', HasAttachments: false, UpdatedDateUTC: now() };
  org.manualJournals.set(doc.ManualJournalID, doc);
  return { ok: doc };
}
