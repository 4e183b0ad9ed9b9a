import { AdvisoryLockTimeout, isDatabaseUnavailable } from '@app/database';
import { CompanyNotServed } from '@app/connections';
import { ErpError } from '@app/erp';
import { PleoApiError, PleoAuthError, PleoUnreachable } from '@app/pleo';

/** A failure no retry can fix (the data or the configuration must change first). */
export class SyncPermanentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SyncPermanentError';
  }
}

export interface ClassifiedFailure {
  retryable: boolean;
  retryAfterMs?: number;
  /** for the event's lastError: what happened, in words a bookkeeper can act on */
  message: string;
}

/** Decides retry vs fail for anything a sync service throws, and says why in plain words. */
export function classifySyncError(err: unknown): ClassifiedFailure {
  if (err instanceof SyncPermanentError || err instanceof CompanyNotServed) return { retryable: false, message: err.message };
  if (err instanceof ErpError) {
    return {
      retryable: err.retryable,
      retryAfterMs: err.retryAfterMs,
      message: `The ERP ${err.retryable ? 'is temporarily unavailable' : 'refused it'}: ${err.message}`,
    };
  }
  if (err instanceof PleoAuthError) return { retryable: false, message: err.message };
  if (err instanceof PleoUnreachable) return { retryable: true, message: 'Pleo could not be reached; retrying.' };
  if (err instanceof PleoApiError) {
    const what = `HTTP ${err.status}${err.type ? ` ${err.type}` : ''}`;
    if (err.status === 429) {
      return { retryable: true, retryAfterMs: err.retryAfterMs, message: `Pleo is limiting our request rate (${what}); retrying later.` };
    }
    if (err.status >= 500) {
      return { retryable: true, retryAfterMs: err.retryAfterMs, message: `Pleo is temporarily unavailable (${what}); retrying.` };
    }
    if (err.status === 401 || err.status === 403) {
      return {
        retryable: false,
        message: `Pleo refused our credentials (${what}). Check PLEO_API_KEY, or re-authorise the OAuth app, then replay the event.`,
      };
    }
    return { retryable: false, message: `Pleo refused the request (${what}: ${err.message}).` };
  }
  if (err instanceof AdvisoryLockTimeout) return { retryable: true, message: err.message };
  if (isDatabaseUnavailable(err)) return { retryable: true, message: 'Our database is unavailable; retrying.' };
  return { retryable: true, message: `Unexpected error: ${(err as Error)?.message ?? String(err)}` };
}
