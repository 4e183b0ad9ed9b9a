import { ExpenseBatchResult, ExpenseEntry, OperationContext, PostedExpense, batchFailure } from './erp-adapter.port';
import { ErpError } from './erp-errors';

/**
 * `postExpenses` for an ERP without a batch call: the entries one after the other, each result
 * kept. After the first error a retry may fix (the ERP unavailable, a rate limit) the rest are not
 * tried and are left unknown too — the caller looks them up before posting them again. Anything
 * that is not an ErpError is thrown (every entry's outcome is then unknown).
 */
export async function postOneByOne(
  post: (entry: ExpenseEntry, ctx: OperationContext) => Promise<PostedExpense>,
  entries: ExpenseEntry[],
  ctx: OperationContext,
): Promise<ExpenseBatchResult[]> {
  const results: ExpenseBatchResult[] = [];
  let stoppedBy: ErpError | undefined;
  for (const entry of entries) {
    if (stoppedBy) {
      results.push({ reference: entry.reference, status: 'unknown', error: stoppedBy });
      continue;
    }
    try {
      results.push({ reference: entry.reference, status: 'posted', posted: await post(entry, ctx) });
    } catch (err) {
      if (!(err instanceof ErpError)) throw err;
      const result = batchFailure(entry.reference, err);
      if (result.status === 'unknown') stoppedBy = err;
      results.push(result);
    }
  }
  return results;
}
