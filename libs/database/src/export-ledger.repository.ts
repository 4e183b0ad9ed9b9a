import { Injectable } from '@nestjs/common';
import { PrismaService } from './prisma.service';

export interface LedgerKey {
  companyId: string;
  accountingEntryId: string;
}

/** A row as a claim returns it: what is known about the entry in the ERP. */
export interface ClaimedRow {
  status: 'POSTING' | 'POSTED' | 'FAILED';
  attemptedAt: Date | null;
  erpId: string | null;
  erpNumber: string | null;
  erpUrl: string | null;
  /** receipts attached by position before they were tracked by content */
  attachmentsDone: number;
}

/** Company ids are text here: one spelling (lower case) so a company has one ledger, not two. */
const company = (id: string) => id.toLowerCase();

const lease = (ms: number) => `now() + make_interval(secs => ${'$'}${ms})`;

/**
 * The item ledger: one row per (company, accounting entry). It is also the fence between runs
 * (R1/R2): a run writes an entry to the ERP only while it holds the row's claim (`claimed_by`, its
 * company-lock token, until `lease_until`), and every write after the ERP call is conditional on
 * that claim, so a run that lost its company lock cannot post, record or attach in another's place.
 * All statements go straight to the pool (hot path, one statement each).
 */
@Injectable()
export class ExportLedgerRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * Claims a page of entries for `owner` for `leaseMs`, in one statement: new rows (POSTING, not
   * attempted), or existing ones nobody holds, whose lease ran out, or that `owner` holds already.
   * Status and ERP ids are never changed here, so a POSTED row stays exactly as it is — except when
   * the row is about another ERP target (`erpTarget`, finding 2): then nothing is known about the
   * entry in this one, and the row starts over as attempted (reconciled in this target, then posted).
   * A row from before targets were recorded ('') is taken as this target's. Returns the
   * rows claimed, keyed by the ids as given (PostgreSQL answers uuids in lower case, Pleo may send
   * upper case); an entry missing from the answer is held by another run's live lease.
   */
  async claim(companyId: string, jobId: string, owner: string, leaseMs: number, accountingEntryIds: string[], erpTarget: string): Promise<Map<string, ClaimedRow>> {
    if (!accountingEntryIds.length) return new Map();
    const same = `export_item_ledger.erp_target IN ('', EXCLUDED.erp_target)`;
    const res = await this.prisma.pool.query({
      name: 'ledger_claim',
      text: `INSERT INTO export_item_ledger (company_id, accounting_entry_id, job_id, status, claimed_by, lease_until, erp_target)
             SELECT $1, id, $2, 'POSTING', $3, ${lease(4)}, $6 FROM unnest($5::uuid[]) AS id
             ON CONFLICT (company_id, accounting_entry_id) DO UPDATE
             SET claimed_by = EXCLUDED.claimed_by, lease_until = EXCLUDED.lease_until, updated_at = now(),
                 job_id = CASE WHEN export_item_ledger.status = 'POSTED' AND ${same} THEN export_item_ledger.job_id ELSE EXCLUDED.job_id END,
                 erp_target = EXCLUDED.erp_target,
                 status = CASE WHEN ${same} THEN export_item_ledger.status ELSE 'POSTING'::"LedgerStatus" END,
                 attempted_at = CASE WHEN ${same} THEN export_item_ledger.attempted_at ELSE now() END,
                 erp_id = CASE WHEN ${same} THEN export_item_ledger.erp_id END,
                 erp_number = CASE WHEN ${same} THEN export_item_ledger.erp_number END,
                 erp_url = CASE WHEN ${same} THEN export_item_ledger.erp_url END,
                 attachments_done = CASE WHEN ${same} THEN export_item_ledger.attachments_done ELSE 0 END,
                 failure_reason_type = CASE WHEN ${same} THEN export_item_ledger.failure_reason_type END,
                 failure_reason = CASE WHEN ${same} THEN export_item_ledger.failure_reason END,
                 reported_at = CASE WHEN ${same} THEN export_item_ledger.reported_at END
             WHERE export_item_ledger.claimed_by IS NULL OR export_item_ledger.claimed_by = EXCLUDED.claimed_by
                OR export_item_ledger.lease_until <= now()
             RETURNING accounting_entry_id AS id, status, attempted_at AS "attemptedAt", erp_id AS "erpId", erp_number AS "erpNumber", erp_url AS "erpUrl", attachments_done AS "attachmentsDone"`,
      values: [company(companyId), jobId, owner, leaseMs / 1000, accountingEntryIds, erpTarget],
    });
    const byId = new Map((res.rows as (ClaimedRow & { id: string })[]).map(({ id, ...row }) => [id.toLowerCase(), row]));
    const claimed = new Map<string, ClaimedRow>();
    for (const id of accountingEntryIds) {
      const row = byId.get(id.toLowerCase());
      if (row) claimed.set(id, row);
    }
    return claimed;
  }

  /**
   * Right before an ERP post: checks at the ledger that `owner` still holds the claim (a lease that
   * ran out but that nobody took is still ours: claims are taken and renewed one row-locked
   * statement at a time), renews it,
   * and marks the row attempted — from here until POSTED the outcome counts as unknown and is
   * reconciled before any second post. False: the claim is gone; do not post.
   */
  async markAttempted(key: LedgerKey, owner: string, leaseMs: number): Promise<boolean> {
    const res = await this.prisma.pool.query({
      name: 'ledger_mark_attempted',
      text: `UPDATE export_item_ledger
             SET status = 'POSTING', attempted_at = now(), lease_until = ${lease(4)}, failure_reason = NULL, failure_reason_type = NULL, updated_at = now()
             WHERE company_id = $1 AND accounting_entry_id = $2 AND claimed_by = $3 AND status <> 'POSTED'`,
      values: [company(key.companyId), key.accountingEntryId, owner, leaseMs / 1000],
    });
    return res.rowCount === 1;
  }

  /**
   * The ERP refused these entries without taking them (a rate limit: refused before or when sent),
   * so they are not attempted after all: the next run posts them without looking them up first.
   * Only rows `owner` still holds and that are not POSTED.
   */
  async markNotSent(companyId: string, owner: string, accountingEntryIds: string[]): Promise<void> {
    if (!accountingEntryIds.length) return;
    await this.prisma.pool.query({
      name: 'ledger_mark_not_sent',
      text: `UPDATE export_item_ledger SET attempted_at = NULL, updated_at = now()
             WHERE company_id = $1 AND accounting_entry_id = ANY($3::uuid[]) AND claimed_by = $2 AND status = 'POSTING'`,
      values: [companyId, owner, accountingEntryIds],
    });
  }

  /** Before another ERP write on a posted entry (a receipt): the claim is still ours and live. */
  async renewClaim(key: LedgerKey, owner: string, leaseMs: number): Promise<boolean> {
    const res = await this.prisma.pool.query({
      name: 'ledger_renew_claim',
      text: `UPDATE export_item_ledger SET lease_until = ${lease(4)}, updated_at = now()
             WHERE company_id = $1 AND accounting_entry_id = $2 AND claimed_by = $3`,
      values: [company(key.companyId), key.accountingEntryId, owner, leaseMs / 1000],
    });
    return res.rowCount === 1;
  }

  /** The ERP took the entry. False when `owner` no longer holds the row (it was taken over meanwhile). */
  async markPosted(key: LedgerKey, owner: string, posted: { id: string; number: string; url?: string }): Promise<boolean> {
    const res = await this.prisma.pool.query({
      name: 'ledger_mark_posted',
      text: `UPDATE export_item_ledger
             SET status = 'POSTED', erp_id = $4, erp_number = $5, erp_url = $6, failure_reason = NULL, failure_reason_type = NULL, updated_at = now()
             WHERE company_id = $1 AND accounting_entry_id = $2 AND claimed_by = $3 AND status <> 'POSTED'`,
      values: [company(key.companyId), key.accountingEntryId, owner, posted.id, posted.number, posted.url ?? null],
    });
    return res.rowCount === 1;
  }

  /**
   * The item failed. A POSTED entry stays POSTED (only its receipts failed): never posted twice.
   * `mayHaveApplied`: the ERP may have taken it anyway, so the row stays POSTING (unknown) and is
   * reconciled before any retry. A row another run holds a live claim on is left alone.
   */
  async markFailed(key: LedgerKey, jobId: string, owner: string, failure: { type: string; reason: string; mayHaveApplied?: boolean }): Promise<void> {
    await this.prisma.pool.query({
      name: 'ledger_mark_failed',
      text: `INSERT INTO export_item_ledger (company_id, accounting_entry_id, job_id, status, failure_reason_type, failure_reason)
             VALUES ($1, $2, $3, 'FAILED', $4, $5)
             ON CONFLICT (company_id, accounting_entry_id) DO UPDATE
             SET job_id = EXCLUDED.job_id,
                 status = CASE WHEN export_item_ledger.status = 'POSTED' THEN 'POSTED'::"LedgerStatus"
                               WHEN $7::boolean THEN 'POSTING'::"LedgerStatus" ELSE 'FAILED'::"LedgerStatus" END,
                 failure_reason_type = EXCLUDED.failure_reason_type, failure_reason = EXCLUDED.failure_reason, updated_at = now()
             WHERE export_item_ledger.claimed_by IS NULL OR export_item_ledger.claimed_by = $6 OR export_item_ledger.lease_until <= now()`,
      values: [company(key.companyId), key.accountingEntryId, jobId, failure.type, failure.reason, owner, failure.mayHaveApplied ?? false],
    });
  }

  /** The run is done with these entries: another run may claim them at once. */
  async release(companyId: string, owner: string, accountingEntryIds: string[]): Promise<void> {
    if (!accountingEntryIds.length) return;
    await this.prisma.pool.query({
      name: 'ledger_release',
      text: `UPDATE export_item_ledger SET claimed_by = NULL, lease_until = NULL
             WHERE company_id = $1 AND accounting_entry_id = ANY($2::uuid[]) AND claimed_by = $3`,
      values: [company(companyId), accountingEntryIds, owner],
    });
  }

  async markReported(companyId: string, accountingEntryIds: string[]): Promise<void> {
    if (!accountingEntryIds.length) return;
    await this.prisma.exportItemLedger.updateMany({
      where: { companyId: company(companyId), accountingEntryId: { in: accountingEntryIds.map((id) => id.toLowerCase()) } },
      data: { reportedAt: new Date() },
    });
  }
}
