import type { FakeJob } from './fake-export-api';
import { HttpAnswer, pleoError } from './http-answer';

export type JobStatus = 'pending' | 'in_progress' | 'failed' | 'completed' | 'completed_with_errors';
export type ItemStatus = 'pending' | 'in_progress' | 'failed' | 'successful' | 'abandoned';
export const FINISHED: JobStatus[] = ['failed', 'completed', 'completed_with_errors'];
export const OPEN = (s: ItemStatus) => s === 'pending' || s === 'in_progress';
export const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export type JobEventRequest = { event: string; failureReason?: string; failureReasonType?: string };
/** the fake's clock, where it records problems, and whether an item update counts as activity */
export interface UpdateContext {
  now: number;
  problems: string[];
  putRefreshesExpiry: boolean;
}

/**
 * Job events with Pleo's transitions (422 otherwise); what Pleo would take but the integration
 * rules forbid (completing with failed items, failure fields on a non-failed event) is recorded.
 */
export function applyJobEvent(job: FakeJob, req: JobEventRequest, ctx: UpdateContext): HttpAnswer {
  const invalid = (why = `cannot apply ${req.event} to a ${job.status} job`) => pleoError(422, 'INVALID_EXPORT_JOB_STATUS_CHANGE', why);
  const now = ctx.now;
  if (req.event !== 'failed' && (req.failureReason !== undefined || req.failureReasonType !== undefined)) {
    ctx.problems.push(`failureReason/failureReasonType sent with a "${req.event}" event (only for failed)`);
  }
  if (req.event === 'started') {
    if (job.status !== 'pending') return invalid();
    job.status = 'in_progress';
    job.startedAt = iso(now);
  } else {
    if (FINISHED.includes(job.status) || (req.event !== 'failed' && job.status !== 'in_progress')) return invalid();
    const items = [...job.items.values()];
    if (req.event !== 'failed' && items.some((i) => OPEN(i.status))) return invalid('items are not all final');
    const failed = items.filter((i) => i.status === 'failed').length;
    if (req.event === 'completed' && failed) ctx.problems.push(`"completed" sent while ${failed} item(s) are failed (completed_with_errors)`);
    if (req.event === 'completed_with_errors' && !failed) ctx.problems.push('"completed_with_errors" sent while no item failed');
    if (req.event === 'failed' && !req.failureReasonType) ctx.problems.push('"failed" sent without failureReasonType');
    job.status = req.event as JobStatus;
    job.completedAt = iso(now);
    if (req.event === 'failed') {
      job.failureReason = req.failureReason ?? null;
      job.failureReasonType = req.failureReasonType;
      for (const item of items) if (OPEN(item.status)) item.status = 'abandoned';
    }
  }
  job.lastUpdated = now;
  job.events.push({ event: req.event, failureReason: req.failureReason, failureReasonType: req.failureReasonType, at: iso(now) });
  return new HttpAnswer(202);
}

/**
 * Item updates: 413 above 100, 422 once finished or before `started` (recorded), per-item errors
 * for unknown items, injected faults and updates of items already final (recorded).
 */
export function applyItemUpdates(job: FakeJob, updates: Record<string, string>[], ctx: UpdateContext): HttpAnswer {
  if (updates.length > 100) return pleoError(413, 'EXPORT_JOB_ITEMS_UPDATE_LIMIT', 'At most 100 items can be updated at once.');
  if (FINISHED.includes(job.status)) return pleoError(422, 'EXPORT_JOB_STATUS_UNPROCESSABLE', 'Export job is finished');
  if (job.status === 'pending') {
    ctx.problems.push('item updates sent before the job was started');
    return pleoError(422, 'EXPORT_JOB_STATUS_UNPROCESSABLE', 'Export job is not started');
  }
  job.updates.push(updates.length);
  const data = [];
  const errors: { accountingEntryId: string; type: string; message: string }[] = [];
  for (const u of updates) {
    const item = job.items.get(u.accountingEntryId);
    const refuse = (type: string, message: string) => errors.push({ accountingEntryId: u.accountingEntryId, type, message });
    if (!item) {
      refuse('ACCOUNTING_ENTRY_DOES_NOT_EXIST', 'No such accounting entry in this job');
      continue;
    }
    if (u.status !== 'successful' && u.status !== 'failed') ctx.problems.push(`item ${u.accountingEntryId} updated to "${u.status}" (only successful or failed are results)`);
    if (item.status === 'successful' || item.status === 'failed') {
      ctx.problems.push(`item ${u.accountingEntryId} updated after it was final (${item.status} → ${u.status})`);
      refuse('EXPORT_ENTRY_STATUS_UPDATE_FAILED', `The item is already ${item.status}`);
      continue;
    }
    const fault = job.itemFaults.get(u.accountingEntryId);
    if (fault && fault.times > 0) {
      fault.times--;
      refuse(fault.type, 'Injected failure: the update could not be applied');
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
  if (ctx.putRefreshesExpiry) job.lastUpdated = ctx.now;
  return new HttpAnswer(200, { data, errors });
}
