import { FinalEvent, isDatabaseUnavailable } from '@app/database';
import { ErpError } from '@app/erp';
import { ExportJobFailureReasonType, ExportJobItem, PleoApiError, PleoAuthError, PleoUnreachable } from '@app/pleo';
import { classifySyncError } from '../sync-errors';
import { jobFailureFromErp } from './erp-failures';

export interface JobFailure {
  type: ExportJobFailureReasonType;
  reason: string;
}

/** Pleo still holds some of the job's items as not final: no final event may be sent yet. */
export class ItemsNotFinal extends Error {
  readonly retryable = true;
  constructor(jobId: string, open: number, refused: string[]) {
    super(
      `Pleo still holds ${open} item(s) of export job ${jobId} as not exported${refused.length ? ` (it refused our results: ${refused.slice(0, 5).join(', ')})` : ''}; the results are reported again on the next try.`,
    );
    this.name = 'ItemsNotFinal';
  }
}

/** Pleo refused the final event and the job is not final there: an error, never a success. */
export class FinalEventRefused extends Error {
  readonly retryable = true;
  constructor(jobId: string, event: string, pleoStatus: string, cause: unknown) {
    super(`Pleo refused the "${event}" event of export job ${jobId}, which it holds as ${pleoStatus}: ${(cause as Error)?.message ?? cause}`, { cause });
    this.name = 'FinalEventRefused';
  }
}

const JOB_TYPES = new Set<string>([
  'invalid_configuration', 'missing_configuration', 'authentication_failure', 'accounting_system_authentication_failure',
  'pleo_rate_limit', 'accounting_system_rate_limit', 'service_unreachable', 'accounting_system_unreachable',
  'validation_failure', 'authorization_failure', 'integration_unusable', 'job_expired', 'service_timeout',
  'accounting_system_timeout', 'canceled_by_user',
]);

/**
 * The final event from what Pleo holds (F-1, F-11): completed when no item failed, failed when none
 * was exported — with the reason most of the items failed for, when Pleo has a job reason of that
 * name (otherwise validation_failure) — else completed_with_errors.
 */
export function finalEventOf(items: ExportJobItem[]): { event: FinalEvent; failure?: JobFailure } {
  const failed = items.filter((i) => i.status === 'failed');
  if (!failed.length) return { event: 'completed' };
  if (items.some((i) => i.status === 'successful')) return { event: 'completed_with_errors' };
  const byType = new Map<string, number>();
  for (const i of failed) byType.set(i.failureReasonType ?? '', (byType.get(i.failureReasonType ?? '') ?? 0) + 1);
  const [dominant] = [...byType.entries()].sort((a, b) => b[1] - a[1])[0];
  const type = (JOB_TYPES.has(dominant) ? dominant : 'validation_failure') as ExportJobFailureReasonType;
  return { event: 'failed', failure: { type, reason: `None of the ${failed.length} item(s) could be exported; each item says why.` } };
}

/**
 * What a job-level error means for Pleo (F-2, R3): the reason type and words for a `failed` event,
 * and whether a later try may succeed (then the job is failed only on the last attempt).
 */
export function jobFailureOf(err: unknown): JobFailure & { retryable: boolean } {
  const classified = classifySyncError(err);
  const retryable = classified.retryable;
  // Said when we give up: no "retrying" in the reason Pleo shows.
  const message = classified.message.replace(/;? ?retrying( later)?\.$/, '.');
  if (err instanceof ErpError) return { ...jobFailureFromErp(err), retryable: err.retryable };
  if (err instanceof PleoApiError) {
    if (err.status === 400 && err.type === 'MISSING_CONTRA_ACCOUNTS') return { type: 'missing_configuration', reason: err.pleoMessage, retryable: false };
    const type: ExportJobFailureReasonType =
      err.status === 429 ? 'pleo_rate_limit' : err.status === 401 ? 'authentication_failure' : err.status === 403 ? 'authorization_failure' : err.status >= 500 ? 'service_unreachable' : 'integration_unusable';
    return { type, reason: message, retryable };
  }
  if (err instanceof PleoAuthError) return { type: 'authentication_failure', reason: message, retryable: false };
  if (err instanceof PleoUnreachable || isDatabaseUnavailable(err)) return { type: 'service_unreachable', reason: message, retryable: true };
  if (err instanceof ItemsNotFinal || err instanceof FinalEventRefused) return { type: 'service_unreachable', reason: err.message, retryable: true };
  return { type: 'integration_unusable', reason: message, retryable };
}

/** A 422 while reading or reporting a job: Pleo may have ended it (expired, cancelled). */
export const mayBeOver = (err: unknown) => err instanceof PleoApiError && err.status === 422;
