import { createHash } from 'node:crypto';
import { FileInput, OperationContext } from '../../erp-adapter.port';
import { ErpError } from '../../erp-errors';
import { BcClient } from './bc-client';
import { BcDocumentAttachment } from './bc-entities';
import { eqFilter, isGuid, keySegment } from './bc-odata';

/**
 * Where each kind of entry id this adapter hands out keeps its receipts. Journal entries (posted
 * G/L entries, journal lines waiting in the draft journal) take `attachments` — incoming documents: BC files one on a G/L
 * entry under its Document No. and Posting Date, and a journal line's moves there when it is
 * posted. `documentAttachments` refuses parent type Journal (codeunit 5503 "Graph Mgt -
 * Attachment Buffer" converts only sales/purchase documents and master data), so purchase invoices
 * (draft or posted) use documentAttachments with parent type Purchase Invoice.
 */
interface Target {
  set: 'attachments' | 'documentAttachments';
  parentType: 'Journal' | 'Purchase Invoice';
  /** the parent record, read first: `attachments` files an unknown parent as an unlinked attachment instead of refusing it */
  parentPath(id: string, ctx: OperationContext): Promise<string>;
}

/** `name-<sha256:12>.ext`: the same content always gets the same name, so it is recognised. */
export function attachmentName(file: FileInput): { fileName: string; hash: string } {
  const hash = createHash('sha256').update(file.content).digest('hex').slice(0, 12);
  const dot = file.fileName.lastIndexOf('.');
  const stem = (dot > 0 ? file.fileName.slice(0, dot) : file.fileName).replace(/[^\w.-]+/g, '_').slice(0, 80) || 'receipt';
  const ext = dot > 0 ? file.fileName.slice(dot).replace(/[^\w.]+/g, '').slice(0, 10) : '';
  return { fileName: `${stem}-${hash}${ext}`, hash };
}

/**
 * Receipts: created (name, parent), then the bytes with `PATCH …/attachmentContent`. Once per
 * content: an attachment whose name carries the content's hash is not added again; one created
 * without its bytes (cut off between the two calls) gets them.
 */
export class BcAttachments {
  private readonly targets: Record<string, Target>;

  constructor(
    private readonly client: BcClient,
    journalId: (ctx: OperationContext) => Promise<string>,
    draftJournalId?: (ctx: OperationContext) => Promise<string>,
  ) {
    this.targets = {
      gl: { set: 'attachments', parentType: 'Journal', parentPath: async (id) => keySegment('generalLedgerEntries', id) },
      line: { set: 'attachments', parentType: 'Journal', parentPath: async (id, ctx) => `${keySegment('journals', await journalId(ctx))}/${keySegment('journalLines', id)}` },
      ...(draftJournalId && {
        draft: { set: 'attachments', parentType: 'Journal', parentPath: async (id: string, ctx: OperationContext) => `${keySegment('journals', await draftJournalId(ctx))}/${keySegment('journalLines', id)}` },
      }),
      invoice: { set: 'documentAttachments', parentType: 'Purchase Invoice', parentPath: async (id) => keySegment('purchaseInvoices', id) },
    };
  }

  async attach(expenseId: string, file: FileInput, ctx: OperationContext): Promise<void> {
    const [kind, id] = expenseId.split(':');
    const target = this.targets[kind];
    if (!target || !id || !isGuid(id)) throw new ErpError('unknown_reference', `"${expenseId}" is not a Business Central entry this service booked.`, { subject: 'entry' });
    if (!(await this.client.find(await target.parentPath(id, ctx), `reading the entry ${expenseId}`, ctx, { $select: 'id' }))) {
      throw new ErpError('unknown_reference', `Business Central has no entry ${expenseId} to attach ${file.fileName} to.`, { subject: 'entry' });
    }
    const { fileName, hash } = attachmentName(file);
    let found = (await this.list(target, id, expenseId, ctx)).find((a) => a.fileName.includes(`-${hash}`));
    if (found && (found.byteSize ?? 0) > 0) return;
    found ??= await this.client.post<BcDocumentAttachment>(target.set, { fileName, parentType: target.parentType, parentId: id }, `attaching ${file.fileName} to ${expenseId}`, ctx);
    await this.client.patchBytes(`${keySegment(target.set, found.id)}/attachmentContent`, file.content, file.mimeType, '*', `uploading ${file.fileName}`, ctx);
  }

  /** How many attachments an entry holds (tests and the contract suite). */
  async count(expenseId: string, ctx: OperationContext): Promise<number> {
    const [kind, id] = expenseId.split(':');
    const target = this.targets[kind];
    if (!target || !isGuid(id ?? '')) return 0;
    return (await this.list(target, id, expenseId, ctx)).length;
  }

  private list(target: Target, id: string, expenseId: string, ctx: OperationContext): Promise<BcDocumentAttachment[]> {
    return this.client.list<BcDocumentAttachment>(target.set, `looking up the attachments of ${expenseId}`, ctx, {
      $filter: eqFilter([['parentId', id, 'guid'], ['parentType', target.parentType]]),
    });
  }
}
