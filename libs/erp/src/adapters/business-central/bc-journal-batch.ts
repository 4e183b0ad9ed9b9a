import { ExpenseBatchResult, ExpenseEntry, OperationContext, PostedExpense, batchFailure } from '../../erp-adapter.port';
import { ErpError } from '../../erp-errors';
import { postOneByOne } from '../../post-one-by-one';
import { BcBatchOperation } from './bc-batch';
import { BcClient } from './bc-client';
import { BcDimensionSetLine, BcGeneralLedgerEntry, BcJournalLine, BcList } from './bc-entities';
import { BcJournalBookings, postedJournal, sameLine } from './bc-journal';
import { clearJournalForPost, generalJournal } from './bc-journal-guard';
import { BcLock, LockFence } from './bc-lock';
import { PlannedJournalLine, entryMarker } from './bc-mapping';
import { keySegment, literal, referenceCode } from './bc-odata';

/** References per G/L look-up: 20 `contains(…)` terms keep its URL near 1,500 characters. */
export const MARKERS_PER_LOOKUP = 20;

export interface BatchItem {
  entry: ExpenseEntry;
  planned: PlannedJournalLine[];
}

/** An entry on its way through the batch: the journal lines that are its own once created. */
interface Work extends BatchItem {
  lines: { id: string; etag: string }[];
}

const asError = (err: unknown): ErpError => (err instanceof ErpError ? err : new ErpError('unavailable', (err as Error)?.message ?? String(err), { cause: err, mayHaveApplied: true }));

/** The G/L look-ups of a batch: one `or`-chained `contains(description,'[code]')` filter per MARKERS_PER_LOOKUP entries. */
export function postedLookups(references: string[]): BcBatchOperation[] {
  const out: BcBatchOperation[] = [];
  for (let i = 0; i < references.length; i += MARKERS_PER_LOOKUP) {
    const chunk = references.slice(i, i + MARKERS_PER_LOOKUP);
    const filter = chunk.map((r) => `contains(description,${literal(entryMarker(r))})`).join(' or ');
    out.push({ method: 'GET', path: `generalLedgerEntries?$filter=${encodeURIComponent(filter)}&$orderby=entryNumber%20asc`, what: `looking up G/L entries of ${chunk.length} entries` });
  }
  return out;
}

/** The first G/L entry (lowest entry number) of each reference found, as findPosted would answer. */
export function postedByReference(references: string[], entries: BcGeneralLedgerEntry[]): Map<string, PostedExpense> {
  const found = new Map<string, PostedExpense>();
  const sorted = [...entries].sort((a, b) => a.entryNumber - b.entryNumber);
  for (const reference of references) {
    const marker = entryMarker(reference);
    const first = sorted.find((e) => String(e.description ?? '').includes(marker));
    if (first) found.set(reference, postedJournal(first));
  }
  return found;
}

/**
 * Journal mode in batches (`postExpenses`): under the journal's lock, for all entries at once — one
 * `$batch` looking up what is posted (G/L entries by marker) and what lines wait in the journal;
 * one `$batch` replacing stale lines and creating the missing ones, one creating their dimension
 * set lines (≤100 operations per request); ONE `Microsoft.NAV.post`; one `$batch` reading the G/L
 * entries back. Per entry the guarantees of the single path hold: known posted only when its G/L
 * entries exist, lines reused only when identical. A line or tag BC refuses fails only its entry
 * (its other lines are removed before the post); a post refused as a whole takes the batch's
 * lines out again and the entries are posted one by one (existing path), so one bad entry does not
 * fail the others. Any request whose outcome is unknown stops the batch before the post: its
 * entries are `unknown`, and their next attempt looks them up (lines found are reused).
 */
export class BcJournalBatches {
  constructor(
    private readonly client: BcClient,
    private readonly lock: BcLock,
    private readonly lockKey: string,
    private readonly journal: BcJournalBookings,
  ) {}

  async post(items: BatchItem[], ctx: OperationContext): Promise<ExpenseBatchResult[]> {
    const results = new Map<string, ExpenseBatchResult>();
    let fallback: ExpenseEntry[] = [];
    try {
      for (const { entry } of items) await this.journal.checkCurrency(entry.total, ctx);
      const journalId = await this.journal.journalId(ctx);
      fallback = await this.lock.withLock(this.lockKey, (fence) => this.underLock(journalId, items, results, fence, ctx), ctx.signal);
    } catch (caught) {
      const err = this.journal.staleJournal(caught);
      for (const { entry } of items) if (!results.has(entry.reference)) results.set(entry.reference, batchFailure(entry.reference, asError(err)));
    }
    // the post was refused as a whole: each entry alone (its own lock, look-up, lines and post)
    for (const r of await postOneByOne((e, c) => this.journal.post(e, c), fallback, ctx)) results.set(r.reference, r);
    return items.map(({ entry }) => results.get(entry.reference)!);
  }

  /** Everything up to the post and its read-back; returns the entries to post one by one (the post was refused). */
  private async underLock(journalId: string, items: BatchItem[], results: Map<string, ExpenseBatchResult>, fence: LockFence, ctx: OperationContext): Promise<ExpenseEntry[]> {
    const journalPath = keySegment('journals', journalId);
    const settle = (entry: ExpenseEntry, result: ExpenseBatchResult) => results.set(entry.reference, result);
    const undecided = () => items.filter(({ entry }) => !results.has(entry.reference));

    // 1. one $batch: what is posted already, what lines wait in the journal
    const references = items.map((i) => i.entry.reference);
    const reads = await this.client.batch<BcList<BcGeneralLedgerEntry> | BcList<BcJournalLine>>(
      [...postedLookups(references), { method: 'GET', path: `${journalPath}/journalLines?$expand=dimensionSetLines`, what: 'looking up the journal lines waiting in the journal' }],
      `looking up ${items.length} entries`,
      ctx,
    );
    const failedRead = reads.find((r) => !r.ok);
    if (failedRead && !failedRead.ok) throw failedRead.error;
    const values = reads.map((r) => (r.ok ? (r.body.value ?? []) : []));
    const posted = postedByReference(references, values.slice(0, -1).flat() as BcGeneralLedgerEntry[]);
    const waiting = values[values.length - 1] as BcJournalLine[];
    for (const { entry } of items) {
      const found = posted.get(entry.reference);
      if (found) settle(entry, { reference: entry.reference, status: 'posted', posted: found });
    }

    // 2. lines: identical ones are reused, others replaced; one $batch (≤100 operations a request)
    const work: Work[] = [];
    const writes: { op: BcBatchOperation; item: Work; kind: 'delete' | 'line'; planned?: PlannedJournalLine }[] = [];
    for (const item of undecided()) {
      const code = referenceCode(item.entry.reference);
      const existing = waiting.filter((l) => String(l.externalDocumentNumber ?? '').toUpperCase() === code).sort((a, b) => (a.lineNumber ?? 0) - (b.lineNumber ?? 0));
      const w: Work = { ...item, lines: [] };
      work.push(w);
      if (existing.length === item.planned.length && existing.every((l, i) => sameLine(l, item.planned[i]))) {
        w.lines = existing.map((l) => ({ id: l.id, etag: l['@odata.etag'] ?? '*' }));
        continue;
      }
      for (const l of existing) writes.push({ item: w, kind: 'delete', op: { method: 'DELETE', path: `${journalPath}/${keySegment('journalLines', l.id)}`, ifMatch: l['@odata.etag'] ?? '*', what: `removing an incomplete journal line of ${item.entry.reference}` } });
      for (const p of item.planned) writes.push({ item: w, kind: 'line', planned: p, op: { method: 'POST', path: `${journalPath}/journalLines`, body: p.line, what: `adding a journal line for ${item.entry.reference}` } });
    }
    const failEntry = (w: Work, error: ErpError) => {
      if (!results.has(w.entry.reference)) settle(w.entry, batchFailure(w.entry.reference, error));
    };
    const tags: { op: BcBatchOperation; item: Work }[] = [];
    // set when a write's outcome is unknown or an old line stayed: then nothing of the batch is posted
    let stop: ErpError | undefined;
    const stopOn = (item: Work, error: ErpError, why: string) => {
      stop = new ErpError('unavailable', `${why} (${error.message}); nothing of this batch was posted and it will be tried again.`, { mayHaveApplied: true, cause: error });
      settle(item.entry, { reference: item.entry.reference, status: 'unknown', error: stop });
    };
    if (writes.length) {
      const answers = await this.unknownOnThrow(() => this.client.batch<BcJournalLine>(writes.map((x) => x.op), `adding journal lines for ${work.length} entries`, ctx), results, work);
      answers.forEach((a, i) => {
        const { item, kind, planned } = writes[i];
        // an earlier attempt's line that could not be removed, or a line that may exist unseen, would be posted with the batch
        if (!a.ok && kind === 'delete') return stopOn(item, a.error, `An earlier journal line of ${item.entry.reference} could not be replaced`);
        if (!a.ok && a.error.mayHaveApplied) return stopOn(item, a.error, `Adding a journal line of ${item.entry.reference} had no clear answer`);
        if (!a.ok) return failEntry(item, a.error);
        if (kind !== 'line') return;
        item.lines.push({ id: a.body.id, etag: a.body['@odata.etag'] ?? '*' });
        for (const dim of planned!.dimensions) {
          tags.push({ item, op: { method: 'POST', path: `${journalPath}/${keySegment('journalLines', a.body.id)}/dimensionSetLines`, body: dim, what: `tagging the journal line of ${item.entry.reference} with ${dim.code} ${dim.valueCode}` } });
        }
      });
    }

    // 3. their dimension set lines (only for entries whose lines all stand)
    const tagging = tags.filter((t) => !results.has(t.item.entry.reference));
    if (tagging.length) {
      const answers = await this.unknownOnThrow(() => this.client.batch<BcDimensionSetLine>(tagging.map((t) => t.op), `tagging journal lines of ${work.length} entries`, ctx), results, work);
      answers.forEach((a, i) => {
        if (!a.ok && a.error.mayHaveApplied) stopOn(tagging[i].item, a.error, `Tagging a journal line of ${tagging[i].item.entry.reference} had no clear answer`);
        else if (!a.ok) failEntry(tagging[i].item, a.error);
      });
    }

    // 4. an entry that failed takes its lines out, or nothing is posted (they would be posted with it)
    const refused = work.filter((w) => results.get(w.entry.reference)?.status !== undefined && w.lines.length);
    if (refused.length) await this.removeLines(journalPath, refused, results, work, ctx);
    const ready = work.filter((w) => !results.has(w.entry.reference));
    if (stop) for (const w of ready) settle(w.entry, { reference: w.entry.reference, status: 'unknown', error: stop });
    if (!ready.length || stop) return [];

    // 5. the lock still ours and the journal holding exactly our lines; then ONE post for the whole batch, then one read-back
    try {
      await fence();
      await clearJournalForPost(this.client, generalJournal(journalId, this.journal.journalCode), new Set(ready.flatMap((w) => w.lines.map((l) => l.id))), ctx);
    } catch (err) {
      const error = asError(err);
      if (error.kind === 'configuration') {
        await this.removeLines(journalPath, ready, results, ready, ctx);
        for (const w of ready) settle(w.entry, batchFailure(w.entry.reference, error));
      } else {
        const unknown = error.mayHaveApplied ? error : new ErpError(error.kind, error.message, { mayHaveApplied: true, cause: error });
        for (const w of ready) settle(w.entry, { reference: w.entry.reference, status: 'unknown', error: unknown });
      }
      return [];
    }
    try {
      await this.client.action(`${journalPath}/Microsoft.NAV.post`, `posting the journal with ${ready.length} entries`, ctx);
    } catch (err) {
      const error = asError(err);
      if (error.retryable) {
        for (const w of ready) settle(w.entry, batchFailure(w.entry.reference, error));
        return [];
      }
      // refused as a whole: our lines out again, then each entry alone so one bad entry fails alone
      await this.removeLines(journalPath, ready, results, ready, ctx);
      return ready.filter((w) => !results.has(w.entry.reference)).map((w) => w.entry);
    }
    const readyRefs = ready.map((w) => w.entry.reference);
    const back = await this.unknownOnThrow(() => this.client.batch<BcList<BcGeneralLedgerEntry>>(postedLookups(readyRefs), `reading back ${ready.length} posted entries`, ctx), results, ready);
    const failedBack = back.find((r) => !r.ok);
    const done = postedByReference(readyRefs, back.flatMap((r) => (r.ok ? (r.body.value ?? []) : [])));
    for (const w of ready) {
      const found = done.get(w.entry.reference);
      if (found) settle(w.entry, { reference: w.entry.reference, status: 'posted', posted: found });
      else {
        const error = failedBack && !failedBack.ok ? failedBack.error : new ErpError('unavailable', `Business Central accepted posting the journal but shows no G/L entries for ${w.entry.reference} yet; it will be checked again.`, { mayHaveApplied: true });
        settle(w.entry, { reference: w.entry.reference, status: 'unknown', error: error.retryable ? error : new ErpError('unavailable', error.message, { mayHaveApplied: true, cause: error }) });
      }
    }
    return [];
  }

  /** A `$batch` whose whole outcome is unknown: every entry not settled yet is unknown, and the batch stops (nothing posted). */
  private async unknownOnThrow<T>(send: () => Promise<T>, results: Map<string, ExpenseBatchResult>, concerned: Work[]): Promise<T> {
    try {
      return await send();
    } catch (err) {
      const error = asError(err);
      const unknown = error.retryable ? error : new ErpError(error.kind, error.message, { mayHaveApplied: true, cause: error });
      for (const w of concerned) if (!results.has(w.entry.reference)) results.set(w.entry.reference, { reference: w.entry.reference, status: 'unknown', error: unknown });
      throw new BatchStopped();
    }
  }

  /** Removes the entries' own lines (one $batch); if any removal fails, nothing of the batch may be posted. */
  private async removeLines(journalPath: string, owners: Work[], results: Map<string, ExpenseBatchResult>, all: Work[], ctx: OperationContext): Promise<void> {
    const ops = owners.flatMap((w) => w.lines.map((l) => ({ w, op: { method: 'DELETE' as const, path: `${journalPath}/${keySegment('journalLines', l.id)}`, ifMatch: '*', what: `removing the journal line of ${w.entry.reference}` } })));
    if (!ops.length) return;
    const answers = await this.unknownOnThrow(() => this.client.batch(ops.map((o) => o.op), `removing the journal lines of ${owners.length} entries`, ctx), results, all);
    const failed = answers.findIndex((a) => !a.ok);
    if (failed < 0) {
      for (const w of owners) w.lines = [];
      return;
    }
    const a = answers[failed];
    const error = !a.ok ? a.error : new ErpError('unavailable', 'A journal line could not be removed.');
    const stuck = new ErpError('unavailable', `A journal line could not be taken out of the journal before posting (${error.message}); nothing of this batch was posted and it will be tried again.`, { mayHaveApplied: true, cause: error });
    for (const w of all) if (!results.has(w.entry.reference) || results.get(w.entry.reference)!.status !== 'posted') results.set(w.entry.reference, { reference: w.entry.reference, status: 'unknown', error: stuck });
    throw new BatchStopped();
  }
}

/** Thrown inside the lock when the batch stops after its entries were settled (they keep their results). */
class BatchStopped extends Error {}
