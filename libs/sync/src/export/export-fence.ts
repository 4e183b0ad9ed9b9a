import { RunInterrupted } from '@app/runtime';

/**
 * What a company run may still do. `lockSignal` (the company lock) is checked before every ERP write
 * and handed to the adapter and to downloads; `stopSignal` adds the process's shutdown and is only
 * checked between items and pages, so an item in progress (post plus receipts) is finished, never
 * cut between two ERP writes (O3). `owner` is the run's identity in the ledger's claims.
 */
export class ExportFence {
  readonly stopSignal: AbortSignal;

  constructor(
    readonly owner: string,
    readonly lockSignal: AbortSignal,
    shutdownSignal: AbortSignal,
    /** how long a ledger claim lasts; renewed before each ERP write */
    readonly leaseMs: number,
  ) {
    this.stopSignal = AbortSignal.any([lockSignal, shutdownSignal]);
  }

  /** Before every ERP write: a run that lost its lock writes nothing more. */
  assertWritable(): void {
    this.lockSignal.throwIfAborted();
  }

  get stopRequested(): boolean {
    return this.stopSignal.aborted;
  }

  /** An error seen while the lock was lost is reported as the interruption it is. */
  explain(err: unknown): unknown {
    return this.lockSignal.aborted ? this.lockSignal.reason : err;
  }

  /** The ledger refused the claim: another run holds the entry. */
  static taken(accountingEntryId: string): RunInterrupted {
    return new RunInterrupted('lock_lost', `Another export run holds the entry ${accountingEntryId}; this run stops before writing it.`);
  }
}
