import { Inject, Injectable, Logger } from '@nestjs/common';
import IORedis from 'ioredis';
import { ExportLedgerRepository, ExportRunRepository, FinalEvent, VendorLinkRepository } from '@app/database';
import { ConnectionResolver, SyncConnection } from '@app/connections';
import { ErpError } from '@app/erp';
import { ExportJob, ExportJobFailureReasonType, PleoApiError } from '@app/pleo';
import { PRODUCER_CONNECTION } from '@app/queue';
import { CompanyLock } from './company-lock';
import { jobFailureFromErp } from './erp-failures';
import { EXPORT_OPTIONS, ExportOptions } from './export-options';
import { ExportItemSync } from './export-item-sync';
import { ItemReporter } from './item-reporter';

type Counts = { succeeded: number; failed: number; reports: number };
type JobFailure = { type: ExportJobFailureReasonType | string; reason: string };
const NOTHING: Counts = { succeeded: 0, failed: 0, reports: 0 };

export interface CompanyRunSummary {
  companyId: string;
  jobs: { jobId: string; outcome: FinalEvent | 'skipped'; succeeded: number; failed: number; reports: number }[];
}

/**
 * Runs Pleo's export workflow for one company (design §2.4, pleo-api.md §3.6): under a per-company
 * lock, every pending and in-progress job, oldest first — start, pre-validate the ERP, read the
 * control layer, stream the data layer page by page, post each item exactly once, report results
 * in batches of ≤100 as it goes, then send the final event once. The webhook is only a trigger:
 * everything is read from Pleo's API.
 */
@Injectable()
export class ExportJobRunner {
  private readonly logger = new Logger(ExportJobRunner.name);

  constructor(
    private readonly connections: ConnectionResolver,
    private readonly ledger: ExportLedgerRepository,
    private readonly runs: ExportRunRepository,
    private readonly links: VendorLinkRepository,
    @Inject(PRODUCER_CONNECTION) private readonly redis: IORedis,
    @Inject(EXPORT_OPTIONS) private readonly options: ExportOptions,
  ) {}

  /**
   * Throws CompanyBusy when another run holds the company, ConnectionUnavailable when its
   * connection cannot be used until a person acts.
   */
  runCompany(companyId: string, correlationId: string): Promise<CompanyRunSummary> {
    return this.connections.run(companyId, (conn) => this.runWith(conn, correlationId));
  }

  private async runWith(conn: SyncConnection, correlationId: string): Promise<CompanyRunSummary> {
    const companyId = conn.companyId;
    const lock = await CompanyLock.acquire(this.redis, this.options.queuePrefix, companyId, this.options.lockTtlMs);
    const summary: CompanyRunSummary = { companyId, jobs: [] };
    try {
      const jobs: ExportJob[] = [];
      for await (const job of conn.pleoExports.listJobs(companyId, ['pending', 'in_progress'])) jobs.push(job);
      jobs.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
      for (const job of jobs) {
        lock.signal.throwIfAborted();
        summary.jobs.push({ jobId: job.id, ...(await this.runJob(conn, job, lock.signal, correlationId)) });
      }
      return summary;
    } finally {
      await lock.release();
    }
  }

  private async runJob(conn: SyncConnection, job: ExportJob, signal: AbortSignal, correlationId: string) {
    const ctx = { correlationId: `${correlationId}/${job.id}`, signal };
    const run = await this.runs.start(job.id, job.companyId, job.numberOfItems);
    if (run.finalEventSentAt) return { outcome: 'skipped' as const, ...NOTHING };
    if (run.finalEvent) {
      // Decided before a crash, maybe not sent: send the same event again (422 if Pleo has it).
      const failure = run.failureReasonType ? { type: run.failureReasonType, reason: run.failureReason ?? '' } : undefined;
      return this.sendFinal(conn, job, run.finalEvent as FinalEvent, NOTHING, failure);
    }

    if (job.status === 'pending') {
      const started = await this.start(conn, job);
      if (!started) return { outcome: 'skipped' as const, ...NOTHING };
    }

    const problem = await this.preValidate(conn, job, ctx);
    if (problem) return this.finish(conn, job, 'failed', NOTHING, problem);

    // Control layer first, all pages (Pleo's rule), keeping only ids: the data layer is streamed.
    const todo = new Set<string>();
    let doneOk = 0;
    let doneFailed = 0;
    for await (const item of conn.pleoExports.jobItems(job.id)) {
      if (item.status === 'pending' || item.status === 'in_progress') todo.add(item.accountingEntryId);
      else if (item.status === 'successful') doneOk++;
      else if (item.status === 'failed') doneFailed++;
    }

    const items = new ExportItemSync(conn.erp, this.ledger, this.links, conn.pleoExports, conn.settings, this.options.receiptDownloadTimeoutMs, conn.settings.itemConcurrency);
    const reporter = new ItemReporter(conn.pleoExports, this.ledger, job.id, job.companyId, this.options.reportIntervalMs);
    let succeeded = 0;
    let failed = 0;
    for await (const page of conn.pleoExports.exportItemPages(job.id)) {
      signal.throwIfAborted();
      const updates = await items.processPage(page.filter((item) => todo.delete(item.accountingEntryId)), job.id, ctx);
      const ok = updates.filter((u) => u.status === 'successful').length;
      succeeded += ok;
      failed += updates.length - ok;
      for (const update of updates) await reporter.add(update);
      await this.runs.count(job.id, ok, updates.length - ok);
    }
    // Listed in the job but never returned with data: nothing to book, say so.
    for (const accountingEntryId of todo) {
      failed++;
      await reporter.add({ accountingEntryId, status: 'failed', failureReasonType: 'unexpected_failure', failureReason: 'Pleo did not return this item’s accounting data. Export it again.' });
    }
    if (todo.size) await this.runs.count(job.id, 0, todo.size);
    await reporter.flush();

    const totalOk = doneOk + succeeded;
    const totalFailed = doneFailed + failed;
    const event: FinalEvent = totalFailed === 0 ? 'completed' : totalOk === 0 ? 'failed' : 'completed_with_errors';
    const failure =
      event === 'failed'
        ? { type: 'validation_failure' as ExportJobFailureReasonType, reason: `None of the ${totalFailed} item(s) could be exported; each item says why.` }
        : undefined;
    return this.finish(conn, job, event, { succeeded, failed, reports: reporter.calls }, failure);
  }

  /** pending → in_progress. False when the job is already finished (someone else ran it). */
  private async start(conn: SyncConnection, job: ExportJob): Promise<boolean> {
    try {
      await conn.pleoExports.sendJobEvent({ jobId: job.id, event: 'started' });
      return true;
    } catch (err) {
      if (!(err instanceof PleoApiError && err.status === 422)) throw err;
      const now = await conn.pleoExports.getJob(job.id);
      return now?.status === 'in_progress';
    }
  }

  /** The ERP must be usable before any item is touched (pleo-api.md §3.6 step 2). */
  private async preValidate(conn: SyncConnection, job: ExportJob, ctx: { correlationId: string; signal: AbortSignal }) {
    try {
      await conn.erp.verifyConnection(ctx);
    } catch (err) {
      // a connection pausing for its ERP's rate limit waits (the job is delayed), it is not broken
      if (err instanceof ErpError && err.kind !== 'rate_limited') return jobFailureFromErp(err);
      throw err;
    }
    if (job.vendorBasedBookkeeping && !conn.settings.apAccount) {
      return { type: 'missing_configuration' as const, reason: 'The job books vendors, but no accounts payable account is configured (EXPORT_AP_ACCOUNT).' };
    }
    return null;
  }

  /** Exactly once: the final event is recorded as decided before it is sent. */
  private async finish(conn: SyncConnection, job: ExportJob, event: FinalEvent, counts: Counts, failure?: JobFailure) {
    await this.runs.decideFinal(job.id, event, failure);
    return this.sendFinal(conn, job, event, counts, failure);
  }

  /** A 422 means Pleo already has a final state (sent before a crash). */
  private async sendFinal(conn: SyncConnection, job: ExportJob, event: FinalEvent, counts: Counts, failure?: JobFailure) {
    try {
      await conn.pleoExports.sendJobEvent({
        jobId: job.id,
        event,
        ...(event === 'failed' && failure && { failureReason: failure.reason, failureReasonType: failure.type as ExportJobFailureReasonType }),
      });
    } catch (err) {
      if (!(err instanceof PleoApiError && err.status === 422)) throw err;
      this.logger.warn(`job ${job.id}: Pleo already had a final state (${err.message})`);
    }
    await this.runs.markFinalSent(job.id);
    this.logger.log(`job ${job.id} (${job.companyId}): ${event}, ${counts.succeeded} exported, ${counts.failed} failed, ${counts.reports} report(s)`);
    return { outcome: event, ...counts };
  }
}
