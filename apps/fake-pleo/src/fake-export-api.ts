import { randomUUID } from 'node:crypto';
import { HttpAnswer, paginate, pleoError } from './http-answer';
import { MatchedOperation } from './spec-validator';

type JobStatus = 'pending' | 'in_progress' | 'failed' | 'completed' | 'completed_with_errors';
type ItemStatus = 'pending' | 'in_progress' | 'failed' | 'successful' | 'abandoned';
const FINISHED: JobStatus[] = ['failed', 'completed', 'completed_with_errors'];
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
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * Pleo's Export API v3 as the fake plays it: jobs, the control layer (job items), the data layer
 * (export items) with pagination, job events with Pleo's transitions (422 otherwise), item updates
 * with per-item errors, 413 above 100, 422 once finished, 409 for a second job in progress, expiry
 * one hour after the last update, and receipt downloads.
 */
export class FakeExportApi {
  readonly jobs = new Map<string, FakeJob>();
  readonly files = new Map<string, { type: string; content: Buffer }>();
  /** moved forward by tests to make jobs expire */
  clockOffsetMs = 0;
  /** receipt downloads answered (path → count) */
  readonly downloads = new Map<string, number>();

  constructor(private readonly baseUrl: () => string) {}

  now(): number {
    return Date.now() + this.clockOffsetMs;
  }

  reset(): void {
    this.jobs.clear();
    this.files.clear();
    this.downloads.clear();
    this.clockOffsetMs = 0;
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
          if (!this.baseUrl()) throw new Error('seed export jobs with files after listen(): their URLs point at the fake');
          const fileId = randomUUID();
          const content = Buffer.from(f.content ?? '', 'base64');
          this.files.set(fileId, { type: f.type, content });
          return { url: `${this.baseUrl()}/files/${fileId}`, type: f.type, size: f.size ?? content.length };
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

  /** A job not updated for an hour expires: failed (job_expired), unfinished items abandoned. */
  private expire(job: FakeJob): void {
    if (FINISHED.includes(job.status) || this.now() - job.lastUpdated < EXPIRY_MS) return;
    job.status = 'failed';
    job.failureReasonType = 'job_expired';
    job.failureReason = 'Job not updated within expiry time limit';
    job.expiredAt = iso(job.lastUpdated + EXPIRY_MS);
    for (const item of job.items.values()) if (item.status === 'pending' || item.status === 'in_progress') item.status = 'abandoned';
  }

  /** Serves /files/{id}: the receipts' time-limited URLs. */
  file(id: string): HttpAnswer | null {
    const f = this.files.get(id);
    if (!f) return null;
    this.downloads.set(id, (this.downloads.get(id) ?? 0) + 1);
    return new HttpAnswer(200, f.content, { 'content-type': f.type });
  }

  handle(op: MatchedOperation, url: URL, body: unknown): HttpAnswer | null {
    const job = op.pathParams.jobId ? this.jobs.get(op.pathParams.jobId) : undefined;
    if (job) this.expire(job);
    const notFound = pleoError(404, 'EXPORT_NOT_FOUND', 'Export job not found');
    switch (op.operationId) {
      case 'getExportJobsListV3': {
        const statuses = url.searchParams.getAll('statuses');
        const companyId = url.searchParams.get('company_id');
        const all = [...this.jobs.values()]
          .map((j) => this.view(j))
          .filter((j) => (!companyId || j.companyId === companyId) && (!statuses.length || statuses.includes(j.status)))
          .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
        return new HttpAnswer(200, paginate(all, url));
      }
      case 'getExportJobByIdV3':
        return job ? new HttpAnswer(200, { data: this.view(job) }) : notFound;
      case 'createExportJobEventV3':
        return this.event(body as { jobId: string; event: string; failureReason?: string; failureReasonType?: string });
      case 'getExportJobItemsV3': {
        if (!job) return notFound;
        const status = url.searchParams.get('status');
        const all = [...job.items.entries()]
          .map(([accountingEntryId, i]) => ({ accountingEntryId, exportJobId: job.id, ...i }))
          .filter((i) => !status || i.status === status);
        return new HttpAnswer(200, paginate(all, url));
      }
      case 'updateExportJobItemsV3':
        return job ? this.update(job, body as Record<string, string>[]) : notFound;
      case 'getExportItemsV3': {
        const forJob = this.jobs.get(url.searchParams.get('job_id') ?? '');
        if (!forJob) return notFound;
        this.expire(forJob);
        if (FINISHED.includes(forJob.status)) return pleoError(422, 'EXPORT_JOB_STATUS_UNPROCESSABLE', 'Export Job is finished and can no longer be processed.');
        return new HttpAnswer(200, paginate(forJob.exportItems, url));
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

  private event(req: { jobId: string; event: string; failureReason?: string; failureReasonType?: string }): HttpAnswer {
    const job = this.jobs.get(req.jobId);
    if (!job) return pleoError(404, 'EXPORT_NOT_FOUND', 'Export job not found');
    this.expire(job);
    const invalid = () => pleoError(422, 'INVALID_EXPORT_JOB_STATUS_CHANGE', `cannot apply ${req.event} to a ${job.status} job`);
    const now = this.now();
    if (req.event === 'started') {
      if (job.status !== 'pending') return invalid();
      job.status = 'in_progress';
      job.startedAt = iso(now);
    } else {
      if (FINISHED.includes(job.status) || (req.event !== 'failed' && job.status !== 'in_progress')) return invalid();
      if (req.event !== 'failed' && [...job.items.values()].some((i) => i.status === 'pending' || i.status === 'in_progress')) {
        return pleoError(422, 'INVALID_EXPORT_JOB_STATUS_CHANGE', 'items are not all final');
      }
      job.status = req.event as JobStatus;
      job.completedAt = iso(now);
      if (req.event === 'failed') {
        job.failureReason = req.failureReason ?? null;
        job.failureReasonType = req.failureReasonType;
        for (const item of job.items.values()) if (item.status === 'pending' || item.status === 'in_progress') item.status = 'abandoned';
      }
    }
    job.lastUpdated = now;
    job.events.push({ event: req.event, failureReason: req.failureReason, failureReasonType: req.failureReasonType, at: iso(now) });
    return new HttpAnswer(202);
  }

  private update(job: FakeJob, updates: Record<string, string>[]): HttpAnswer {
    if (updates.length > 100) return pleoError(413, 'EXPORT_JOB_ITEMS_UPDATE_LIMIT', 'At most 100 items can be updated at once.');
    if (FINISHED.includes(job.status)) return pleoError(422, 'EXPORT_JOB_STATUS_UNPROCESSABLE', 'Export job is finished');
    job.updates.push(updates.length);
    const data = [];
    const errors = [];
    for (const u of updates) {
      const item = job.items.get(u.accountingEntryId);
      if (!item) {
        errors.push({ accountingEntryId: u.accountingEntryId, type: 'ACCOUNTING_ENTRY_DOES_NOT_EXIST', message: 'No such accounting entry in this job' });
        continue;
      }
      Object.assign(item, {
        status: u.status,
        ...(u.exportedAt && { exportedAt: u.exportedAt }),
        ...(u.externalId && { externalId: u.externalId }),
        ...(u.externalUrl && { externalUrl: u.externalUrl }),
        ...(u.failureReason && { failureReason: u.failureReason }),
        ...(u.failureReasonType && { failureReasonType: u.failureReasonType }),
      });
      data.push({ accountingEntryId: u.accountingEntryId, exportJobId: job.id, ...item });
    }
    job.lastUpdated = this.now();
    return new HttpAnswer(200, { data, errors });
  }
}
