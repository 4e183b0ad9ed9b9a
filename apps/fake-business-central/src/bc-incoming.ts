import { BC, HttpAnswer, bcError } from './bc-answers';
import { BcCompany } from './bc-company';
import type { EntitySet } from './bc-sets';
import { Doc, Row } from './bc-store';

const ZERO = '00000000-0000-0000-0000-000000000000';
const UNLINKED = 'unlinked';
const BAD_FILE_NAME = /[\\/:*?"<>|]/;
/** APIV2 - Attachments refuses these parent types ("Use documentAttachments API instead."). */
const REFUSED = new Set(['Employee', 'Job', 'Item', 'Customer', 'Vendor']);
const str = (v: unknown) => (typeof v === 'string' ? v : '');

/**
 * The incoming document (table 130) a parent's attachments belong to, as codeunit 5503 "Graph Mgt -
 * Attachment Buffer" finds it: a G/L entry → the posted incoming document of its Document No. and
 * Posting Date (shared by every G/L entry of that document); a journal line → its own, which
 * becomes the posted one when the line is posted; a purchase invoice likewise.
 */
function incomingKey(co: BcCompany, parentType: string, parentId: string): string | undefined {
  if (parentType === 'Journal') {
    const gl = co.generalLedgerEntries.get(parentId);
    if (gl) return `posted:${str(gl.doc.documentNumber)}|${str(gl.doc.postingDate)}`;
    return co.journalLines.get(parentId) || co.vendorPayments.get(parentId) ? `line:${parentId}` : undefined;
  }
  if (parentType === 'Purchase Invoice') {
    const inv = co.purchaseInvoices.get(parentId);
    if (!inv) return undefined;
    return inv.doc.status === 'Draft' ? `line:${parentId}` : `posted:${str(inv.doc.number)}|${str(inv.doc.postingDate)}`;
  }
  return undefined;
}

/** The parents an incoming document shows under (parentType, parentId). */
function parentsOf(co: BcCompany, key: string): [string, string][] {
  if (key === UNLINKED) return [[' ', ZERO]];
  if (key.startsWith('line:')) {
    const id = key.slice(5);
    return [[co.purchaseInvoices.get(id) ? 'Purchase Invoice' : 'Journal', id]];
  }
  const [number, date] = key.slice(7).split('|');
  const gl = co.generalLedgerEntries.docs().filter((e) => e.documentNumber === number && e.postingDate === date).map((e): [string, string] => ['Journal', String(e.id)]);
  const invoices = co.purchaseInvoices.docs().filter((i) => i.status !== 'Draft' && i.number === number && i.postingDate === date).map((i): [string, string] => ['Purchase Invoice', String(i.id)]);
  return [...gl, ...invoices];
}

/** Journal lines just posted: their incoming documents become the posted ones of their document. */
export function postIncomingDocuments(co: BcCompany, lines: Doc[]): void {
  for (const l of lines) {
    for (const [id, key] of co.incomingKeys) if (key === `line:${String(l.id)}`) co.incomingKeys.set(id, `posted:${str(l.documentNumber)}|${str(l.postingDate)}`);
  }
}

/** `attachments`: the legacy Incoming Document attachments (journal lines, G/L entries, purchase invoices). */
export function incomingAttachments(co: BcCompany): EntitySet {
  return {
    entity: 'attachment',
    rows: () =>
      co.attachments.list().flatMap((row) => parentsOf(co, co.incomingKeys.get(String(row.doc.id)) ?? UNLINKED).map(([parentType, parentId]): Row => ({ doc: { ...row.doc, parentType, parentId }, version: row.version }))),
    lookup: (id) => co.attachments.get(id),
    create: (body: Doc): Row | HttpAnswer => {
      const parentType = str(body.parentType) || ' ';
      if (REFUSED.has(parentType)) return bcError(400, BC.application, `Parent type ${parentType} is not supported. Use documentAttachments API instead.`);
      const parentId = str(body.parentId).toLowerCase();
      const key = (parentId && incomingKey(co, parentType, parentId)) || UNLINKED;
      const fileName = str(body.fileName);
      const row = co.attachments.insert({
        fileName: !fileName || BAD_FILE_NAME.test(fileName) ? 'filename.txt' : fileName, byteSize: 0,
        parentType: key === UNLINKED ? ' ' : parentType, parentId: key === UNLINKED ? ZERO : parentId,
      });
      co.incomingKeys.set(String(row.doc.id), key);
      return row;
    },
    remove: (row) => {
      co.attachments.delete(String(row.doc.id));
      co.incomingKeys.delete(String(row.doc.id));
      co.attachmentContent.delete(String(row.doc.id));
      return undefined;
    },
  };
}
