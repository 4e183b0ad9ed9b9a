import { Logger } from '@nestjs/common';
import { ExportLedgerRepository, ReceiptLedgerRepository, VendorLinkRepository, isDatabaseUnavailable } from '@app/database';
import { ErpAdapter, ErpError, ExpenseEntry, OperationContext, PostedExpense } from '@app/erp';
import { ExportItem, ExportItemUpdate } from '@app/pleo';
import { RunInterrupted, forEachConcurrently } from '@app/runtime';
import { isJobLevelErpError, itemFailureFromErp } from './erp-failures';
import { mapExportItem, postingModeOf } from './export-mapping';
import { ExportFence } from './export-fence';
import { ExportSettings } from './export-settings';
import { ItemClaim, postedFromRow } from './item-claim';
import { ItemFailure, VENDOR_UNKNOWN_REASON } from './item-failure';
import { BatchEntry, ItemPoster } from './item-poster';
import { ReceiptAttacher } from './receipts/receipt-attacher';
import { ReceiptFetcher } from './receipts/receipt-fetcher';
import { RunVendorResolver } from './vendor-resolver';

/** What to post for an item, or why it cannot be. */
type Plan = { entry: ExpenseEntry; failure?: undefined } | { failure: ItemFailure; entry?: undefined };
type Outcome = { posted: PostedExpense; failure?: ItemFailure } | { failure: ItemFailure; posted?: undefined };
type Step = { posted: PostedExpense; failure?: undefined; entry?: undefined } | { failure: ItemFailure; posted?: undefined; entry?: undefined } | { entry: ExpenseEntry; posted?: undefined; failure?: undefined };

/**
 * Export items into the ERP exactly once (design §2.4 step 4), each item on its own: an entry
 * posted before (POSTED in the ledger) is reported with its existing ERP number; one an earlier
 * attempt may have written is reconciled with the ERP first; the rest are mapped and posted under a
 * ledger claim (ItemPoster) — in batches when the adapter has postExpenses — then get their receipts
 * (ReceiptAttacher). Each result is recorded the moment it is known. Retryable ERP errors are thrown (the run stops, the queue job retries later);
 * everything else becomes the item's failure, worded for a bookkeeper. When the run is asked to stop
 * (shutdown, lock lost) no new item is started: the ones started finish, the rest wait for the next run.
 */
export class ExportItemSync {
  private readonly logger = new Logger('ExportItemSync');
  private readonly poster: ItemPoster;
  private readonly receipts: ReceiptAttacher;
  /** one look-up per vendor for the run (this object lives for one run) */
  private readonly vendors: RunVendorResolver;

  constructor(
    private readonly erp: ErpAdapter,
    private readonly ledger: ExportLedgerRepository,
    receiptLedger: ReceiptLedgerRepository,
    links: VendorLinkRepository,
    fetcher: ReceiptFetcher,
    private readonly settings: ExportSettings,
    private readonly concurrency: number,
    /** erpTargetOf(connection): the ledger rows and vendor links are about this target (finding 2) */
    private readonly erpTarget: string,
    /** entries per call of the adapter's postExpenses (when it has one) */
    private readonly batchSize = 50,
  ) {
    this.poster = new ItemPoster(erp, ledger);
    this.receipts = new ReceiptAttacher(erp, receiptLedger, fetcher, erpTarget);
    this.vendors = new RunVendorResolver(erp, links, erpTarget);
  }

  /** The results of the items processed; fewer than given when the run was asked to stop. */
  async processPage(items: ExportItem[], jobId: string, runCtx: OperationContext, fence: ExportFence): Promise<ExportItemUpdate[]> {
    if (!items.length) return [];
    const companyId = items[0].companyId;
    const ids = items.map((i) => i.accountingEntryId);
    fence.assertWritable();
    const claimedAt = Date.now();
    const rows = await this.ledger.claim(companyId, jobId, fence.owner, fence.leaseMs, ids, this.erpTarget);
    // The adapter and downloads stop with the company lock, not with a shutdown (that waits for the item).
    const ctx = { ...runCtx, signal: fence.lockSignal };
    const updates: ExportItemUpdate[] = [];
    const claimOf = (item: ExportItem) => new ItemClaim({ companyId, accountingEntryId: item.accountingEntryId }, fence, rows.get(item.accountingEntryId)!, claimedAt, this.ledger);
    // Items whose ERP write ended without a known outcome (aborted, timed out, may have applied).
    const unsettled = new Set<string>();
    const settling = async <T>(claims: ItemClaim[], work: () => Promise<T>): Promise<T> => {
      try {
        return await work();
      } catch (err) {
        // a refusal for the rate (429) was not applied: those claims are released as usual
        const refusedForRate = err instanceof ErpError && err.kind === 'rate_limited' && !err.mayHaveApplied;
        if (!refusedForRate) for (const c of claims) if (c.wroteToErp) unsettled.add(c.key.accountingEntryId);
        throw err;
      }
    };
    try {
      const taken = ids.find((id) => !rows.has(id));
      if (taken) throw ExportFence.taken(taken);
      await this.vendors.readAheadOf(items.filter((i) => i.vendor && postingModeOf(i) === 'accounts_payable').map((i) => i.vendor!), ctx);
      if (this.erp.postExpenses) {
        await this.batched(items, jobId, ctx, fence, claimOf, updates, settling);
      } else {
        await forEachConcurrently(items, this.concurrency, async (item) => {
          if (fence.stopRequested) return;
          const claim = claimOf(item);
          updates.push(toUpdate(item, await settling([claim], () => this.exportItem(item, jobId, claim, ctx))));
        });
      }
    } finally {
      // Best effort: a claim not released simply runs out. Claims of items whose ERP write ended
      // without a known outcome are kept until their lease runs out (finding 7): the ERP may still be
      // committing it, so no run reconciles it at once.
      await this.ledger.release(companyId, fence.owner, ids.filter((id) => !unsettled.has(id))).catch(() => undefined);
    }
    return updates;
  }

  private async exportItem(item: ExportItem, jobId: string, claim: ItemClaim, ctx: OperationContext): Promise<Outcome> {
    const step = await this.prepare(item, jobId, claim, ctx);
    if (step.failure) return { failure: step.failure };
    let posted = step.posted;
    if (!posted) {
      const result = await this.poster.post(claim, step.entry!, jobId, ctx);
      if (result.failure) return result;
      posted = result.posted;
    }
    return this.withReceipts(item, posted, claim, jobId, ctx);
  }

  /**
   * The page with the adapter's batch call: each item is first settled on its own (posted before,
   * found by reconciliation, or mapped), then what is left is posted `batchSize` entries per call
   * (entries of one kind together),
   * and each posted item gets its receipts. On a stop no new batch is started; a batch posted is
   * finished (its receipts) before the run stops.
   */
  private async batched(
    items: ExportItem[],
    jobId: string,
    ctx: OperationContext,
    fence: ExportFence,
    claimOf: (item: ExportItem) => ItemClaim,
    updates: ExportItemUpdate[],
    settling: <T>(claims: ItemClaim[], work: () => Promise<T>) => Promise<T>,
  ): Promise<void> {
    const toPost: (BatchEntry & { item: ExportItem; index: number })[] = [];
    const finish = async (item: ExportItem, claim: ItemClaim, posted: PostedExpense) => {
      updates.push(toUpdate(item, await this.withReceipts(item, posted, claim, jobId, ctx)));
    };
    await forEachConcurrently(items.map((item, index) => ({ item, index })), this.concurrency, async ({ item, index }) => {
      if (fence.stopRequested) return;
      const claim = claimOf(item);
      const step = await this.prepare(item, jobId, claim, ctx);
      if (step.failure) updates.push(toUpdate(item, { failure: step.failure }));
      else if (step.posted) await settling([claim], () => finish(item, claim, step.posted));
      else toPost.push({ item, claim, entry: step.entry!, index });
    });
    for (const batch of batchesByKind(toPost, this.batchSize)) {
      if (fence.stopRequested) return;
      const outcomes = await settling(batch.map((b) => b.claim), () => this.poster.postBatch(batch, jobId, ctx));
      await forEachConcurrently(batch.map((b, k) => ({ ...b, outcome: outcomes[k] })), this.concurrency, async ({ item, claim, outcome }) => {
        if (outcome.failure) updates.push(toUpdate(item, outcome));
        else await settling([claim], () => finish(item, claim, outcome.posted));
      });
    }
  }

  /** What is known of an item before any ERP write: posted before, found by reconciliation, refused, or the entry to post. */
  private async prepare(item: ExportItem, jobId: string, claim: ItemClaim, ctx: OperationContext): Promise<Step> {
    const { row } = claim;
    // An earlier attempt may have written it: the ERP's answer comes before any mapping.
    const posted = postedFromRow(row) ?? (row.attemptedAt ? await this.poster.reconcile(claim, ctx) : null);
    if (posted) return { posted };
    const plan = await this.plan(item, ctx);
    if (plan.failure) {
      await this.ledger.markFailed(claim.key, jobId, claim.owner, plan.failure);
      return { failure: plan.failure };
    }
    return { entry: plan.entry };
  }

  private async withReceipts(item: ExportItem, posted: PostedExpense, claim: ItemClaim, jobId: string, ctx: OperationContext): Promise<Outcome> {
    const failure = await this.receipts.attach(item, posted, claim, ctx, claim.row.attachmentsDone);
    if (failure) await this.ledger.markFailed(claim.key, jobId, claim.owner, failure);
    return { posted, failure: failure ?? undefined };
  }

  /** Never throws for one item's data: only a retryable ERP or database failure stops the page (R3). */
  private async plan(item: ExportItem, ctx: OperationContext): Promise<Plan> {
    try {
      return await this.planItem(item, ctx);
    } catch (err) {
      if ((err instanceof ErpError && err.retryable) || isJobLevelErpError(err) || isDatabaseUnavailable(err) || err instanceof RunInterrupted) throw err;
      if (err instanceof ErpError) return { failure: itemFailureFromErp(err) };
      this.logger.warn(`item ${item.accountingEntryId}: ${(err as Error)?.message ?? err}`);
      return { failure: { type: 'unexpected_failure', reason: `The expense could not be prepared for booking: ${(err as Error)?.message ?? err}` } };
    }
  }

  private async planItem(item: ExportItem, ctx: OperationContext): Promise<Plan> {
    const mapped = mapExportItem(item, this.settings);
    if (!mapped.ok) return { failure: mapped.failure };
    let vendorId: string | undefined;
    if (mapped.vendor) {
      vendorId = await this.vendors.resolve(mapped.vendor, item.companyId, ctx);
      if (!vendorId) return { failure: { type: 'vendor_unknown', reason: VENDOR_UNKNOWN_REASON } };
    }
    return { entry: { ...mapped.entry, vendorId } };
  }
}

/** Entries an ERP books the same way: same posting mode, paid or not, same counter account. */
const kindOf = (entry: ExpenseEntry) => `${entry.mode}|${entry.payment ? 'paid' : ''}|${entry.contraAccount}`;

/**
 * Batches of at most `size` entries of one kind each, in Pleo's order within a kind: an ERP that
 * books each kind with its own request (Xero: spend money, manual journals, bills) then gets whole
 * batches, not a third of one per kind.
 */
function batchesByKind<T extends { entry: ExpenseEntry; index: number }>(toPost: T[], size: number): T[][] {
  const kinds = new Map<string, T[]>();
  for (const p of [...toPost].sort((a, b) => a.index - b.index)) {
    const list = kinds.get(kindOf(p.entry));
    if (list) list.push(p);
    else kinds.set(kindOf(p.entry), [p]);
  }
  return [...kinds.values()].flatMap((list) => Array.from({ length: Math.ceil(list.length / size) }, (_, i) => list.slice(i * size, (i + 1) * size)));
}

function toUpdate(item: ExportItem, { posted, failure }: Outcome): ExportItemUpdate {
  if (failure) return { accountingEntryId: item.accountingEntryId, status: 'failed', failureReasonType: failure.type, failureReason: failure.reason };
  return {
    accountingEntryId: item.accountingEntryId,
    status: 'successful',
    exportedAt: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    // the ERP's identifier of the entry (F-13); the number a bookkeeper sees is in the ERP's URL
    externalId: posted!.id,
    ...(posted!.url && { externalUrl: posted!.url }),
  };
}
