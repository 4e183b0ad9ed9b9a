import { Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { ReceiptLedgerRepository } from '@app/database';
import { ErpAdapter, ErpError, OperationContext, PostedExpense } from '@app/erp';
import { ExportItem } from '@app/pleo';
import { RunInterrupted, backoffDelayMs, sleep } from '@app/runtime';
import { isJobLevelErpError } from '../erp-failures';
import { ItemClaim } from '../item-claim';
import { ItemFailure } from '../item-failure';
import { ReceiptFetchError, ReceiptFetcher } from './receipt-fetcher';
import { receiptFileName } from './receipt-file-name';

const DOWNLOAD_ATTEMPTS = 3;

/**
 * Attaches an item's receipts to its ERP entry exactly once (R9): each file is downloaded safely,
 * hashed, and attached only if its hash is not yet in the receipt ledger for this entry — so a
 * reordered or extended files[] attaches only what is new. Each attach is preceded by the fence
 * check on the item's claim and recorded right after. A receipt that cannot be had fails the item
 * with a reason a bookkeeper can act on; the entry itself stays booked.
 */
export class ReceiptAttacher {
  private readonly logger = new Logger('ReceiptAttacher');

  constructor(
    private readonly erp: ErpAdapter,
    private readonly receipts: ReceiptLedgerRepository,
    private readonly fetcher: ReceiptFetcher,
    /** the ERP target receipts are recorded for (finding 2): attached in another target is not attached here */
    private readonly erpTarget: string,
  ) {}

  /** `legacyAttached`: how many files (in files[] order) an older version attached before hashes were kept. */
  async attach(item: ExportItem, entry: PostedExpense, claim: ItemClaim, ctx: OperationContext, legacyAttached = 0): Promise<ItemFailure | null> {
    const files = item.files ?? [];
    const { supported, maxBytes } = this.erp.capabilities.attachments;
    if (!files.length || !supported) return null;
    const attached = await this.receipts.attachedHashes(claim.key, this.erpTarget, entry.id);
    const legacy = attached.size ? 0 : legacyAttached;
    for (const [i, file] of files.entries()) {
      const label = `receipt ${i + 1} of ${files.length}`;
      const tooBig = (bytes: number): ItemFailure => ({
        type: 'receipt_file_size_limit_exceeded',
        reason: `The entry was booked as ${entry.number}, but ${label} (${Math.ceil(bytes / 1e6)} MB) is larger than the ${Math.floor(maxBytes! / 1e6)} MB the Accounting System accepts. Attach a smaller file and export again.`,
      });
      if (maxBytes && file.size > maxBytes) return tooBig(file.size);
      const content = await this.download(item, file, label, claim, ctx);
      if (!Buffer.isBuffer(content)) {
        // The technical detail (addresses, hosts) goes to our log, not to the bookkeeper.
        const next = content.retryable ? 'Export again to retry.' : 'Export again; if it fails again, upload the receipt to the expense in Pleo once more.';
        return { type: 'receipt_download_failure', reason: `The entry was booked as ${entry.number}, but ${label} could not be downloaded from Pleo. ${next}` };
      }
      if (maxBytes && content.length > maxBytes) return tooBig(content.length);
      const sha256 = createHash('sha256').update(content).digest('hex');
      if (attached.has(sha256)) continue;
      if (i < legacy) {
        // Attached by position before this ledger existed: recorded by content now, not sent again.
        await this.receipts.recordAttached(claim.key, sha256, entry.id, this.erpTarget);
        attached.add(sha256);
        continue;
      }
      await claim.beforeWrite('attach');
      const fileName = receiptFileName(file.url, file.type, item.additionalInformation.reconciliationId || item.accountingEntryId, i + 1);
      try {
        await this.erp.attachFile(entry.id, { fileName, mimeType: file.type, content }, ctx);
      } catch (caught) {
        const err = claim.fence.explain(caught);
        if (err instanceof ErpError && !err.retryable && !isJobLevelErpError(err)) {
          return { type: 'receipt_upload_failure', reason: `The entry was booked as ${entry.number}, but the Accounting System refused ${label}: ${err.message}` };
        }
        throw err;
      }
      await this.receipts.recordAttached(claim.key, sha256, entry.id, this.erpTarget);
      attached.add(sha256);
    }
    return null;
  }

  /** The file's bytes, or why it could not be had; transient failures are tried again. */
  private async download(item: ExportItem, file: { url: string; type: string }, label: string, claim: ItemClaim, ctx: OperationContext): Promise<Buffer | ReceiptFetchError> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.fetcher.fetch(file.url, file.type, ctx.signal);
      } catch (caught) {
        const err = claim.fence.explain(caught);
        if (err instanceof RunInterrupted) throw err;
        const failure = err instanceof ReceiptFetchError ? err : new ReceiptFetchError(String((err as Error)?.message ?? err), true);
        if (!failure.retryable || attempt >= DOWNLOAD_ATTEMPTS) {
          this.logger.warn(`item ${item.accountingEntryId}: ${label} could not be downloaded: ${failure.message}`);
          return failure;
        }
        await sleep(backoffDelayMs(attempt, 200, 2_000));
      }
    }
  }
}
