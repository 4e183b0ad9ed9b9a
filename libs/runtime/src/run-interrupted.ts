/**
 * Work stopped on purpose at a safe point (between ERP writes): the worker is shutting down, or the
 * run lost its company lock. Not a failure: the queue job is handed back at once, without spending
 * an attempt, and the next run continues where this one stopped.
 */
export class RunInterrupted extends Error {
  constructor(
    readonly why: 'shutdown' | 'lock_lost',
    message: string,
  ) {
    super(message);
    this.name = 'RunInterrupted';
  }
}

/**
 * Aborted when the process starts shutting down, before the queue workers wait for their running
 * jobs: long runs stop between items instead of being cut off by the shutdown timeout.
 */
export class ShutdownSignal {
  private readonly controller = new AbortController();

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  trigger(): void {
    this.controller.abort(new RunInterrupted('shutdown', 'The worker is shutting down; another worker continues this run.'));
  }
}
