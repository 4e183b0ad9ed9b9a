import { ExpenseEntry, OperationContext, PostedExpense } from '../../erp-adapter.port';
import { ErpError } from '../../erp-errors';
import { decimalsEqual } from '../../decimal';
import { BcClient } from './bc-client';
import { BcGeneralLedgerEntry, BcJournal, BcJournalLine } from './bc-entities';
import { clearJournalForPost, generalJournal } from './bc-journal-guard';
import { BcLock, LockFence } from './bc-lock';
import { PlannedJournalLine, entryMarker, journalLines } from './bc-mapping';
import { eqFilter, keySegment, literal, referenceCode } from './bc-odata';

export const postedJournal = (entry: BcGeneralLedgerEntry): PostedExpense => ({ id: `gl:${entry.id}`, number: entry.documentNumber });
/** A draft's lines waiting in the draft journal (BC_DRAFT_JOURNAL_CODE) for the bookkeeper. */
export const draftJournalLines = (line: BcJournalLine): PostedExpense => ({ id: `draft:${line.id}`, number: line.documentNumber });

/**
 * A draft cannot wait in the posting journal: its post posts the whole journal, so the next
 * entry's post would book the draft (and a look-up would then report it booked). Drafts wait in a
 * journal of their own, which this service never posts — refused when none is configured.
 */
export function refuseDraft(entry: ExpenseEntry, journalCode: string): void {
  if (entry.state !== 'draft') return;
  throw new ErpError(
    'validation',
    `Business Central posts the journal ${journalCode} as a whole, so a draft journal entry (${entry.reference}) cannot wait in it: the next posting would book it. Set BC_DRAFT_JOURNAL_CODE (draftJournalCode) to a second general journal batch where drafts wait for the bookkeeper, let the connection post entries, or book expenses that need review as bills (accounts payable), which stay drafts.`,
  );
}

/**
 * Journal mode. `Microsoft.NAV.post` posts the WHOLE journal batch, so everything from "is it
 * posted?" to the post runs under one lock per connection and journal. Lines carry our code as
 * External Document No. and `[code]` in their description (the G/L entries keep the description;
 * API v2.0 G/L entries do not show the External Document No.). An entry is known posted only when
 * its G/L entries exist; lines an earlier attempt created (cut off, killed before posting) are
 * reused when they are exactly what is wanted, else replaced, and then posted — never doubled.
 */
export class BcJournalBookings {
  private journal?: BcJournal;
  private lcy?: string;

  constructor(
    private readonly client: BcClient,
    private readonly lock: BcLock,
    private readonly lockKey: string,
    readonly journalCode: string,
    private readonly setting = 'BC_JOURNAL_CODE',
  ) {}

  /**
   * A 404 under the journal (it was deleted, or recreated with a new id, while this worker kept its
   * id): the id is looked up again next time, and the entries are tried again instead of failed for good.
   */
  staleJournal(err: unknown): unknown {
    if (!(err instanceof ErpError) || err.kind !== 'unknown_reference' || err.subject !== 'entry') return err;
    this.journal = undefined;
    return new ErpError('unavailable', `Business Central no longer knows the journal ${this.journalCode} by the id this worker had (${err.message}); it is looked up again and the entries tried again.`, { mayHaveApplied: true, cause: err });
  }

  /** The company's local currency (companyInformation.currencyCode; '' when BC does not say), read once. */
  async localCurrency(ctx: OperationContext): Promise<string> {
    if (this.lcy === undefined) {
      const [info] = await this.client.list<{ currencyCode?: string }>('companyInformation', "reading the company's local currency", ctx);
      this.lcy = String(info?.currencyCode ?? '').trim().toUpperCase();
    }
    return this.lcy;
  }

  /**
   * API v2.0 journal lines (and vendor payments) have no currency: they book in the company's local
   * currency. An amount in another currency would be booked as if it were local: refused for the
   * connection (every entry of a Pleo company has its currency).
   */
  async checkCurrency(amount: { value: string; currency: string }, ctx: OperationContext): Promise<void> {
    const lcy = await this.localCurrency(ctx);
    const currency = amount.currency.trim().toUpperCase();
    if (!lcy || currency === lcy) return;
    throw new ErpError(
      'configuration',
      `The Business Central company keeps its books in ${lcy}, but this Pleo company's amounts are in ${currency}: journal lines have no currency in Business Central's API, so ${amount.value} ${currency} would be booked as ${amount.value} ${lcy}. Connect the Business Central company whose local currency is ${currency}.`,
    );
  }

  async journalId(ctx: OperationContext): Promise<string> {
    if (this.journal) return this.journal.id;
    const [found] = await this.client.list<BcJournal>('journals', `looking up the journal ${this.journalCode}`, ctx, { $filter: eqFilter([['code', this.journalCode]]) });
    if (!found) throw new ErpError('configuration', `Business Central has no general journal batch ${this.journalCode} (${this.setting}). Create it under the GENERAL template, without a number series, for this service only.`);
    this.journal = found;
    return found.id;
  }

  async post(entry: ExpenseEntry, ctx: OperationContext): Promise<PostedExpense> {
    refuseDraft(entry, this.journalCode);
    return this.withEntryLines(entry, ctx, (journalId, lines, fence) => this.postLines(entry, journalId, lines, fence, ctx));
  }

  /**
   * Draft journal (BC_DRAFT_JOURNAL_CODE): the entry's lines are written (reused when identical,
   * replaced otherwise) and left for the bookkeeper to review and post in Business Central; this
   * service never posts this journal. Once the bookkeeper posts it, findPosted finds the G/L entries.
   */
  leaveDraft(entry: ExpenseEntry, ctx: OperationContext): Promise<PostedExpense> {
    return this.withEntryLines(entry, ctx, async (_journalId, lines) => draftJournalLines(lines[0]));
  }

  /**
   * Under the journal's lock: the entry's G/L entries if it is posted already, else its lines in
   * this journal (reused when identical, replaced otherwise) handed to `then`.
   */
  private async withEntryLines(entry: ExpenseEntry, ctx: OperationContext, then: (journalId: string, lines: BcJournalLine[], fence: LockFence) => Promise<PostedExpense>): Promise<PostedExpense> {
    const planned = journalLines(entry);
    await this.checkCurrency(entry.total, ctx);
    const journalId = await this.journalId(ctx);
    return this.lock.withLock(this.lockKey, async (fence) => {
      try {
        const posted = await this.findPosted(entry.reference, ctx);
        if (posted) return posted;
        return await then(journalId, await this.ensureLines(journalId, entry.reference, planned, ctx), fence);
      } catch (err) {
        throw this.staleJournal(err);
      }
    }, ctx.signal);
  }

  private async postLines(entry: ExpenseEntry, journalId: string, lines: BcJournalLine[], fence: LockFence, ctx: OperationContext): Promise<PostedExpense> {
    try {
      await fence();
      await clearJournalForPost(this.client, generalJournal(journalId, this.journalCode), new Set(lines.map((l) => l.id)), ctx);
    } catch (err) {
      // a line that is not ours: our lines out again, so the journal is as the bookkeeper left it
      if (err instanceof ErpError && err.kind === 'configuration') await this.removeLines(journalId, entry.reference, ctx).catch(() => undefined);
      throw err;
    }
    try {
      await this.client.action(`${keySegment('journals', journalId)}/Microsoft.NAV.post`, `posting the journal ${this.journalCode} (entry ${entry.reference})`, ctx);
    } catch (err) {
      // refused as a whole: take our lines out so the journal is not blocked by them
      if (err instanceof ErpError && !err.retryable) await this.removeLines(journalId, entry.reference, ctx).catch(() => undefined);
      throw err;
    }
    const done = await this.findPosted(entry.reference, ctx);
    if (!done) throw new ErpError('unavailable', `Business Central accepted posting the journal ${this.journalCode} but shows no G/L entries for ${entry.reference} yet; it will be checked again.`, { mayHaveApplied: true });
    return done;
  }

  /** The posted entry: the first G/L entry whose description carries the entry's marker. */
  async findPosted(reference: string, ctx: OperationContext): Promise<PostedExpense | null> {
    const entries = await this.client.list<BcGeneralLedgerEntry>('generalLedgerEntries', `looking up G/L entries of ${reference}`, ctx, {
      $filter: `contains(description,${literal(entryMarker(reference))})`,
      $orderby: 'entryNumber asc',
      $top: 1,
    });
    return entries[0] ? postedJournal(entries[0]) : null;
  }

  private ourLines(journalId: string, reference: string, ctx: OperationContext): Promise<BcJournalLine[]> {
    return this.client.list<BcJournalLine>(`${keySegment('journals', journalId)}/journalLines`, `looking up journal lines of ${reference}`, ctx, {
      $filter: eqFilter([['externalDocumentNumber', referenceCode(reference)]]),
      $expand: 'dimensionSetLines',
    });
  }

  private async ensureLines(journalId: string, reference: string, planned: PlannedJournalLine[], ctx: OperationContext): Promise<BcJournalLine[]> {
    const existing = (await this.ourLines(journalId, reference, ctx)).sort((a, b) => (a.lineNumber ?? 0) - (b.lineNumber ?? 0));
    if (existing.length === planned.length && existing.every((line, i) => sameLine(line, planned[i]))) return existing;
    for (const line of existing) await this.client.delete(`${keySegment('journals', journalId)}/${keySegment('journalLines', line.id)}`, line['@odata.etag'] ?? '*', `removing an incomplete journal line of ${reference}`, ctx);
    const created: BcJournalLine[] = [];
    for (const { line, dimensions } of planned) {
      const made = await this.client.post<BcJournalLine>(`${keySegment('journals', journalId)}/journalLines`, line, `adding a journal line for ${reference}`, ctx);
      for (const dim of dimensions) {
        await this.client.post(`${keySegment('journals', journalId)}/${keySegment('journalLines', made.id)}/dimensionSetLines`, dim, `tagging the journal line of ${reference} with ${dim.code} ${dim.valueCode}`, ctx);
      }
      created.push({ ...made, dimensionSetLines: dimensions.map((d) => ({ id: '', ...d })) });
    }
    return created;
  }

  private async removeLines(journalId: string, reference: string, ctx: OperationContext): Promise<void> {
    for (const line of await this.ourLines(journalId, reference, ctx)) {
      await this.client.delete(`${keySegment('journals', journalId)}/${keySegment('journalLines', line.id)}`, line['@odata.etag'] ?? '*', `removing the refused journal line of ${reference}`, ctx);
    }
  }
}

const same = (a: unknown, b: unknown) => String(a ?? '').toUpperCase() === String(b ?? '').toUpperCase();

/** An existing line is reused only when it is exactly the planned one, tags included. */
export function sameLine(existing: BcJournalLine, planned: PlannedJournalLine): boolean {
  const p = planned.line;
  const dims = (existing.dimensionSetLines ?? []).map((d) => `${d.code}=${d.valueCode}`.toUpperCase()).sort().join(',');
  const wanted = planned.dimensions.map((d) => `${d.code}=${d.valueCode}`).sort().join(',');
  return (
    same(existing.accountNumber, p.accountNumber) &&
    same(existing.balancingAccountNumber, p.balancingAccountNumber) &&
    same(existing.taxCode, p.taxCode) &&
    existing.postingDate === p.postingDate &&
    decimalsEqual(String(existing.amount), String(p.amount)) &&
    dims === wanted
  );
}
