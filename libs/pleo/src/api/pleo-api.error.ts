/** An error answer from Pleo's API, with Pleo's `{type, message}` body when it sent one. */
export class PleoApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string | undefined,
    message: string,
    readonly method: string,
    readonly path: string,
    readonly retryAfterMs?: number,
  ) {
    super(`Pleo API ${method} ${path} answered ${status}${type ? ` ${type}` : ''}: ${message}`);
    this.name = 'PleoApiError';
    this.pleoMessage = message;
  }

  /** Pleo's own words (the body's `message`), e.g. to pass on in a job's failureReason */
  readonly pleoMessage: string;

  /** 429 and 5xx may succeed later; 4xx will not. */
  get retryable(): boolean {
    return this.status === 429 || this.status >= 500;
  }
}

/** Pleo could not be reached (connection refused, DNS, timeout): retryable. */
export class PleoUnreachable extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    cause: unknown,
  ) {
    super(`Pleo API ${method} ${path} could not be reached: ${(cause as Error)?.message ?? cause}`, { cause });
    this.name = 'PleoUnreachable';
  }

  readonly retryable = true;
}

/** The credentials are no longer accepted; a person must re-authorise. Never retried. */
export class PleoAuthError extends Error {
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
    this.name = 'PleoAuthError';
  }

  readonly retryable = false;
}
