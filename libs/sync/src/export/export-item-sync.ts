import { Logger } from '@nestjs/common';
import { ExportItemLedger, ExportLedgerRepository, VendorLinkRepository, isDatabaseUnavailable } from '@app/database';
import { ErpAdapter, ErpError, ExpenseEntry, OperationContext, PostedExpense } from '@app/erp';
import { ExportItem, ExportItemUpdate, PleoExportClient } from '@app/pleo';
import { backoffDelayMs, forEachConcurrently, sleep } from '@app/runtime';
import { itemFailureFromErp } from './erp-failures';
import { mapExportItem } from './export-mapping';
import { ExportSettings } from './export-settings';
import { ItemFailure, VENDOR_UNKNOWN_REASON } from './item-failure';
import { resolveErpVendor } from './vendor-resolver';

const extensionOf: Record<string, string> = {
  'application/pdf': 'pdf',
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'text/plain': 'txt',
};

/** What happens to one item of a page. */
interface Plan {
  item: ExportItem;
  /** to post now */
  entry?: ExpenseEntry;
  /** in the ERP (earlier job, reconciled, or just posted) */
  posted?: PostedExpense;
  attachmentsDone: number;
  failure?: ItemFailure;
}

/**
 * Export items into the ERP exactly once (design §2.4 step 4), a page at a time:
 * the ledger says POSTING before the ERP calls and POSTED after them; an item whose outcome is
 * unknown (POSTING) is reconciled with findPostedExpense before any second attempt; an entry
 * posted in an earlier job is reported with its existing ERP number. Receipts are attached after
 * posting and counted in the ledger, so a retry never attaches one twice.
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
    private readonly concurrency: number,
  ) {}

  async processPage(items: ExportItem[], jobId: string, ctx: OperationContext): Promise<ExportItemUpdate[]> {
    if (!items.length) return [];
    const companyId = items[0].companyId;
    const rows = await this.ledger.getMany(companyId, items.map((i) => i.accountingEntryId));
    const plans: Plan[] = [];
    const reconciled: Plan[] = [];
    await forEachConcurrently(items, this.concurrency, async (item) => {
      const plan = await this.plan(item, rows.get(item.accountingEntryId), ctx);
      plans.push(plan);
      if (plan.posted && rows.get(item.accountingEntryId)?.status === 'POSTING') reconciled.push(plan);
    });

    const toPost = plans.filter((p) => p.entry);
    await this.ledger.markPosting(companyId, jobId, toPost.map((p) => p.item.accountingEntryId));
    await forEachConcurrently(toPost, this.concurrency, async (plan) => {
      try {
        plan.posted = await this.erp.postExpense(plan.entry!, ctx);
      } catch (err) {
        if (err instanceof ErpError && !err.retryable) plan.failure = itemFailureFromErp(err);
        else throw err; // outcome unknown or ERP away: the ledger says POSTING, the retry reconciles
      }
    });
    const fresh = [...toPost.filter((p) => p.posted), ...reconciled];
    await this.ledger.markPosted(companyId, jobId, fresh.map((p) => ({ accountingEntryId: p.item.accountingEntryId, ...p.posted! })));

    await forEachConcurrently(plans.filter((p) => p.posted && !p.failure), this.concurrency, async (plan) => {
      plan.failure = (await this.attachReceipts(plan.item, plan.posted!, plan.attachmentsDone, ctx)) ?? undefined;
    });

    const updates: ExportItemUpdate[] = [];
    for (const { item, posted, failure } of plans) {
      if (failure) {
        await this.ledger.markFailed({ companyId, accountingEntryId: item.accountingEntryId }, jobId, failure.type, failure.reason);
        updates.push({ accountingEntryId: item.accountingEntryId, status: 'failed', failureReasonType: failure.type, failureReason: failure.reason });
      } else {
        updates.push({
          accountingEntryId: item.accountingEntryId,
          status: 'successful',
          exportedAt: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
          // the ERP's identifier of the entry (F-13); the number a bookkeeper sees is in the ERP's URL
          externalId: posted!.id,
          ...(posted!.url && { externalUrl: posted!.url }),
        });
      }
    }
    return updates;
  }

  /** Never throws for one item's data: only a retryable ERP or database failure stops the page (R3). */
  private async plan(item: ExportItem, row: ExportItemLedger | undefined, ctx: OperationContext): Promise<Plan> {
    try {
      return await this.planItem(item, row, ctx);
    } catch (err) {
      if ((err instanceof ErpError && err.retryable) || isDatabaseUnavailable(err)) throw err;
      if (err instanceof ErpError) return { item, attachmentsDone: 0, failure: itemFailureFromErp(err) };
      this.logger.warn(`item ${item.accountingEntryId}: ${(err as Error)?.message ?? err}`);
      return { item, attachmentsDone: 0, failure: { type: 'unexpected_failure', reason: `The expense could not be prepared for booking: ${(err as Error)?.message ?? err}` } };
    }
  }

  private async planItem(item: ExportItem, row: ExportItemLedger | undefined, ctx: OperationContext): Promise<Plan> {
    const attachmentsDone = row?.attachmentsDone ?? 0;
    if (row?.status === 'POSTED' && row.erpId) {
      return { item, attachmentsDone, posted: { id: row.erpId, number: row.erpNumber ?? row.erpId, url: row.erpUrl ?? undefined } };
    }
    if (row?.status === 'POSTING') {
      // The last attempt may have posted it before we could record that: ask the ERP.
      const posted = await this.erp.findPostedExpense(item.accountingEntryId, ctx);
      if (posted) return { item, attachmentsDone, posted };
    }
    const mapped = mapExportItem(item, this.settings);
    if (!mapped.ok) return { item, attachmentsDone: 0, failure: mapped.failure };
    let vendorId: string | undefined;
    if (mapped.vendor) {
      vendorId = await resolveErpVendor(this.erp, this.links, mapped.vendor, item.companyId, ctx);
      if (!vendorId) return { item, attachmentsDone: 0, failure: { type: 'vendor_unknown', reason: VENDOR_UNKNOWN_REASON } };
    }
    return { item, attachmentsDone: 0, entry: { ...mapped.entry, vendorId } };
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
