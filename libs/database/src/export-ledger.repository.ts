import { Injectable } from '@nestjs/common';
import { PrismaService } from './prisma.service';

export interface LedgerKey {
  companyId: string;
  accountingEntryId: string;
}

/** The item ledger: one row per (company, accounting entry), written before and after each ERP call. */
@Injectable()
export class ExportLedgerRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** The rows of a page of items, in one query. */
  async getMany(companyId: string, accountingEntryIds: string[]) {
    const rows = await this.prisma.exportItemLedger.findMany({ where: { companyId, accountingEntryId: { in: accountingEntryIds } } });
    return new Map(rows.map((r) => [r.accountingEntryId, r]));
  }

  /** Before the ERP call: from here until POSTED the outcome counts as unknown. */
  // The writes around the ERP calls, one statement per page of items, straight to the pool (hot
  // path). Between the two, an entry's outcome counts as unknown and is reconciled before a retry.
  async markPosting(companyId: string, jobId: string, accountingEntryIds: string[]): Promise<void> {
    if (!accountingEntryIds.length) return;
    await this.prisma.pool.query({
      name: 'ledger_mark_posting',
      text: `INSERT INTO export_item_ledger (company_id, accounting_entry_id, job_id, status)
             SELECT $1, id, $2, 'POSTING' FROM unnest($3::uuid[]) AS id
             ON CONFLICT (company_id, accounting_entry_id) DO UPDATE
             SET job_id = EXCLUDED.job_id, status = 'POSTING', failure_reason = NULL, failure_reason_type = NULL, updated_at = now()`,
      values: [companyId, jobId, accountingEntryIds],
    });
  }

  async markPosted(companyId: string, jobId: string, posted: { accountingEntryId: string; id: string; number: string; url?: string }[]): Promise<void> {
    if (!posted.length) return;
    await this.prisma.pool.query({
      name: 'ledger_mark_posted',
      text: `INSERT INTO export_item_ledger (company_id, accounting_entry_id, job_id, status, erp_id, erp_number, erp_url)
             SELECT $1, p.entry, $2, 'POSTED', p.erp_id, p.erp_number, p.erp_url
             FROM unnest($3::uuid[], $4::text[], $5::text[], $6::text[]) AS p(entry, erp_id, erp_number, erp_url)
             ON CONFLICT (company_id, accounting_entry_id) DO UPDATE
             SET status = 'POSTED', erp_id = EXCLUDED.erp_id, erp_number = EXCLUDED.erp_number, erp_url = EXCLUDED.erp_url,
                 failure_reason = NULL, failure_reason_type = NULL, updated_at = now()`,
      values: [companyId, jobId, posted.map((p) => p.accountingEntryId), posted.map((p) => p.id), posted.map((p) => p.number), posted.map((p) => p.url ?? null)],
    });
  }

  async markAttachments(key: LedgerKey, done: number): Promise<void> {
    await this.prisma.exportItemLedger.update({ where: { companyId_accountingEntryId: key }, data: { attachmentsDone: done } });
  }

  /** The item failed. A POSTED entry stays POSTED (only its receipts failed): never posted twice. */
  async markFailed(key: LedgerKey, jobId: string, type: string, reason: string): Promise<void> {
    // One statement: the row's own status decides, so a concurrent POSTED is never overwritten.
    await this.prisma.pool.query({
      name: 'ledger_mark_failed',
      text: `INSERT INTO export_item_ledger (company_id, accounting_entry_id, job_id, status, failure_reason_type, failure_reason)
             VALUES ($1, $2, $3, 'FAILED', $4, $5)
             ON CONFLICT (company_id, accounting_entry_id) DO UPDATE
             SET job_id = EXCLUDED.job_id,
                 status = CASE WHEN export_item_ledger.status = 'POSTED' THEN 'POSTED'::"LedgerStatus" ELSE 'FAILED'::"LedgerStatus" END,
                 failure_reason_type = EXCLUDED.failure_reason_type, failure_reason = EXCLUDED.failure_reason, updated_at = now()`,
      values: [key.companyId, key.accountingEntryId, jobId, type, reason],
    });
  }

  async markReported(companyId: string, accountingEntryIds: string[]): Promise<void> {
    if (!accountingEntryIds.length) return;
    await this.prisma.exportItemLedger.updateMany({
      where: { companyId, accountingEntryId: { in: accountingEntryIds } },
      data: { reportedAt: new Date() },
    });
  }
}
