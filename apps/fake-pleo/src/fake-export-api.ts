import { randomUUID } from 'node:crypto';
import { FakeFiles } from './fake-files';
import { HttpAnswer, pageAnswer, pleoError } from './http-answer';
import { MatchedOperation } from './spec-validator';
import { FINISHED, ItemStatus, JobEventRequest, JobStatus, OPEN, applyItemUpdates, applyJobEvent, iso } from './fake-job-updates';

const EXPIRY_MS = 3600_000;

export interface FakeJob {
  id: string;
  companyId: string;
  status: JobStatus;
  createdAt: string;
  createdBy: string | null;
  isInteractive: boolean;
  vendorBasedBookkeeping: boolean;
  startedAt: string | null;
  completedAt: string | null;
  expiredAt: string | null;
  failureReason: string | null;
  failureReasonType?: string;
  lastUpdated: number;
  /** control layer, in job order */
  items: Map<string, { status: ItemStatus; exportedAt?: string; externalId?: string; externalUrl?: string; failureReason?: string; failureReasonType?: string }>;
  /** data layer */
  exportItems: Record<string, unknown>[];
  events: { event: string; failureReasonType?: string; failureReason?: string; at: string }[];
  /** sizes of the PUT …/items calls */
  updates: number[];
  /** switches: contra accounts not configured (400 on export items) */
  contraMissing?: boolean;
  /** refuse these item updates with this error type, the given number of times */
  itemFaults: Map<string, { type: string; times: number }>;
  /** the user cancels (or the job expires) when the n-th request of this operation arrives */
  interruptOn?: { operation: string; nth: number; reason: 'canceled_by_user' | 'job_expired'; seen?: number };
}


/**
 * Pleo's Export API v3 as the fake plays it, as strictly as Pleo: jobs listed newest first, the
 * control layer, the data layer with capped pages and opaque cursors, job events with Pleo's
 * transitions (422 otherwise), item updates that can fail per item, 413 above 100, 422 once
 * finished, 409 for a second job in progress, expiry one hour after the last update, contra
 * accounts missing (400), cancel or expiry mid-run. What Pleo would silently take but the
 * integration rules forbid (completing with failed items, updating a final item, …) is recorded
 * in `problems` (the server adds them to the call's spec problems).
 */
export class FakeExportApi {
  readonly jobs = new Map<string, FakeJob>();
  readonly filesHost: FakeFiles;
  /** moved forward by tests to make jobs expire and file URLs run out */
  clockOffsetMs = 0;
  /** FP-6: whether an item update counts as activity for expiry (unconfirmed in Pleo's docs) */
  putRefreshesExpiry = true;
  /** problems found while answering the current request (drained by the server) */
  problems: string[] = [];
  /** an API key bound to a company sees only that company's jobs (others: 404) */
  companyScope?: string;

  constructor(filesPublicUrl?: string) {
    this.filesHost = new FakeFiles(() => this.now(), filesPublicUrl);
  }

  get downloads(): Map<string, number> {
    return this.filesHost.downloads;
  }

  now(): number {
    return Date.now() + this.clockOffsetMs;
  }

  reset(): void {
    this.jobs.clear();
    this.filesHost.reset();
    this.clockOffsetMs = 0;
    this.putRefreshesExpiry = true;
  }

  /** Creates a pending job (as a user clicking Export). Files given as {content (base64), type}. */
  seedJob(input: { companyId: string; items: Record<string, unknown>[]; vendorBasedBookkeeping?: boolean; createdAt?: string; id?: string }): FakeJob {
    const id = input.id ?? randomUUID();
    const createdAt = input.createdAt ?? iso(this.now());
    const exportItems = input.items.map((raw) => {
      const item = { ...raw } as Record<string, unknown> & { files?: { content?: string; url?: string; type: string; size?: number }[] };
      if (item.files) {
        item.files = item.files.map((f) => {
          if (f.url) return f;
          const content = Buffer.from(f.content ?? '', 'base64');
          return { url: this.filesHost.store(f.type, content), type: f.type, size: f.size ?? content.length };
        });
      }
      return item;
    });
    const job: FakeJob = {
      id,
      companyId: input.companyId,
      status: 'pending',
      createdAt,
      createdBy: null,
      isInteractive: true,
      vendorBasedBookkeeping: input.vendorBasedBookkeeping ?? false,
      startedAt: null,
      completedAt: null,
      expiredAt: null,
      failureReason: null,
      lastUpdated: Date.parse(createdAt) || this.now(),
      items: new Map(exportItems.map((i) => [String(i.accountingEntryId), { status: 'pending' as ItemStatus }])),
      exportItems,
      events: [],
      updates: [],
      itemFaults: new Map(),
    };
    this.jobs.set(id, job);
    return job;
  }

  view(job: FakeJob) {
    this.expire(job);
    return {
      id: job.id,
      companyId: job.companyId,
      status: job.status,
      createdAt: job.createdAt,
      createdBy: job.createdBy,
      startedAt: job.startedAt,
      completedAt: job.completedAt,
      expiredAt: job.expiredAt,
      lastUpdatedAt: iso(job.lastUpdated),
      expiresIn: Math.max(0, Math.round((job.lastUpdated + EXPIRY_MS - this.now()) / 1000)),
      failureReason: job.failureReason,
      ...(job.failureReasonType && { failureReasonType: job.failureReasonType }),
      isInteractive: job.isInteractive,
      numberOfItems: job.items.size,
      vendorBasedBookkeeping: job.vendorBasedBookkeeping,
    };
  }

  private context() {
    return { now: this.now(), problems: this.problems, putRefreshesExpiry: this.putRefreshesExpiry };
  }

  /** Ends the job from Pleo's side (the user cancels it, or it expires): failed, open items abandoned. */
  interrupt(job: FakeJob, reason: 'canceled_by_user' | 'job_expired'): void {
    if (FINISHED.includes(job.status)) return;
    job.status = 'failed';
    job.failureReasonType = reason;
    job.failureReason = reason === 'job_expired' ? 'Job not updated within expiry time limit' : 'The export was cancelled by the user';
    if (reason === 'job_expired') job.expiredAt = iso(this.now());
    else job.completedAt = iso(this.now());
    for (const item of job.items.values()) if (OPEN(item.status)) item.status = 'abandoned';
  }

  /** A job not updated for an hour expires: failed (job_expired), unfinished items abandoned. */
  private expire(job: FakeJob): void {
    if (FINISHED.includes(job.status) || this.now() - job.lastUpdated < EXPIRY_MS) return;
    this.interrupt(job, 'job_expired');
    job.expiredAt = iso(job.lastUpdated + EXPIRY_MS);
  }

  private visible(job: FakeJob | undefined): FakeJob | undefined {
    return job && (!this.companyScope || job.companyId === this.companyScope) ? job : undefined;
  }

  /** The interrupt switch: the user cancels (or the job expires) as this request arrives. */
  private maybeInterrupt(job: FakeJob | undefined, operationId: string): void {
    const on = job?.interruptOn;
    if (!job || !on || on.operation !== operationId) return;
    on.seen = (on.seen ?? 0) + 1;
    if (on.seen === on.nth) this.interrupt(job, on.reason);
  }

  handle(op: MatchedOperation, url: URL, body: unknown): HttpAnswer | null {
    const jobIdOf = op.pathParams.jobId ?? (op.operationId === 'getExportItemsV3' ? url.searchParams.get('job_id') : (body as { jobId?: string })?.jobId);
    const job = this.visible(jobIdOf ? this.jobs.get(jobIdOf) : undefined);
    if (job) this.expire(job);
    this.maybeInterrupt(job, op.operationId);
    const notFound = pleoError(404, 'EXPORT_NOT_FOUND', 'Export job not found');
    switch (op.operationId) {
      case 'getExportJobsListV3': {
        const statuses = url.searchParams.getAll('statuses');
        const companyId = url.searchParams.get('company_id');
        if (this.companyScope && companyId && companyId !== this.companyScope) return pleoError(403, 'FORBIDDEN', 'not your company');
        const all = [...this.jobs.values()]
          .filter((j) => this.visible(j))
          .map((j) => this.view(j))
          .filter((j) => (!companyId || j.companyId === companyId) && (!statuses.length || statuses.includes(j.status)))
          .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id)); // newest first, as Pleo lists
        return pageAnswer(all, url, (j) => j.id);
      }
      case 'getExportJobByIdV3':
        return job ? new HttpAnswer(200, { data: this.view(job) }) : notFound;
      case 'createExportJobEventV3':
        return job ? applyJobEvent(job, body as JobEventRequest, this.context()) : pleoError(422, 'INVALID_EXPORT_JOB_STATUS_CHANGE', 'unknown export job');
      case 'getExportJobItemsV3': {
        if (!job) return notFound;
        const status = url.searchParams.get('status');
        const all = [...job.items.entries()]
          .map(([accountingEntryId, i]) => ({ accountingEntryId, exportJobId: job.id, ...i }))
          .filter((i) => !status || i.status === status);
        return pageAnswer(all, url, (i) => i.accountingEntryId);
      }
      case 'updateExportJobItemsV3':
        return job ? applyItemUpdates(job, body as Record<string, string>[], this.context()) : notFound;
      case 'getExportItemsV3': {
        if (!job) return notFound;
        if (FINISHED.includes(job.status)) return pleoError(422, 'EXPORT_JOB_STATUS_UNPROCESSABLE', 'Export Job is finished and can no longer be processed.');
        if (job.contraMissing) {
          return pleoError(400, 'MISSING_CONTRA_ACCOUNTS', 'Contra accounts are not fully configured for this company. Configure a contra account for every Pleo account.');
        }
        // Every read issues fresh time-limited file URLs.
        const issued = job.exportItems.map((item) => {
          const files = item.files as { url: string }[] | undefined;
          return files ? { ...item, files: files.map((f) => ({ ...f, url: this.filesHost.issue(f.url) })) } : item;
        });
        return pageAnswer(issued, url, (i) => String(i.accountingEntryId));
      }
      case 'createExportJobV3': {
        const req = body as { companyId: string; accountingEntryIds: string[] };
        if ([...this.jobs.values()].some((j) => j.companyId === req.companyId && this.view(j).status === 'in_progress')) {
          return pleoError(409, 'EXPORT_ALREADY_IN_PROGRESS', 'An export job is already in progress for this company.');
        }
        const created = this.seedJob({ companyId: req.companyId, items: req.accountingEntryIds.map((id) => ({ accountingEntryId: id })) });
        return new HttpAnswer(201, { data: this.view(created) });
      }
      default:
        return null;
    }
  }
}
