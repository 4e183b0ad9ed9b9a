import { ClaimedRow, ExportLedgerRepository, LedgerKey } from '@app/database';
import { PostedExpense } from '@app/erp';
import { RunInterrupted } from '@app/runtime';
import { ExportFence } from './export-fence';

/**
 * This run's claim on one ledger row (taken with its page), as this process sees it. Locally it
 * counts as valid only until `sentAt + lease − lease/4` of the statement that last proved it
 * (clocks drift, statements are slow); before each ERP write the lock, the local lease and the
 * ledger itself must all agree.
 */
export class ItemClaim {
  private validUntil: number;
  /** an ERP write was started under this claim (its outcome may be unknown if the item then threw) */
  wroteToErp = false;

  constructor(
    readonly key: LedgerKey,
    readonly fence: ExportFence,
    /** the row as the claim found it */
    readonly row: ClaimedRow,
    claimSentAt: number,
    private readonly ledger: ExportLedgerRepository,
  ) {
    this.validUntil = this.deadline(claimSentAt);
  }

  get owner(): string {
    return this.fence.owner;
  }

  /** Right before an ERP write: a post also marks the row attempted (its outcome is unknown from here). */
  async beforeWrite(write: 'post' | 'attach'): Promise<void> {
    this.fence.assertWritable();
    const sentAt = Date.now();
    const held =
      write === 'post'
        ? await this.ledger.markAttempted(this.key, this.owner, this.fence.leaseMs)
        : await this.ledger.renewClaim(this.key, this.owner, this.fence.leaseMs);
    if (!held) throw ExportFence.taken(this.key.accountingEntryId);
    this.wroteToErp = true;
    this.validUntil = this.deadline(sentAt);
    this.fence.assertWritable();
    if (Date.now() > this.validUntil) throw new RunInterrupted('lock_lost', `The claim on entry ${this.key.accountingEntryId} is too old to write with.`);
  }

  private deadline(sentAt: number): number {
    return sentAt + this.fence.leaseMs - Math.floor(this.fence.leaseMs / 4);
  }
}

/** The ERP entry a row already records, if it is POSTED. */
export function postedFromRow(row: { status: string; erpId: string | null; erpNumber: string | null; erpUrl: string | null } | undefined): PostedExpense | null {
  if (row?.status !== 'POSTED' || !row.erpId) return null;
  return { id: row.erpId, number: row.erpNumber ?? row.erpId, ...(row.erpUrl && { url: row.erpUrl }) };
}
