import { Logger } from '@nestjs/common';
import { ExportLedgerRepository, VendorLinkRepository } from '@app/database';

type LedgerRow = NonNullable<Awaited<ReturnType<ExportLedgerRepository['get']>>>;
import { ErpAdapter, ErpError, OperationContext, PostedExpense } from '@app/erp';
import { ExportItem, ExportItemUpdate, PleoExportClient } from '@app/pleo';
import { backoffDelayMs, sleep } from '@app/runtime';
import { itemFailureFromErp } from './erp-failures';
import { mapExportItem } from './export-mapping';
import { ExportSettings } from './export-settings';
import { ItemFailure, VENDOR_UNKNOWN_REASON } from './item-failure';

const extensionOf: Record<string, string> = {
  'application/pdf': 'pdf',
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'text/plain': 'txt',
};

/**
 * One export item into the ERP, exactly once (design §2.4 step 4):
 * the ledger row is written before the ERP call (POSTING) and after it (POSTED); an item whose
 * outcome is unknown is reconciled with findPostedExpense before any second attempt; an entry
 * posted in an earlier job is reported with its existing ERP number. Receipts are attached after
 * posting, counted in the ledger so a retry never attaches one twice.
 * Retryable ERP errors are thrown (the run stops, the queue job retries later); everything else
 * becomes the item's failure, worded for a bookkeeper.
 */
export class ExportItemSync {
  private readonly logger = new Logger('ExportItemSync');

  constructor(
    private readonly erp: ErpAdapter,
    private readonly ledger: ExportLedgerRepository,
    private readonly links: VendorLinkRepository,
    private readonly pleo: PleoExportClient,
    private readonly settings: ExportSettings,
    private readonly downloadTimeoutMs: number,
  ) {}

  /** `row`: the item's ledger row if already read (null: none), undefined to read it here. */
  async process(item: ExportItem, jobId: string, ctx: OperationContext, row?: LedgerRow | null): Promise<ExportItemUpdate> {
    const key = { companyId: item.companyId, accountingEntryId: item.accountingEntryId };
    const failed = async (f: ItemFailure): Promise<ExportItemUpdate> => {
      await this.ledger.markFailed(key, jobId, f.type, f.reason);
      return { accountingEntryId: item.accountingEntryId, status: 'failed', failureReasonType: f.type, failureReason: f.reason };
    };

    if (row === undefined) row = await this.ledger.get(key);
    let attachmentsDone = row?.attachmentsDone ?? 0;
    let posted: PostedExpense | null = row?.status === 'POSTED' && row.erpId ? { id: row.erpId, number: row.erpNumber ?? row.erpId, url: row.erpUrl ?? undefined } : null;
    if (!posted && row?.status === 'POSTING') {
      // The last attempt may have posted it before we could record that: ask the ERP.
      posted = await this.erp.findPostedExpense(item.accountingEntryId, ctx);
      if (posted) await this.ledger.markPosted(key, jobId, posted);
    }

    if (!posted) {
      const mapped = mapExportItem(item, this.settings);
      if (!mapped.ok) return failed(mapped.failure);
      let vendorId: string | undefined;
      if (mapped.vendor) {
        vendorId = await this.resolveVendor(mapped.vendor, ctx);
        if (!vendorId) return failed({ type: 'vendor_unknown', reason: VENDOR_UNKNOWN_REASON });
      }
      await this.ledger.markPosting(key, jobId);
      try {
        posted = await this.erp.postExpense({ ...mapped.entry, vendorId }, ctx);
      } catch (err) {
        if (err instanceof ErpError && !err.retryable) return failed(itemFailureFromErp(err));
        throw err; // outcome unknown or ERP away: the ledger says POSTING, the retry reconciles
      }
      await this.ledger.markPosted(key, jobId, posted);
      attachmentsDone = 0;
    }

    const receiptFailure = await this.attachReceipts(item, posted, attachmentsDone, ctx);
    if (receiptFailure) return failed(receiptFailure);
    return {
      accountingEntryId: item.accountingEntryId,
      status: 'successful',
      exportedAt: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      externalId: posted.number,
      ...(posted.url && { externalUrl: posted.url }),
    };
  }

  /** ERP vendor id for an AP item: our vendor link first, then the ERP's own records. */
  private async resolveVendor(vendor: NonNullable<ExportItem['vendor']>, ctx: OperationContext): Promise<string | undefined> {
    const link = await this.links.find(vendor.id);
    if (link) return link.erpVendorId;
    const found = await this.erp.findVendor({ reference: vendor.id, taxNumber: vendor.taxRegistrationNumber || null, name: vendor.name }, ctx);
    return found?.id;
  }

  private async attachReceipts(item: ExportItem, entry: PostedExpense, alreadyDone: number, ctx: OperationContext): Promise<ItemFailure | null> {
    const files = item.files ?? [];
    const key = { companyId: item.companyId, accountingEntryId: item.accountingEntryId };
    const maxBytes = this.erp.capabilities.attachments.maxBytes;
    for (let i = alreadyDone; i < files.length; i++) {
      const file = files[i];
      const label = `receipt ${i + 1} of ${files.length}`;
      if (!this.erp.capabilities.attachments.supported) return null;
      if (maxBytes && file.size > maxBytes) {
        return {
          type: 'receipt_file_size_limit_exceeded',
          reason: `The entry was booked as ${entry.number}, but ${label} (${Math.ceil(file.size / 1e6)} MB) is larger than the ${Math.floor(maxBytes / 1e6)} MB the Accounting System accepts. Attach a smaller file and export again.`,
        };
      }
      let content: Buffer | undefined;
      for (let attempt = 1; !content; attempt++) {
        try {
          content = await this.pleo.downloadFile(file.url, this.downloadTimeoutMs);
        } catch (err) {
          if (attempt >= 3) {
            this.logger.warn(`item ${item.accountingEntryId}: ${label} could not be downloaded: ${(err as Error).message}`);
            return { type: 'receipt_download_failure', reason: `The entry was booked as ${entry.number}, but ${label} could not be downloaded from Pleo. Export again to retry.` };
          }
          await sleep(backoffDelayMs(attempt, 200, 2_000));
        }
      }
      const fileName = `${item.additionalInformation.reconciliationId || item.accountingEntryId}-${i + 1}.${extensionOf[file.type] ?? 'bin'}`;
      try {
        await this.erp.attachFile(entry.id, { fileName, mimeType: file.type, content }, ctx);
      } catch (err) {
        if (err instanceof ErpError && !err.retryable) {
          return { type: 'receipt_upload_failure', reason: `The entry was booked as ${entry.number}, but the Accounting System refused ${label}: ${err.message}` };
        }
        throw err;
      }
      await this.ledger.markAttachments(key, i + 1);
    }
    return null;
  }
}
