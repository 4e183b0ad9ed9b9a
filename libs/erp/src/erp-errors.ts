/**
 * Every adapter failure is one of these, so the sync services decide retry / fail / reconcile
 * without knowing the ERP. `mayHaveApplied`: the write might have happened (timeout, connection cut
 * after sending) — the caller must reconcile (find…) before writing again.
 */
export type ErpErrorKind =
  // retryable
  | 'rate_limited'
  | 'unavailable'
  | 'timeout'
  // permanent
  | 'validation'
  | 'auth'
  | 'unknown_reference'
  | 'locked_period'
  | 'configuration'
  | 'conflict';

const RETRYABLE: ReadonlySet<ErpErrorKind> = new Set(['rate_limited', 'unavailable', 'timeout']);

export class ErpError extends Error {
  readonly retryable: boolean;

  constructor(
    readonly kind: ErpErrorKind,
    /** Written for a bookkeeper: what is wrong and what to do about it. */
    message: string,
    readonly options: {
      retryAfterMs?: number;
      mayHaveApplied?: boolean;
      cause?: unknown;
      /** with unknown_reference: what kind of reference the ERP does not know */
      subject?: 'account' | 'tax_code' | 'vendor' | 'dimension' | 'entry' | 'invoice';
    } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'ErpError';
    this.retryable = RETRYABLE.has(kind);
  }

  get retryAfterMs(): number | undefined {
    return this.options.retryAfterMs;
  }

  get subject() {
    return this.options.subject;
  }

  get mayHaveApplied(): boolean {
    return this.options.mayHaveApplied ?? false;
  }
}
