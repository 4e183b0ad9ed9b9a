import { BC, HttpAnswer, bcError } from './bc-answers';
import { BcCompany } from './bc-company';
import { incomingAttachments } from './bc-incoming';
import { postJournal, postPurchaseInvoice } from './bc-posting';
import type { EntityName } from './bc-schemas';
import { Doc, Row, Table } from './bc-store';
import * as w from './bc-writes';

/** An addressable entity set: its rows in scope and what may be done to them. */
export interface EntitySet {
  entity: EntityName;
  rows(): Row[];
  /** a row by key when the key reaches further than the list (journals(id) finds any batch) */
  lookup?(id: string): Row | undefined;
  create?(body: Doc): Row | HttpAnswer;
  update?(row: Row, body: Doc): Row | HttpAnswer;
  remove?(row: Row): HttpAnswer | undefined;
  /** navigation properties of a row */
  children?: Record<string, (row: Row) => EntitySet>;
  /** bound actions (Microsoft.NAV.<name>) of a row */
  actions?: Record<string, (row: Row) => HttpAnswer>;
}

const isAnswer = (v: unknown): v is HttpAnswer => v instanceof HttpAnswer;
const fail = (message: string) => bcError(400, BC.application, message);
const readOnly = (entity: EntityName, rows: () => Row[], children?: EntitySet['children']): EntitySet => ({ entity, rows, children });

function update(table: Table, fields: (row: Row, body: Doc) => Doc | HttpAnswer) {
  return (row: Row, body: Doc) => {
    const out = fields(row, body);
    return isAnswer(out) ? out : table.update(row, out);
  };
}

/** The dimension set lines of one parent, as a set (they live on the parent, keyed by dimension id). */
function dimensionSetLines(co: BcCompany, parentId: string, parentType: string, editable: () => string | null): EntitySet {
  // a line's version follows its value, so an ETag read before a change no longer matches after it
  const asRow = (l: { dimensionId: string; valueId: string }, i: number): Row => ({ doc: w.dimensionDoc(co, parentId, parentType, co.dimensionSets.get(parentId)![i]), version: 1 + i + parseInt(l.valueId.slice(0, 6), 16) });
  return {
    entity: 'dimensionSetLine',
    rows: () => (co.dimensionSets.get(parentId) ?? []).map(asRow),
    create: (body) => {
      const refused = editable();
      if (refused) return fail(refused);
      const line = w.addDimensionLine(co, parentId, body);
      if (isAnswer(line)) return line;
      const set = co.dimensionSets.get(parentId)!;
      return asRow(line, set.length - 1);
    },
    update: (row, body) => {
      const refused = editable();
      if (refused) return fail(refused);
      if ((body.id && body.id !== row.doc.id) || (body.code && String(body.code).toUpperCase() !== row.doc.code)) return fail('The "id" and "code" fields cannot be modified.');
      const set = co.dimensionSets.get(parentId)!;
      const others = set.filter((l) => l.dimensionId !== row.doc.id);
      co.dimensionSets.set(parentId, others);
      const line = w.addDimensionLine(co, parentId, { id: row.doc.id, valueId: body.valueId, valueCode: body.valueCode ?? (body.valueId ? undefined : row.doc.valueCode) });
      if (isAnswer(line)) {
        co.dimensionSets.set(parentId, set);
        return line;
      }
      const after = co.dimensionSets.get(parentId)!;
      return asRow(line, after.length - 1);
    },
    remove: (row) => {
      const refused = editable();
      if (refused) return fail(refused);
      co.dimensionSets.set(parentId, (co.dimensionSets.get(parentId) ?? []).filter((l) => l.dimensionId !== row.doc.id));
      return undefined;
    },
  };
}

const draftOnly = (invoice: Row) => () => (invoice.doc.status === 'Draft' ? null : `Parent with ID ${String(invoice.doc.id)} does not exist or dimension set lines are read only for parent type Purchase Invoice.`);

function attachments(co: BcCompany, parent?: { type: string; id: string }): EntitySet {
  return {
    entity: 'documentAttachment',
    rows: () => co.documentAttachments.list().filter((r) => !parent || (r.doc.parentId === parent.id && r.doc.parentType === parent.type)),
    create: (body) => w.createAttachment(co, body, parent),
    update: update(co.documentAttachments, (row, body) => {
      if (body.parentId !== undefined && body.parentId !== row.doc.parentId) return fail('You cannot change the value of the key field parentId.');
      return body;
    }),
    remove: (row) => {
      co.documentAttachments.delete(String(row.doc.id));
      co.attachmentContent.delete(String(row.doc.id));
      return undefined;
    },
  };
}

function purchaseInvoiceLines(co: BcCompany, invoice: Row): EntitySet {
  const lines = co.purchaseInvoiceLines;
  const editable = () => (invoice.doc.status === 'Draft' ? null : 'The purchase invoice has been posted and its lines cannot be changed.');
  return {
    entity: 'purchaseInvoiceLine',
    rows: () => lines.list().filter((r) => r.doc.documentId === invoice.doc.id),
    create: (body) => w.createPurchaseInvoiceLine(co, invoice, body),
    update: (row, body) => {
      const refused = editable();
      if (refused) return fail(refused);
      if (body.sequence !== undefined && body.sequence !== row.doc.sequence) return fail('The value for sequence cannot be modified. Delete and insert the line again.');
      const out = w.invoiceLineFields(co, body, row.doc);
      if (isAnswer(out)) return out;
      lines.update(row, out);
      w.recalcInvoice(co, invoice);
      return row;
    },
    remove: (row) => {
      const refused = editable();
      if (refused) return fail(refused);
      lines.delete(String(row.doc.id));
      co.dimensionSets.delete(String(row.doc.id));
      w.recalcInvoice(co, invoice);
      return undefined;
    },
    children: { dimensionSetLines: (row) => dimensionSetLines(co, String(row.doc.id), 'Purchase Invoice Line', editable) },
  };
}

function journalLines(co: BcCompany, journal: Row): EntitySet {
  const lines = co.journalLines;
  return {
    entity: 'journalLine',
    rows: () => lines.list().filter((r) => r.doc.journalId === journal.doc.id),
    create: (body) => w.createJournalLine(co, journal, body),
    update: (row, body) => {
      if (body.lineNumber !== undefined && body.lineNumber !== row.doc.lineNumber && lines.find((l) => l.journalId === journal.doc.id && l.lineNumber === body.lineNumber)) {
        return bcError(409, BC.duplicate, `The record in table Gen. Journal Line already exists (Line No.='${String(body.lineNumber)}').`);
      }
      const out = w.journalLineFields(co, body, row.doc);
      return isAnswer(out) ? out : lines.update(row, out);
    },
    remove: (row) => {
      lines.delete(String(row.doc.id));
      co.dimensionSets.delete(String(row.doc.id));
      return undefined;
    },
    children: {
      dimensionSetLines: (row) => dimensionSetLines(co, String(row.doc.id), 'Journal Line', () => null),
      attachments: (row) => ({ ...incomingAttachments(co), rows: () => incomingAttachments(co).rows().filter((r) => r.doc.parentId === row.doc.id), create: (body) => incomingAttachments(co).create!({ ...body, parentType: 'Journal', parentId: row.doc.id }) }),
    },
  };
}

const PAYMENT_JOURNAL_FIELDS = ['id', 'code', 'displayName', 'balancingAccountId', 'balancingAccountNumber', 'lastModifiedDateTime'];
/** A payments-template batch as the vendorPaymentJournals page shows it (same record, same ETag). */
const asPaymentJournal = (row: Row): Row => ({ doc: Object.fromEntries(PAYMENT_JOURNAL_FIELDS.map((k) => [k, row.doc[k]])), version: row.version });

function vendorPayments(co: BcCompany, journal: Row): EntitySet {
  const lines = co.vendorPayments;
  return {
    entity: 'vendorPayment',
    rows: () => lines.list().filter((r) => r.doc.journalId === journal.doc.id),
    create: (body) => w.createVendorPayment(co, journal, body),
    update: (row, body) => {
      if (body.lineNumber !== undefined && body.lineNumber !== row.doc.lineNumber && lines.find((l) => l.journalId === journal.doc.id && l.lineNumber === body.lineNumber)) {
        return bcError(409, BC.duplicate, `The record in table Gen. Journal Line already exists (Line No.='${String(body.lineNumber)}').`);
      }
      const out = w.vendorPaymentFields(co, journal, body);
      return isAnswer(out) ? out : lines.update(row, out);
    },
    remove: (row) => {
      lines.delete(String(row.doc.id));
      co.dimensionSets.delete(String(row.doc.id));
      return undefined;
    },
    children: { dimensionSetLines: (row) => dimensionSetLines(co, String(row.doc.id), 'Journal Line', () => null) },
  };
}

/** The entity sets under companies({id})/. */
export function companySets(co: BcCompany): Record<string, EntitySet> {
  return {
    vendors: {
      entity: 'vendor',
      rows: () => co.vendors.list(),
      create: (body) => w.createVendor(co, body),
      update: update(co.vendors, (row, body) => w.vendorFields(co, body, row)),
      remove: (row) => {
        if (co.vendorLedger.some((e) => e.vendorNumber === row.doc.number) || co.purchaseInvoices.find((i) => i.vendorId === row.doc.id)) {
          return fail(`You cannot delete Vendor ${String(row.doc.number)} because there is at least one outstanding Purchase Invoice for this vendor.`);
        }
        co.vendors.delete(String(row.doc.id));
        return undefined;
      },
      children: { documentAttachments: (row) => attachments(co, { type: 'Vendor', id: String(row.doc.id) }) },
    },
    accounts: readOnly('account', () => co.accounts.list()),
    bankAccounts: readOnly('bankAccount', () => co.bankAccounts.list()),
    taxGroups: readOnly('taxGroup', () => co.taxGroups.list()),
    dimensions: readOnly('dimension', () => co.dimensions.list(), {
      dimensionValues: (dim) => readOnly('dimensionValue', () => co.dimensionValues.list().filter((v) => v.doc.dimensionId === dim.doc.id)),
    }),
    dimensionValues: readOnly('dimensionValue', () => co.dimensionValues.list()),
    companyInformation: readOnly('companyInformation', () => [
      { doc: { id: co.informationId, displayName: co.name, country: 'DK', currencyCode: co.localCurrency, currentFiscalYearStartDate: '2026-01-01', lastModifiedDateTime: '2026-01-01T00:00:00Z' }, version: 1 },
    ]),
    generalLedgerEntries: readOnly('generalLedgerEntry', () => co.generalLedgerEntries.list()),
    journals: {
      entity: 'journal',
      rows: () => co.journalsOf('GENERAL'),
      lookup: (id) => co.journals.get(id),
      create: (body) => {
        const template = String(body.templateDisplayName ?? 'GENERAL').toUpperCase();
        if (template !== 'GENERAL' && template !== 'PAYMENT') return fail(`The Gen. Journal Template ${template} does not exist.`);
        if (co.journalsOf(template).some((j) => String(j.doc.code).toUpperCase() === String(body.code ?? '').toUpperCase())) return bcError(409, BC.duplicate, `The record in table Gen. Journal Batch already exists. Identification fields and values: Journal Template Name='${template}',Name='${String(body.code)}'`);
        return co.addJournal(String(body.code ?? '').toUpperCase(), String(body.displayName ?? ''), '', template);
      },
      children: { journalLines: (j) => journalLines(co, j) },
      actions: { post: (j) => postJournal(co, j) },
    },
    purchaseInvoices: {
      entity: 'purchaseInvoice',
      rows: () => co.purchaseInvoices.list(),
      create: (body) => w.createPurchaseInvoice(co, body),
      update: (row, body) => {
        if (row.doc.status !== 'Draft') return fail('The purchase invoice has been posted and cannot be changed.');
        const out = w.invoiceVendorFields(co, body, false);
        if (isAnswer(out)) return out;
        co.purchaseInvoices.update(row, out);
        w.recalcInvoice(co, row);
        return row;
      },
      remove: (row) => {
        if (row.doc.status !== 'Draft') return fail('You cannot delete a posted purchase invoice.');
        for (const l of co.purchaseInvoiceLines.docs().filter((d) => d.documentId === row.doc.id)) co.purchaseInvoiceLines.delete(String(l.id));
        co.purchaseInvoices.delete(String(row.doc.id));
        return undefined;
      },
      children: {
        purchaseInvoiceLines: (inv) => purchaseInvoiceLines(co, inv),
        dimensionSetLines: (inv) => dimensionSetLines(co, String(inv.doc.id), 'Purchase Invoice', draftOnly(inv)),
        documentAttachments: (inv) => attachments(co, { type: 'Purchase Invoice', id: String(inv.doc.id) }),
      },
      actions: { post: (inv) => postPurchaseInvoice(co, inv) },
    },
    vendorPaymentJournals: {
      entity: 'vendorPaymentJournal',
      rows: () => co.journalsOf('PAYMENT').map(asPaymentJournal),
      create: (body) => {
        if (co.journalsOf('PAYMENT').some((j) => String(j.doc.code).toUpperCase() === String(body.code ?? '').toUpperCase())) return bcError(409, BC.duplicate, `The record in table Gen. Journal Batch already exists. Identification fields and values: Journal Template Name='PAYMENT',Name='${String(body.code)}'`);
        return asPaymentJournal(co.addJournal(String(body.code ?? '').toUpperCase(), String(body.displayName ?? ''), '', 'PAYMENT'));
      },
      children: { vendorPayments: (j) => vendorPayments(co, co.journals.get(String(j.doc.id))!) },
    },
    documentAttachments: attachments(co),
    attachments: incomingAttachments(co),
  };
}
