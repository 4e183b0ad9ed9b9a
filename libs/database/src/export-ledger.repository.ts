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

  get(key: LedgerKey) {
    return this.prisma.exportItemLedger.findUnique({ where: { companyId_accountingEntryId: key } });
  }

  /** The rows of a page of items, in one query. */
  async getMany(companyId: string, accountingEntryIds: string[]) {
    const rows = await this.prisma.exportItemLedger.findMany({ where: { companyId, accountingEntryId: { in: accountingEntryIds } } });
    return new Map(rows.map((r) => [r.accountingEntryId, r]));
  }

  /** Before the ERP call: from here until POSTED the outcome counts as unknown. */
  async markPosting(key: LedgerKey, jobId: string): Promise<void> {
    await this.prisma.exportItemLedger.upsert({
      where: { companyId_accountingEntryId: key },
      create: { ...key, jobId, status: 'POSTING' },
      update: { jobId, status: 'POSTING', failureReason: null, failureReasonType: null },
    });
  }

  async markPosted(key: LedgerKey, jobId: string, erp: { id: string; number: string; url?: string }): Promise<void> {
    await this.prisma.exportItemLedger.upsert({
      where: { companyId_accountingEntryId: key },
      create: { ...key, jobId, status: 'POSTED', erpId: erp.id, erpNumber: erp.number, erpUrl: erp.url ?? null },
      update: { status: 'POSTED', erpId: erp.id, erpNumber: erp.number, erpUrl: erp.url ?? null, failureReason: null, failureReasonType: null },
    });
  }

  async markAttachments(key: LedgerKey, done: number): Promise<void> {
    await this.prisma.exportItemLedger.update({ where: { companyId_accountingEntryId: key }, data: { attachmentsDone: done } });
  }

  /** The item failed. A POSTED entry stays POSTED (only its receipts failed): never posted twice. */
  async markFailed(key: LedgerKey, jobId: string, type: string, reason: string): Promise<void> {
    const existing = await this.get(key);
    await this.prisma.exportItemLedger.upsert({
      where: { companyId_accountingEntryId: key },
      create: { ...key, jobId, status: 'FAILED', failureReasonType: type, failureReason: reason },
      update: { jobId, status: existing?.status === 'POSTED' ? 'POSTED' : 'FAILED', failureReasonType: type, failureReason: reason },
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
