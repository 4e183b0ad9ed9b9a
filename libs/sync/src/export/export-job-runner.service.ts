import { Inject, Injectable, Logger } from '@nestjs/common';
import IORedis from 'ioredis';
import { ExportLedgerRepository, ExportRunRepository, FinalEvent, ReceiptLedgerRepository, VendorLinkRepository } from '@app/database';
import { ERP_ADAPTER, ErpAdapter, ErpError } from '@app/erp';
import { ExportJob, ExportJobFailureReasonType, PleoApiError, PleoExportClient } from '@app/pleo';
import { PRODUCER_CONNECTION } from '@app/queue';
import { RunInterrupted, ShutdownSignal } from '@app/runtime';
import { CompanyLock } from './company-lock';
import { jobFailureFromErp } from './erp-failures';
import { EXPORT_OPTIONS, ExportOptions } from './export-options';
import { ExportFence } from './export-fence';
import { ExportItemSync } from './export-item-sync';
import { ItemReporter } from './item-reporter';
import { ReceiptFetcher } from './receipts/receipt-fetcher';

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
  private readonly items: ExportItemSync;

  constructor(
    private readonly pleo: PleoExportClient,
    @Inject(ERP_ADAPTER) private readonly erp: ErpAdapter,
    private readonly ledger: ExportLedgerRepository,
    private readonly runs: ExportRunRepository,
    links: VendorLinkRepository,
    @Inject(PRODUCER_CONNECTION) private readonly redis: IORedis,
    @Inject(EXPORT_OPTIONS) private readonly options: ExportOptions,
    receiptLedger: ReceiptLedgerRepository,
    private readonly shutdown: ShutdownSignal,
  ) {
    const fetcher = new ReceiptFetcher({ timeoutMs: options.receiptDownloadTimeoutMs, maxBytes: options.receiptMaxBytes, allowedHttpHosts: options.receiptAllowedHttpHosts });
    this.items = new ExportItemSync(erp, ledger, receiptLedger, links, fetcher, options.settings, options.itemConcurrency);
  }

  /** Throws CompanyBusy when another run holds the company. */
  async runCompany(companyId: string, correlationId: string): Promise<CompanyRunSummary> {
    this.shutdown.signal.throwIfAborted();
    const lock = await CompanyLock.acquire(this.redis, this.options.queuePrefix, companyId, this.options.lockTtlMs);
    const fence = new ExportFence(lock.token, lock.signal, this.shutdown.signal, lock.ttlMs);
    const summary: CompanyRunSummary = { companyId, jobs: [] };
    try {
      const jobs: ExportJob[] = [];
      for await (const job of this.pleo.listJobs(companyId, ['pending', 'in_progress'])) jobs.push(job);
      jobs.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
      for (const job of jobs) {
        fence.stopSignal.throwIfAborted();
        summary.jobs.push({ jobId: job.id, ...(await this.runJob(job, fence, correlationId)) });
      }
      return summary;
    } finally {
      await lock.release();
    }
  }

  private async runJob(job: ExportJob, fence: ExportFence, correlationId: string) {
    const signal = fence.stopSignal;
    const ctx = { correlationId: `${correlationId}/${job.id}`, signal };
    const run = await this.runs.start(job.id, job.companyId, job.numberOfItems);
    if (run.finalEventSentAt) return { outcome: 'skipped' as const, ...NOTHING };
    if (run.finalEvent) {
      // Decided before a crash, maybe not sent: send the same event again (422 if Pleo has it).
      const failure = run.failureReasonType ? { type: run.failureReasonType, reason: run.failureReason ?? '' } : undefined;
      return this.sendFinal(job, run.finalEvent as FinalEvent, NOTHING, failure);
    }

    if (job.status === 'pending') {
      const started = await this.start(job);
      if (!started) return { outcome: 'skipped' as const, ...NOTHING };
    }

    const problem = await this.preValidate(job, ctx);
    if (problem) return this.finish(job, 'failed', NOTHING, problem);

    // Control layer first, all pages (Pleo's rule), keeping only ids: the data layer is streamed.
    const todo = new Set<string>();
    let doneOk = 0;
    let doneFailed = 0;
    for await (const item of this.pleo.jobItems(job.id)) {
      if (item.status === 'pending' || item.status === 'in_progress') todo.add(item.accountingEntryId);
      else if (item.status === 'successful') doneOk++;
      else if (item.status === 'failed') doneFailed++;
    }

    const reporter = new ItemReporter(this.pleo, this.ledger, job.id, job.companyId, this.options.reportIntervalMs);
    let succeeded = 0;
    let failed = 0;
    try {
      for await (const page of this.pleo.exportItemPages(job.id)) {
        signal.throwIfAborted();
        const updates = await this.items.processPage(page.filter((item) => todo.delete(item.accountingEntryId)), job.id, ctx, fence);
        const ok = updates.filter((u) => u.status === 'successful').length;
        succeeded += ok;
        failed += updates.length - ok;
        for (const update of updates) await reporter.add(update);
        await this.runs.count(job.id, ok, updates.length - ok);
      }
      signal.throwIfAborted(); // items skipped on a stop are not "missing"
    } catch (err) {
      // Stopped at a safe point: what is done is reported now; the next run continues.
      if (err instanceof RunInterrupted) await reporter.flush().catch((e) => this.logger.warn(`job ${job.id}: reporting on stop failed: ${(e as Error).message}`));
      throw err;
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
    return this.finish(job, event, { succeeded, failed, reports: reporter.calls }, failure);
  }

  /** pending → in_progress. False when the job is already finished (someone else ran it). */
  private async start(job: ExportJob): Promise<boolean> {
    try {
      await this.pleo.sendJobEvent({ jobId: job.id, event: 'started' });
      return true;
    } catch (err) {
      if (!(err instanceof PleoApiError && err.status === 422)) throw err;
      const now = await this.pleo.getJob(job.id);
      return now?.status === 'in_progress';
    }
  }

  /** The ERP must be usable before any item is touched (pleo-api.md §3.6 step 2). */
  private async preValidate(job: ExportJob, ctx: { correlationId: string; signal: AbortSignal }) {
    try {
      await this.erp.verifyConnection(ctx);
    } catch (err) {
      if (err instanceof ErpError) return jobFailureFromErp(err);
      throw err;
    }
    if (job.vendorBasedBookkeeping && !this.options.settings.apAccount) {
      return { type: 'missing_configuration' as const, reason: 'The job books vendors, but no accounts payable account is configured (EXPORT_AP_ACCOUNT).' };
    }
    return null;
  }

  /** Exactly once: the final event is recorded as decided before it is sent. */
  private async finish(job: ExportJob, event: FinalEvent, counts: Counts, failure?: JobFailure) {
    await this.runs.decideFinal(job.id, event, failure);
    return this.sendFinal(job, event, counts, failure);
  }

  /** A 422 means Pleo already has a final state (sent before a crash). */
  private async sendFinal(job: ExportJob, event: FinalEvent, counts: Counts, failure?: JobFailure) {
    try {
      await this.pleo.sendJobEvent({
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
