import { BC, HttpAnswer, bcError } from './bc-answers';
import { BcCompany, DimensionLine } from './bc-company';
import { Doc, Row, Table, round2 } from './bc-store';

const ZERO = '00000000-0000-0000-0000-000000000000';
const today = () => new Date().toISOString().slice(0, 10);
const fail = (message: string) => bcError(400, BC.application, message);
export const notFound = (what: string) => bcError(404, BC.recordNotFound, `The ${what} does not exist. Identification fields and values: Id='…'`);
const isAnswer = (v: unknown): v is HttpAnswer => v instanceof HttpAnswer;
const str = (v: unknown) => (typeof v === 'string' ? v : '');

// ---------------------------------------------------------------- vendors

export function vendorFields(co: BcCompany, body: Doc, current?: Row): Doc | HttpAnswer {
  const out: Doc = { ...body };
  if (body.currencyCode !== undefined || body.currencyId !== undefined) {
    const code = str(body.currencyCode).toUpperCase();
    if (!co.currencies.has(code)) return fail('The "currencyCode" does not match to a Currency.');
    out.currencyCode = code;
  }
  if (body.number !== undefined) {
    const clash = co.vendorByNumber(body.number);
    if (clash && clash !== current) return bcError(409, BC.duplicate, `The record in table Vendor already exists. Identification fields and values: No.='${String(body.number)}'`);
  }
  return out;
}

export function createVendor(co: BcCompany, body: Doc): Row | HttpAnswer {
  const fields = vendorFields(co, body);
  if (isAnswer(fields)) return fields;
  let number = str(fields.number);
  while (!number || co.vendorByNumber(number)) {
    if (number && fields.number !== undefined) break;
    number = co.series.vendor.next();
  }
  return co.vendors.insert({
    number, displayName: '', addressLine1: '', addressLine2: '', city: '', state: '', country: '', postalCode: '', phoneNumber: '', email: '', website: '',
    taxRegistrationNumber: '', currencyId: ZERO, currencyCode: '', irs1099Code: '', paymentTermsId: ZERO, paymentMethodId: ZERO, taxLiable: false, blocked: ' ', balance: 0,
    ...fields,
  });
}

// ---------------------------------------------------------------- dimension set lines

export function addDimensionLine(co: BcCompany, parentId: string, body: Doc): DimensionLine | HttpAnswer {
  if (!body.id && !body.code) return fail('The "id" or "code" field must be filled in.');
  if (!body.valueId && !body.valueCode) return fail('The "valueId" or "valueCode" field must be filled in.');
  const dim = body.id ? co.dimensions.get(str(body.id)) : co.dimensions.find((d) => str(d.code).toUpperCase() === str(body.code).toUpperCase());
  if (!dim) return fail(body.id ? 'The "id" does not match to a Dimension.' : 'The "code" does not match to a Dimension.');
  if (body.id && body.code && str(body.code).toUpperCase() !== dim.doc.code) return fail('The dimension field values do not match to a specific Dimension.');
  const value = co.dimensionValues.find((v) => v.dimensionId === dim.doc.id && (body.valueId ? v.id === str(body.valueId).toLowerCase() : str(v.code).toUpperCase() === str(body.valueCode).toUpperCase()));
  if (!value) return fail(body.valueId ? 'The "valueId" does not match to a Dimension Value.' : 'The "valueCode" does not match to a Dimension Value.');
  const set = co.dimensionSets.get(parentId) ?? [];
  if (set.some((l) => l.dimensionId === dim.doc.id)) return fail('The dimension set line already exists. Check existing dimension set lines and the default dimension set lines on the parent.');
  const line: DimensionLine = { dimensionId: String(dim.doc.id), code: String(dim.doc.code), valueId: String(value.doc.id), valueCode: String(value.doc.code) };
  co.dimensionSets.set(parentId, [...set, line]);
  return line;
}

export function dimensionDoc(co: BcCompany, parentId: string, parentType: string, l: DimensionLine): Doc {
  const dim = co.dimensions.get(l.dimensionId)?.doc;
  const value = co.dimensionValues.get(l.valueId)?.doc;
  return { id: l.dimensionId, code: l.code, consolidationCode: '', parentId, parentType, displayName: dim?.displayName ?? '', valueId: l.valueId, valueCode: l.valueCode, valueConsolidationCode: '', valueDisplayName: value?.displayName ?? '' };
}

function deepDimensions(co: BcCompany, parentId: string, lines: unknown): HttpAnswer | undefined {
  for (const l of (lines as Doc[] | undefined) ?? []) {
    const added = addDimensionLine(co, parentId, l);
    if (isAnswer(added)) return added;
  }
  return undefined;
}

/** A new line's deep-inserted dimension set lines; one refused takes the line (and the dimensions added) out again. */
function withDeepDimensions(co: BcCompany, table: Table, row: Row, lines: unknown): Row | HttpAnswer {
  const refused = deepDimensions(co, String(row.doc.id), lines);
  if (!refused) return row;
  table.delete(String(row.doc.id));
  co.dimensionSets.delete(String(row.doc.id));
  return refused;
}

/** Line No. as BC assigns it: the one asked for, else 10000 after the last; one already taken → 409 naming the record. */
function lineNumberFor(siblings: Doc[], field: 'lineNumber' | 'sequence', requested: unknown, table: string, keyFields: string): number | HttpAnswer {
  const n = typeof requested === 'number' && requested > 0 ? requested : Math.max(0, ...siblings.map((l) => Number(l[field]))) + 10000;
  if (siblings.some((l) => l[field] === n)) return bcError(409, BC.duplicate, `The record in table ${table} already exists. Identification fields and values: ${keyFields},Line No.='${n}'`);
  return n;
}

// ---------------------------------------------------------------- journal lines

function resolveAccount(co: BcCompany, type: string, id: unknown, number: unknown, field: 'account' | 'balancingAccount'): { id: string; number: string } | HttpAnswer {
  const idField = field === 'account' ? 'accountId' : 'balancingAccountId';
  const numberField = field === 'account' ? 'accountNumber' : 'balancingAccountNumber';
  if (!id && !number) return { id: ZERO, number: '' };
  const table = type === 'Bank Account' ? co.bankAccounts : type === 'Vendor' ? co.vendors : type === 'G/L Account' ? co.accounts : undefined;
  if (!table) return fail(`The fake Business Central does not post ${type} accounts.`);
  const row = id ? table.get(str(id)) : table.find((d) => str(d.number).toUpperCase() === str(number).toUpperCase());
  if (!row) return fail(id ? `The "${idField}" does not match to an Account.` : `The "${numberField}" does not match to an Account.`);
  if (id && number && str(number).toUpperCase() !== str(row.doc.number).toUpperCase()) return fail('The account values do not match to a specific Account.');
  return { id: String(row.doc.id), number: String(row.doc.number) };
}

function checkTaxCode(co: BcCompany, code: unknown, table: string): HttpAnswer | undefined {
  if (code === undefined || code === '') return undefined;
  if (!co.tax.has(str(code).toUpperCase())) return fail(`The field VAT Prod. Posting Group of table ${table} contains a value (${str(code)}) that cannot be found in the related table (VAT Product Posting Group).`);
  return undefined;
}

export function journalLineFields(co: BcCompany, body: Doc, current?: Doc): Doc | HttpAnswer {
  const merged = { ...current, ...body };
  const out: Doc = { ...body };
  delete out.dimensionSetLines;
  const account = resolveAccount(co, str(merged.accountType) || 'G/L Account', body.accountId, body.accountNumber, 'account');
  if (isAnswer(account)) return account;
  if (body.accountId !== undefined || body.accountNumber !== undefined) Object.assign(out, { accountId: account.id, accountNumber: account.number });
  const bal = resolveAccount(co, str(merged.balanceAccountType) || 'G/L Account', body.balancingAccountId, body.balancingAccountNumber, 'balancingAccount');
  if (isAnswer(bal)) return bal;
  if (body.balancingAccountId !== undefined || body.balancingAccountNumber !== undefined) Object.assign(out, { balancingAccountId: bal.id, balancingAccountNumber: bal.number });
  const tax = checkTaxCode(co, body.taxCode, 'Gen. Journal Line');
  if (tax) return tax;
  if (body.taxCode !== undefined) out.taxCode = str(body.taxCode).toUpperCase();
  return out;
}

export function createJournalLine(co: BcCompany, journal: Row, body: Doc): Row | HttpAnswer {
  const fields = journalLineFields(co, body);
  if (isAnswer(fields)) return fields;
  const siblings = co.journalLines.docs().filter((l) => l.journalId === journal.doc.id);
  const lineNumber = lineNumberFor(siblings, 'lineNumber', body.lineNumber, 'Gen. Journal Line', `Journal Template Name='GENERAL',Journal Batch Name='${String(journal.doc.code)}'`);
  if (isAnswer(lineNumber)) return lineNumber;
  const row = co.journalLines.insert({
    journalId: journal.doc.id, journalDisplayName: journal.doc.code, lineNumber, accountType: 'G/L Account', accountId: ZERO, accountNumber: '', postingDate: today(),
    documentNumber: str(body.documentNumber) || co.series.journalDocument.next(), externalDocumentNumber: '', amount: 0, description: '', comment: '', taxCode: '',
    balanceAccountType: co.journalBalanceType.get(String(journal.doc.id)) ?? 'G/L Account', balancingAccountId: journal.doc.balancingAccountId, balancingAccountNumber: str(journal.doc.balancingAccountNumber), ...fields,
  });
  return withDeepDimensions(co, co.journalLines, row, body.dimensionSetLines);
}

// ---------------------------------------------------------------- purchase invoices

export function invoiceVendorFields(co: BcCompany, body: Doc, forCreate: boolean): Doc | HttpAnswer {
  const out: Doc = { ...body };
  delete out.purchaseInvoiceLines;
  delete out.dimensionSetLines;
  if (body.vendorId !== undefined || body.vendorNumber !== undefined || forCreate) {
    if (!body.vendorId && !body.vendorNumber) return fail('A "vendorNumber" or a "vendorID" must be provided.');
    const vendor = body.vendorId ? co.vendors.get(str(body.vendorId)) : co.vendorByNumber(body.vendorNumber);
    if (!vendor || (body.vendorId && body.vendorNumber && str(body.vendorNumber).toUpperCase() !== str(vendor.doc.number).toUpperCase())) return fail('The vendor cannot be found.');
    const v = vendor.doc;
    if (v.blocked === 'All') return fail(`You cannot create this type of document when Vendor ${String(v.number)} is blocked with type All`);
    Object.assign(out, {
      vendorId: v.id, vendorNumber: v.number, vendorName: v.displayName, payToVendorId: v.id, payToVendorNumber: v.number, payToName: v.displayName, payToContact: '',
      buyFromAddressLine1: v.addressLine1, buyFromAddressLine2: v.addressLine2, buyFromCity: v.city, buyFromCountry: v.country, buyFromState: v.state, buyFromPostCode: v.postalCode,
      payToAddressLine1: v.addressLine1, payToAddressLine2: v.addressLine2, payToCity: v.city, payToCountry: v.country, payToState: v.state, payToPostCode: v.postalCode,
    });
    if (body.currencyCode === undefined && forCreate) out.currencyCode = v.currencyCode;
  }
  if (body.currencyCode !== undefined) {
    const code = str(body.currencyCode).toUpperCase();
    if (!co.currencies.has(code)) return fail('The "currencyCode" does not match to a Currency.');
    out.currencyCode = code;
  }
  return out;
}

export function createPurchaseInvoice(co: BcCompany, body: Doc): Row | HttpAnswer {
  const fields = invoiceVendorFields(co, body, true);
  if (isAnswer(fields)) return fields;
  const date = str(body.invoiceDate) || today();
  const row = co.purchaseInvoices.insert({
    number: co.series.purchaseInvoice.next(), postingDate: date, invoiceDate: date, dueDate: date, vendorInvoiceNumber: '',
    shipToName: '', shipToContact: '', shipToAddressLine1: '', shipToAddressLine2: '', shipToCity: '', shipToCountry: '', shipToState: '', shipToPostCode: '',
    shortcutDimension1Code: '', shortcutDimension2Code: '', currencyId: ZERO, currencyCode: '', orderId: ZERO, orderNumber: '', purchaser: '', pricesIncludeTax: false,
    discountAmount: 0, discountAppliedBeforeTax: true, totalAmountExcludingTax: 0, totalTaxAmount: 0, totalAmountIncludingTax: 0, status: 'Draft',
    ...fields,
  });
  const id = String(row.doc.id);
  const undo = (answer: HttpAnswer) => {
    for (const l of co.purchaseInvoiceLines.docs().filter((d) => d.documentId === id)) {
      co.purchaseInvoiceLines.delete(String(l.id));
      co.dimensionSets.delete(String(l.id));
    }
    co.purchaseInvoices.delete(id);
    co.dimensionSets.delete(id);
    return answer;
  };
  const dims = deepDimensions(co, id, body.dimensionSetLines);
  if (dims) return undo(dims);
  for (const line of (body.purchaseInvoiceLines as Doc[] | undefined) ?? []) {
    const added = createPurchaseInvoiceLine(co, row, line);
    if (isAnswer(added)) return undo(added);
  }
  return row;
}

export function invoiceLineFields(co: BcCompany, body: Doc, current?: Doc): Doc | HttpAnswer {
  const out: Doc = { ...body };
  delete out.dimensionSetLines;
  const type = str(body.lineType ?? current?.lineType) || 'Comment';
  if (current && body.lineObjectNumber !== undefined && current.lineObjectNumber && body.lineObjectNumber !== current.lineObjectNumber) return fail('The value for "lineObjectNumber" cannot be modified.');
  if (body.lineObjectNumber !== undefined || body.accountId !== undefined || body.itemId !== undefined) {
    if (body.itemId !== undefined || type === 'Item') return fail('Item does not exist.');
    if (type !== 'Account') return fail(`The fake Business Central only takes lines of lineType Account or Comment with an account (got ${type}).`);
    const acc = body.accountId ? co.accounts.get(str(body.accountId)) : co.accounts.find((a) => a.number === str(body.lineObjectNumber).toUpperCase());
    if (!acc) return fail('Account does not exist.');
    Object.assign(out, { accountId: acc.doc.id, lineObjectNumber: acc.doc.number, lineType: 'Account' });
  }
  const tax = checkTaxCode(co, body.taxCode, 'Purchase Line');
  if (tax) return tax;
  if (body.taxCode !== undefined) out.taxCode = str(body.taxCode).toUpperCase();
  return out;
}

export function createPurchaseInvoiceLine(co: BcCompany, invoice: Row, body: Doc): Row | HttpAnswer {
  if (invoice.doc.status !== 'Draft') return fail('The purchase invoice has been posted and its lines cannot be changed.');
  if (body.documentId !== undefined && str(body.documentId).toLowerCase() !== invoice.doc.id) return fail('The value for "documentId" cannot be modified.');
  const fields = invoiceLineFields(co, body);
  if (isAnswer(fields)) return fields;
  const siblings = co.purchaseInvoiceLines.docs().filter((l) => l.documentId === invoice.doc.id);
  const sequence = lineNumberFor(siblings, 'sequence', body.sequence, 'Purchase Line', `Document Type='Invoice',Document No.='${String(invoice.doc.number)}'`);
  if (isAnswer(sequence)) return sequence;
  const row = co.purchaseInvoiceLines.insert({
    documentId: invoice.doc.id, sequence, itemId: ZERO, accountId: ZERO, lineType: 'Comment', lineObjectNumber: '', description: '', unitOfMeasureId: ZERO, unitOfMeasureCode: '',
    unitCost: 0, quantity: 0, discountAmount: 0, discountPercent: 0, discountAppliedBeforeTax: true, taxCode: '', expectedReceiptDate: invoice.doc.invoiceDate, itemVariantId: ZERO, locationId: ZERO,
    ...fields,
  });
  const tagged = withDeepDimensions(co, co.purchaseInvoiceLines, row, body.dimensionSetLines);
  if (!isAnswer(tagged)) recalcInvoice(co, invoice);
  return tagged;
}

/** BC's computed amounts on the lines and the header (net, tax, gross; reverse charge adds no tax to pay). */
export function recalcInvoice(co: BcCompany, invoice: Row): void {
  const lines = co.purchaseInvoiceLines.list().filter((l) => l.doc.documentId === invoice.doc.id);
  let net = 0;
  let tax = 0;
  for (const line of lines) {
    const d = line.doc;
    const setup = co.tax.get(str(d.taxCode)) ?? { rate: 0, reverseCharge: false };
    const gross = round2(Number(d.quantity) * Number(d.unitCost) - Number(d.discountAmount));
    const lineNet = invoice.doc.pricesIncludeTax && !setup.reverseCharge ? round2(gross / (1 + setup.rate)) : gross;
    const lineTax = setup.reverseCharge ? 0 : round2(invoice.doc.pricesIncludeTax ? gross - lineNet : lineNet * setup.rate);
    Object.assign(d, { amountExcludingTax: lineNet, taxPercent: setup.rate * 100, totalTaxAmount: lineTax, amountIncludingTax: round2(lineNet + lineTax), invoiceDiscountAllocation: 0, netAmount: lineNet, netTaxAmount: lineTax, netAmountIncludingTax: round2(lineNet + lineTax) });
    net += lineNet;
    tax += lineTax;
  }
  Object.assign(invoice.doc, { totalAmountExcludingTax: round2(net), totalTaxAmount: round2(tax), totalAmountIncludingTax: round2(net + tax) });
}

// ---------------------------------------------------------------- document attachments

const BAD_FILE_NAME = /[\\/:*?"<>|]/;

export function createAttachment(co: BcCompany, body: Doc, parent?: { type: string; id: string }): Row | HttpAnswer {
  const parentType = parent?.type ?? str(body.parentType);
  const parentId = (parent?.id ?? str(body.parentId)).toLowerCase();
  if (!parentId) return fail('The "parentId" field must be filled in.');
  // codeunit 5503 ConvertDocumentTypeToDocumentAttachment has no Journal case: journal lines and
  // G/L entries take `attachments` (incoming documents), not documentAttachments
  if (parentType === 'Journal') return fail('The selected Document type Journal is not supported.');
  const exists =
    parentType === 'Purchase Invoice' ? co.purchaseInvoices.get(parentId) : parentType === 'Vendor' ? co.vendors.get(parentId) : undefined;
  if (!exists) return fail(`The document with parentId ${parentId} and parentType '${parentType}' does not exist.`);
  const fileName = str(body.fileName);
  return co.documentAttachments.insert({
    fileName: !fileName || BAD_FILE_NAME.test(fileName) ? 'filename.txt' : fileName, byteSize: 0, parentType, parentId,
    lineNumber: typeof body.lineNumber === 'number' ? body.lineNumber : 0, documentFlowSales: body.documentFlowSales === true, documentFlowPurchase: body.documentFlowPurchase === true,
  });
}

// ---------------------------------------------------------------- vendor payments

const POSTED = new Set(['Open', 'Paid', 'Corrective', 'Canceled']);

export function vendorPaymentFields(co: BcCompany, journal: Row, body: Doc): Doc | HttpAnswer {
  const out: Doc = { ...body };
  delete out.dimensionSetLines;
  if (body.journalId !== undefined && str(body.journalId).toLowerCase() !== journal.doc.id) return fail('The Journal Id and Journal Display Name do not match.');
  if (body.journalDisplayName !== undefined && str(body.journalDisplayName).toUpperCase() !== journal.doc.code) return fail('The Journal Batch Display Name cannot be changed.');
  if (body.vendorId !== undefined || body.vendorNumber !== undefined) {
    const vendor = body.vendorId ? co.vendors.get(str(body.vendorId)) : co.vendorByNumber(body.vendorNumber);
    if (!vendor) return fail(body.vendorId ? 'The "vendorId" does not match to a Vendor.' : 'The "vendorNumber" does not match to a Vendor.');
    if (body.vendorId && body.vendorNumber && str(body.vendorNumber).toUpperCase() !== vendor.doc.number) return fail('The vendor values do not match to a specific Vendor.');
    Object.assign(out, { vendorId: vendor.doc.id, vendorNumber: vendor.doc.number });
  }
  if (body.appliesToInvoiceId !== undefined || body.appliesToInvoiceNumber !== undefined) {
    const inv = body.appliesToInvoiceId ? co.purchaseInvoices.get(str(body.appliesToInvoiceId)) : co.purchaseInvoices.find((i) => POSTED.has(str(i.status)) && i.number === str(body.appliesToInvoiceNumber).toUpperCase());
    if (!inv || !POSTED.has(str(inv.doc.status))) return fail('The "appliesToInvoiceId" should be the ID of an Open, Paid, Corrective, or Canceled Invoice.');
    if (body.appliesToInvoiceId && body.appliesToInvoiceNumber && str(body.appliesToInvoiceNumber).toUpperCase() !== inv.doc.number) return fail('The Applies To Invoice values do not match to the same Invoice.');
    Object.assign(out, { appliesToInvoiceId: inv.doc.id, appliesToInvoiceNumber: inv.doc.number });
    if (out.vendorId === undefined) Object.assign(out, { vendorId: inv.doc.vendorId, vendorNumber: inv.doc.vendorNumber });
  }
  return out;
}

export function createVendorPayment(co: BcCompany, journal: Row, body: Doc): Row | HttpAnswer {
  const fields = vendorPaymentFields(co, journal, body);
  if (isAnswer(fields)) return fields;
  const siblings = co.vendorPayments.docs().filter((l) => l.journalId === journal.doc.id);
  const lineNumber = lineNumberFor(siblings, 'lineNumber', body.lineNumber, 'Gen. Journal Line', `Journal Template Name='PAYMENT',Journal Batch Name='${String(journal.doc.code)}'`);
  if (isAnswer(lineNumber)) return lineNumber;
  const row = co.vendorPayments.insert({
    journalId: journal.doc.id, journalDisplayName: journal.doc.code, lineNumber, vendorId: ZERO, vendorNumber: '', postingDate: today(), documentNumber: str(body.documentNumber) || co.series.paymentDocument.next(),
    externalDocumentNumber: '', amount: 0, appliesToInvoiceId: ZERO, appliesToInvoiceNumber: '', description: '', comment: '', ...fields,
  });
  return withDeepDimensions(co, co.vendorPayments, row, body.dimensionSetLines);
}
