import { createHash } from 'node:crypto';
import { FileInput, OperationContext } from '../../erp-adapter.port';
import { ErpError } from '../../erp-errors';
import { BcClient } from './bc-client';
import { BcDocumentAttachment } from './bc-entities';
import { eqFilter, isGuid, keySegment } from './bc-odata';

/** BC's parent type for each kind of entry id this adapter hands out. */
const PARENT: Record<string, string> = { invoice: 'Purchase Invoice', gl: 'Journal', line: 'Journal' };

/** `name-<sha256:12>.ext`: the same content always gets the same name, so it is recognised. */
export function attachmentName(file: FileInput): { fileName: string; hash: string } {
  const hash = createHash('sha256').update(file.content).digest('hex').slice(0, 12);
  const dot = file.fileName.lastIndexOf('.');
  const stem = (dot > 0 ? file.fileName.slice(0, dot) : file.fileName).replace(/[^\w.-]+/g, '_').slice(0, 80) || 'receipt';
  const ext = dot > 0 ? file.fileName.slice(dot).replace(/[^\w.]+/g, '').slice(0, 10) : '';
  return { fileName: `${stem}-${hash}${ext}`, hash };
}

/**
 * Receipts as `documentAttachments`: created (name, parent), then the bytes with
 * `PATCH …/attachmentContent`. Once per content: an attachment whose name carries the content's
 * hash is not added again; one created without its bytes (cut off between the two calls) gets them.
 */
export class BcAttachments {
  constructor(private readonly client: BcClient) {}

  async attach(expenseId: string, file: FileInput, ctx: OperationContext): Promise<void> {
    const [kind, id] = expenseId.split(':');
    const parentType = PARENT[kind];
    if (!parentType || !id || !isGuid(id)) throw new ErpError('unknown_reference', `"${expenseId}" is not a Business Central entry this service booked.`, { subject: 'entry' });
    const { fileName, hash } = attachmentName(file);
    const existing = await this.client.list<BcDocumentAttachment>('documentAttachments', `looking up the attachments of ${expenseId}`, ctx, {
      $filter: eqFilter([['parentId', id, 'guid'], ['parentType', parentType]]),
    });
    let target = existing.find((a) => a.fileName.includes(`-${hash}`));
    if (target && (target.byteSize ?? 0) > 0) return;
    if (!target) {
      try {
        target = await this.client.post<BcDocumentAttachment>('documentAttachments', { fileName, parentType, parentId: id }, `attaching ${file.fileName} to ${expenseId}`, ctx);
      } catch (err) {
        if (err instanceof ErpError && (err.kind === 'unknown_reference' || err.kind === 'validation') && /not (be )?found|does not exist|404/i.test(err.message)) {
          throw new ErpError('unknown_reference', `Business Central has no entry ${expenseId} to attach ${file.fileName} to.`, { subject: 'entry' });
        }
        throw err;
      }
    }
    await this.client.patchBytes(`${keySegment('documentAttachments', target.id)}/attachmentContent`, file.content, file.mimeType, '*', `uploading ${file.fileName}`, ctx);
  }

  /** How many attachments an entry holds (tests and the contract suite). */
  async count(expenseId: string, ctx: OperationContext): Promise<number> {
    const [kind, id] = expenseId.split(':');
    if (!PARENT[kind] || !isGuid(id ?? '')) return 0;
    const list = await this.client.list<BcDocumentAttachment>('documentAttachments', `counting the attachments of ${expenseId}`, ctx, {
      $filter: eqFilter([['parentId', id, 'guid'], ['parentType', PARENT[kind]]]),
    });
    return list.length;
  }
}
