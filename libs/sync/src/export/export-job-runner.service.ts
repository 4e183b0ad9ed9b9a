import { Inject, Injectable, Logger } from '@nestjs/common';
import IORedis from 'ioredis';
import { ExportLedgerRepository, ExportRunRepository, FinalEvent, ReceiptLedgerRepository, VendorLinkRepository } from '@app/database';
import { ConnectionResolver, SyncConnection, erpTargetOf, refusedSide } from '@app/connections';
import { ErpError } from '@app/erp';
import { ExportItem, ExportItemUpdate, ExportJob, ExportJobItem, FINAL_JOB_STATUSES, PleoApiError } from '@app/pleo';
import { PRODUCER_CONNECTION } from '@app/queue';
import { RunInterrupted, ShutdownSignal } from '@app/runtime';
import { CompanyLock } from './company-lock';
import { isJobLevelErpError, jobFailureFromErp } from './erp-failures';
import { EXPORT_OPTIONS, ExportOptions } from './export-options';
import { ExportFence } from './export-fence';
import { ExportItemSync } from './export-item-sync';
import { EntryIdSet } from './entry-id-set';
import { ItemReporter } from './item-reporter';
import { ReceiptFetcher } from './receipts/receipt-fetcher';
import { isUuid, validateItem } from './item-validation';
import { FinalEventRefused, ItemsNotFinal, JobFailure, finalEventOf, jobFailureOf, mayBeOver } from './job-outcome';

type Counts = { succeeded: number; failed: number; reports: number };
type Outcome = FinalEvent | 'skipped' | `pleo:${string}`;
type JobResult = { outcome: Outcome } & Counts;
/**
 * Items handed to the item sync at once when the ERP takes batches (5 of Pleo's pages): enough that
 * every kind of entry (Xero: spend money, manual journals, bills) fills whole batches, few enough
 * that memory stays flat and Pleo hears of results every few calls.
 */
export const BATCH_GROUP_ITEMS = 500;

const NOTHING: Counts = { succeeded: 0, failed: 0, reports: 0 };

export interface CompanyRunSummary {
  companyId: string;
  jobs: ({ jobId: string } & JobResult)[];
}

export interface CompanyRunOptions {
  /** the queue will not try again: a job failing for a reason a retry could fix is failed in Pleo now */
  lastAttempt?: boolean;
}

/**
 * Runs Pleo's export workflow for one company (design §2.4, pleo-api.md §3.6): under a per-company
 * lock, every pending and in-progress job, oldest first — start, pre-validate the ERP, read the
 * control layer, stream the data layer page by page, post each item exactly once, report results
 * in batches of ≤100 as it goes, then send the one final event Pleo's holdings call for.
 * Each job is guarded on its own (R3): a job that fails for good gets a `failed` event with an
 * actionable reason and the company's next job runs; a job Pleo ended (expired, cancelled) is
 * recorded as Pleo has it; only a failure a retry may fix stops the run (until the last attempt).
 */
@Injectable()
export class ExportJobRunner {
  private readonly logger = new Logger(ExportJobRunner.name);
  private readonly fetcher: ReceiptFetcher;

  constructor(
    private readonly connections: ConnectionResolver,
    private readonly ledger: ExportLedgerRepository,
    private readonly runs: ExportRunRepository,
    private readonly links: VendorLinkRepository,
    @Inject(PRODUCER_CONNECTION) private readonly redis: IORedis,
    @Inject(EXPORT_OPTIONS) private readonly options: ExportOptions,
    private readonly receiptLedger: ReceiptLedgerRepository,
    private readonly shutdown: ShutdownSignal,
  ) {
    this.fetcher = new ReceiptFetcher({ timeoutMs: options.receiptDownloadTimeoutMs, maxBytes: options.receiptMaxBytes, allowedHttpHosts: options.receiptAllowedHttpHosts });
  }

  /**
   * Throws CompanyBusy when another run holds the company, ConnectionUnavailable when its
   * connection cannot be used until a person acts.
   */
  runCompany(companyId: string, correlationId: string, options: CompanyRunOptions = {}): Promise<CompanyRunSummary> {
    return this.connections.run(companyId, (conn) => this.runWith(conn, correlationId, options));
  }

  private async runWith(conn: SyncConnection, correlationId: string, options: CompanyRunOptions): Promise<CompanyRunSummary> {
    const companyId = conn.companyId;
    this.shutdown.signal.throwIfAborted();
    const lock = await CompanyLock.acquire(this.redis, this.options.queuePrefix, companyId, this.options.lockTtlMs);
    const fence = new ExportFence(lock.token, lock.signal, this.shutdown.signal, lock.ttlMs);
    const summary: CompanyRunSummary = { companyId, jobs: [] };
    try {
      const jobs: ExportJob[] = [];
      // one spelling of the company id for runs and ledgers (the lock and the resolver use lower case too)
      for await (const job of conn.pleoExports.listJobs(companyId, ['pending', 'in_progress'])) jobs.push({ ...job, companyId: job.companyId?.toLowerCase() ?? job.companyId });
      // Date.parse, not string order: "…43.5Z" sorts before "…43Z" as text (F-13).
      jobs.sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt) || a.id.localeCompare(b.id));
      for (const job of jobs) {
        fence.stopSignal.throwIfAborted();
        summary.jobs.push({ jobId: job.id, ...(await this.guardedJob(conn, job, fence, correlationId, options)) });
      }
      await this.reconcileUnlisted(conn, companyId, new Set(jobs.map((j) => j.id)));
      return summary;
    } finally {
      await lock.release();
    }
  }

  /**
   * Runs still open here whose job Pleo no longer lists as pending or in progress (R7): a crash
   * after Pleo took the final event but before we recorded it, or a job Pleo ended while no run was
   * going. Recorded as Pleo holds them; a failure here never fails the run.
   */
  private async reconcileUnlisted(conn: SyncConnection, companyId: string, listed: Set<string>): Promise<void> {
    try {
      for (const run of await this.runs.unfinished(companyId)) {
        if (listed.has(run.jobId)) continue;
        const job = await conn.pleoExports.getJob(run.jobId);
        if (!job || !FINAL_JOB_STATUSES.includes(job.status)) continue;
        if (job.status === run.finalEvent) await this.runs.markFinalSent(run.jobId);
        else await this.endedByPleo(conn, job, job);
      }
    } catch (err) {
      this.logger.warn(`company ${companyId}: open runs not reconciled with Pleo this time: ${(err as Error).message}`);
    }
  }

  private async guardedJob(conn: SyncConnection, job: ExportJob, fence: ExportFence, correlationId: string, options: CompanyRunOptions): Promise<JobResult> {
    try {
      return await this.runJob(conn, job, fence, correlationId);
    } catch (err) {
      // Lock lost (another run owns the company now) or shutting down: stopped, not failed.
      if (fence.stopSignal.aborted || err instanceof RunInterrupted) throw fence.stopSignal.aborted ? fence.stopSignal.reason : err;
      // a stored connection whose Pleo credentials are refused waits for a person; the job is not failed
      if (conn.id && refusedSide(err) === 'pleo') throw err;
      if (mayBeOver(err)) {
        const over = await this.endedByPleo(conn, job);
        if (over) return over;
      }
      const failure = jobFailureOf(err);
      if (failure.retryable && !options.lastAttempt) throw err;
      this.logger.warn(`job ${job.id} (${job.companyId}) fails: ${failure.type}: ${failure.reason}`);
      const failed = await this.finish(conn, job, 'failed', NOTHING, { type: failure.type, reason: failure.reason }, 'job');
      // the ERP refused a stored connection's credentials: escapes to ConnectionResolver.run, which marks it, and the company's next jobs wait
      if (conn.id && refusedSide(err) === 'erp') throw err;
      return failed;
    }
  }

  private async runJob(conn: SyncConnection, job: ExportJob, fence: ExportFence, correlationId: string): Promise<JobResult> {
    const ctx = { correlationId: `${correlationId}/${job.id}`, signal: fence.stopSignal };
    const run = await this.runs.start(job.id, job.companyId, job.numberOfItems);
    if (run.finalEventSentAt || run.finishedAt) return { outcome: 'skipped', ...NOTHING };
    if (run.finalEvent) {
      // Decided before a crash, maybe not sent: send the same event again.
      const failure = run.failureReasonType ? ({ type: run.failureReasonType, reason: run.failureReason ?? '' } as JobFailure) : undefined;
      return this.sendFinal(conn, job, run.finalEvent as FinalEvent, NOTHING, failure);
    }

    if (job.status === 'pending') {
      const started = await this.start(conn, job);
      if (started !== true) return started;
    }

    const problem = await this.preValidate(conn, job, ctx);
    if (problem) return this.finish(conn, job, 'failed', NOTHING, problem, 'job');

    // Control layer first, all pages (Pleo's rule), keeping only ids: the data layer is streamed.
    const todo = new EntryIdSet();
    for await (const item of conn.pleoExports.jobItems(job.id)) if (item.status === 'pending' || item.status === 'in_progress') todo.add(item.accountingEntryId);

    // Report well within the time Pleo gives the job (expiresIn, from its last action), F-9.
    const expiresMs = Number.isFinite(job.expiresIn) && job.expiresIn > 0 ? job.expiresIn * 1000 : Infinity;
    const interval = Math.max(1_000, Math.min(this.options.reportIntervalMs, expiresMs / 4));
    const reporter = new ItemReporter(conn.pleoExports, this.ledger, job.id, job.companyId, interval);
    const unaddressable = [...todo].filter((id) => !isUuid(id));
    for (const id of unaddressable) todo.delete(id);
    let counts: { succeeded: number; failed: number };
    try {
      counts = await this.exportItems(conn, job, todo, reporter, ctx, fence);
      await reporter.flush();
    } catch (err) {
      // What is booked is told to Pleo even when the run stops (best effort: the PUT may be what failed)
      // — unless the run lost the company: the run that holds it now reports those items itself, and a
      // second report of a final item is refused by Pleo.
      const lostCompany = fence.lockSignal.aborted || (err instanceof RunInterrupted && err.why === 'lock_lost');
      if (!lostCompany) await reporter.flush().catch(() => undefined);
      throw err;
    }
    const { succeeded, failed } = counts;
    const refused = reporter.refused.size ? await reporter.resendRefused() : [];
    if (unaddressable.length) {
      // Pleo takes results only for uuids: these stay open there, so the job cannot complete (R3).
      const reason = `Pleo listed ${unaddressable.length} item(s) without a valid accountingEntryId (${unaddressable.slice(0, 3).join(', ')}); they can be neither booked nor reported, so the export cannot complete. The other items were exported and reported.`;
      return this.finish(conn, job, 'failed', { succeeded, failed, reports: reporter.calls }, { type: 'validation_failure', reason });
    }

    // The final event follows what Pleo holds, and only once every item is final there (F-1).
    const held: ExportJobItem[] = [];
    for await (const item of conn.pleoExports.jobItems(job.id)) held.push(item);
    const open = held.filter((i) => i.status === 'pending' || i.status === 'in_progress');
    if (open.length) throw new ItemsNotFinal(job.id, open.length, refused);
    const { event, failure } = finalEventOf(held);
    return this.finish(conn, job, event, { succeeded, failed, reports: reporter.calls }, failure);
  }

  /** The data layer, page by page: checked, booked, reported. Returns what this run booked and failed. */
  private async exportItems(conn: SyncConnection, job: ExportJob, todo: EntryIdSet, reporter: ItemReporter, ctx: { correlationId: string; signal: AbortSignal }, fence: ExportFence) {
    const items = new ExportItemSync(conn.erp, this.ledger, this.receiptLedger, this.links, this.fetcher, conn.settings, conn.settings.itemConcurrency, erpTargetOf(conn), this.options.batchSize);
    let succeeded = 0;
    let failed = 0;
    // With a batch call, pages are gathered into groups of BATCH_GROUP_ITEMS: the batches are then
    // cut from entries of one kind (ExportItemSync), so each is one ERP call and no call is half empty.
    const groupItems = conn.erp.postExpenses ? BATCH_GROUP_ITEMS : 1;
    let valid: ExportItem[] = [];
    let updates: ExportItemUpdate[] = [];
    const processGroup = async () => {
      updates.push(...(await items.processPage(valid, job.id, ctx, fence)));
      const ok = updates.filter((u) => u.status === 'successful').length;
      succeeded += ok;
      failed += updates.length - ok;
      for (const update of updates) await reporter.add(update);
      await this.runs.count(job.id, ok, updates.length - ok);
      valid = [];
      updates = [];
    };
    for await (const page of conn.pleoExports.exportItemPages(job.id)) {
      ctx.signal.throwIfAborted();
      for (const item of page) {
        if (!todo.delete(item?.accountingEntryId)) continue;
        const bad = validateItem(item, job.companyId);
        if (bad) updates.push({ accountingEntryId: item.accountingEntryId, status: 'failed' as const, failureReasonType: bad.type, failureReason: bad.reason });
        else valid.push(item);
      }
      if (valid.length >= groupItems || (groupItems === 1 && updates.length)) await processGroup();
    }
    ctx.signal.throwIfAborted();
    if (valid.length || updates.length) await processGroup();
    ctx.signal.throwIfAborted(); // items skipped on a stop are not "missing"
    // Listed in the job but never returned with data: nothing to book, say so.
    for (const accountingEntryId of todo) {
      failed++;
      await reporter.add({ accountingEntryId, status: 'failed', failureReasonType: 'unexpected_failure', failureReason: 'Pleo did not return this item’s accounting data. Export it again.' });
    }
    if (todo.size) await this.runs.count(job.id, 0, todo.size);
    return { succeeded, failed };
  }

  /** pending → in_progress. Otherwise what Pleo holds: someone else started it, or it ended. */
  private async start(conn: SyncConnection, job: ExportJob): Promise<true | JobResult> {
    try {
      await conn.pleoExports.sendJobEvent({ jobId: job.id, event: 'started' });
      return true;
    } catch (err) {
      if (!(err instanceof PleoApiError && err.status === 422)) throw err;
      const now = await conn.pleoExports.getJob(job.id);
      if (now?.status === 'in_progress') return true;
      return (await this.endedByPleo(conn, job, now)) ?? { outcome: 'skipped', ...NOTHING };
    }
  }

  /** When Pleo holds the job as final (expired, cancelled, finished elsewhere): recorded, not touched again. */
  private async endedByPleo(conn: SyncConnection, job: ExportJob, known?: ExportJob | null): Promise<JobResult | null> {
    const now = known === undefined ? await conn.pleoExports.getJob(job.id) : known;
    if (!now || !FINAL_JOB_STATUSES.includes(now.status)) return null;
    await this.runs.recordPleoOutcome(job.id, { status: now.status as FinalEvent, failureReasonType: now.failureReasonType, failureReason: now.failureReason });
    this.logger.warn(`job ${job.id} (${job.companyId}): Pleo holds it as ${now.status}${now.failureReasonType ? ` (${now.failureReasonType})` : ''}; left as it is`);
    return { outcome: `pleo:${now.status}`, ...NOTHING };
  }

  /** The ERP must be usable before any item is touched (pleo-api.md §3.6 step 2). */
  private async preValidate(conn: SyncConnection, job: ExportJob, ctx: { correlationId: string; signal: AbortSignal }): Promise<JobFailure | null> {
    try {
      await conn.erp.verifyConnection(ctx);
    } catch (err) {
      // a connection pausing for its ERP's rate limit waits (the job is delayed), it is not broken;
      // a refusal of its credentials or set-up fails the job in guardedJob (job-level, finding 8)
      if (err instanceof ErpError && err.kind !== 'rate_limited' && !isJobLevelErpError(err)) return jobFailureFromErp(err);
      throw err;
    }
    if (job.vendorBasedBookkeeping && !conn.settings.apAccount) {
      return { type: 'missing_configuration', reason: 'The job books vendors, but no accounts payable account is configured (EXPORT_AP_ACCOUNT).' };
    }
    return null;
  }

  /**
   * Exactly once: an outcome of the items' results is recorded as decided before it is sent (a retry
   * sends the same event). A job-level failure (`decidedBy: 'job'`) is recorded only once Pleo took it:
   * its cause may be gone by the next run (a Pleo 401 or 5xx spell, finding 6), which then decides again
   * instead of failing the job for a reason that no longer holds.
   */
  private async finish(conn: SyncConnection, job: ExportJob, event: FinalEvent, counts: Counts, failure?: JobFailure, decidedBy: 'items' | 'job' = 'items'): Promise<JobResult> {
    if (decidedBy === 'items') await this.runs.decideFinal(job.id, event, failure);
    return this.sendFinal(conn, job, event, counts, failure, decidedBy === 'job');
  }

  /** A 422 is resolved by reading the job: final there → recorded as Pleo has it; else an error. */
  private async sendFinal(conn: SyncConnection, job: ExportJob, event: FinalEvent, counts: Counts, failure?: JobFailure, recordDecision = false): Promise<JobResult> {
    try {
      await conn.pleoExports.sendJobEvent({ jobId: job.id, event, ...(event === 'failed' && failure && { failureReason: failure.reason, failureReasonType: failure.type }) });
    } catch (err) {
      if (!(err instanceof PleoApiError && err.status === 422)) throw err;
      const now = await conn.pleoExports.getJob(job.id);
      if (!now || !FINAL_JOB_STATUSES.includes(now.status)) throw new FinalEventRefused(job.id, event, now?.status ?? 'unknown', err);
      if (now.status !== event) return (await this.endedByPleo(conn, job, now))!;
      // Pleo took this very event before (sent before a crash): recorded below as sent.
    }
    if (recordDecision) await this.runs.decideFinal(job.id, event, failure);
    await this.runs.markFinalSent(job.id);
    this.logger.log(`job ${job.id} (${job.companyId}): ${event}, ${counts.succeeded} exported, ${counts.failed} failed, ${counts.reports} report(s)`);
    return { outcome: event, ...counts };
  }
}
