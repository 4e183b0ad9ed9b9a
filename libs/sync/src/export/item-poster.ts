import { Logger } from '@nestjs/common';
import { ExportLedgerRepository } from '@app/database';
import { ErpAdapter, ErpError, ExpenseBatchResult, ExpenseEntry, OperationContext, PostedExpense } from '@app/erp';
import { isJobLevelErpError, itemFailureFromErp } from './erp-failures';
import { ItemClaim } from './item-claim';
import { ItemFailure } from './item-failure';

export type PostOutcome = { posted: PostedExpense; failure?: undefined } | { failure: ItemFailure; posted?: undefined };
export interface BatchEntry {
  claim: ItemClaim;
  entry: ExpenseEntry;
}

/**
 * Posts one entry to the ERP at most once (design §2.4 step 4, R1/R2/R6), under this run's claim on
 * its ledger row: reconcile with findPostedExpense when an earlier attempt may have written it, mark it attempted
 * (the ledger's fence check), post, and record the result at once. A permanent refusal that may
 * have applied anyway leaves the row unknown (POSTING), so the next export reconciles before posting.
 * Retryable errors are thrown: the row stays attempted and is reconciled by the retry.
 */
export class ItemPoster {
  private readonly logger = new Logger('ItemPoster');

  constructor(
    private readonly erp: ErpAdapter,
    private readonly ledger: ExportLedgerRepository,
  ) {}

  /** For a row an earlier attempt may have written (not POSTED, attempted): the entry in the ERP, or null. */
  async reconcile(claim: ItemClaim, ctx: OperationContext): Promise<PostedExpense | null> {
    const found = await this.erp.findPostedExpense(claim.key.accountingEntryId, ctx);
    if (found) await this.record(claim, found);
    return found;
  }

  /** Call only after reconcile() when the row was attempted. */
  async post(claim: ItemClaim, entry: ExpenseEntry, jobId: string, ctx: OperationContext): Promise<PostOutcome> {
    await claim.beforeWrite('post');
    let posted: PostedExpense;
    try {
      posted = await this.erp.postExpense(entry, ctx);
    } catch (caught) {
      const err = claim.fence.explain(caught);
      if (!(err instanceof ErpError) || err.retryable || isJobLevelErpError(err)) throw err;
      const failure = itemFailureFromErp(err);
      await this.ledger.markFailed(claim.key, jobId, claim.owner, { ...failure, mayHaveApplied: err.mayHaveApplied });
      return { failure };
    }
    await this.record(claim, posted);
    return { posted };
  }

  /**
   * Posts a batch with the adapter's postExpenses, holding the same rules as post(): every entry is
   * marked attempted under its claim (the fence check) before the one call; after it each result is
   * recorded at once — posted, or failed for good (unknown in the ledger when it may have applied).
   * An unknown outcome (the whole call failed: timeout, cut connection, 5xx after commit; or an
   * entry's retryable error) is thrown once the known results are recorded: those entries stay
   * attempted, so the retry looks each up by its reference before posting only the ones not found.
   */
  async postBatch(batch: BatchEntry[], jobId: string, ctx: OperationContext): Promise<PostOutcome[]> {
    const { fence } = batch[0].claim;
    for (const { claim } of batch) await claim.beforeWrite('post');
    let results: ExpenseBatchResult[];
    try {
      fence.assertWritable();
      results = await this.erp.postExpenses!(batch.map((b) => b.entry), ctx);
    } catch (caught) {
      throw fence.explain(caught);
    }
    const byReference = new Map(results.map((r) => [r.reference, r]));
    if (results.length !== batch.length || batch.some((b) => !byReference.has(b.entry.reference))) {
      throw new ErpError('unavailable', `The ERP answered a batch of ${batch.length} entries with ${results.length} results that do not match them; they are looked up before any retry.`, { mayHaveApplied: true });
    }
    const outcomes: PostOutcome[] = [];
    let unknown: ErpError | undefined;
    const notSent: string[] = [];
    for (const { claim, entry } of batch) {
      const result = byReference.get(entry.reference)!;
      if (result.status === 'posted') {
        await this.record(claim, result.posted);
        outcomes.push({ posted: result.posted });
      } else if (result.status === 'failed' && !result.error.retryable && !isJobLevelErpError(result.error)) {
        const failure = itemFailureFromErp(result.error);
        await this.ledger.markFailed(claim.key, jobId, claim.owner, { ...failure, mayHaveApplied: result.error.mayHaveApplied });
        outcomes.push({ failure });
      } else {
        unknown ??= result.error; // left attempted: looked up by its reference before it is posted again (or job-level: stops the job)
        // ... unless it was refused for the rate limit (a 429, or the governor never sent it): nothing to look up
        if (notTaken(result.error)) notSent.push(claim.key.accountingEntryId);
      }
    }
    if (notSent.length) await this.ledger.markNotSent(batch[0].claim.key.companyId, fence.owner, notSent);
    if (unknown) throw fence.explain(unknown);
    return outcomes;
  }

  private async record(claim: ItemClaim, posted: PostedExpense): Promise<void> {
    if (await this.ledger.markPosted(claim.key, claim.owner, posted)) return;
    // Our lease ran out while the ERP call was in flight and another run took the row: say so loudly.
    this.logger.error(`entry ${claim.key.accountingEntryId} was posted as ${posted.number} after this run lost its claim; check the ERP for a duplicate`);
  }
}

/** A rate-limit refusal that cannot have been applied (Xero answers 429 before doing anything). */
const notTaken = (err: ErpError) => err.kind === 'rate_limited' && !err.mayHaveApplied;
