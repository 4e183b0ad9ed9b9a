import { Injectable } from '@nestjs/common';
import { LedgerKey } from './export-ledger.repository';
import { PrismaService } from './prisma.service';

/** One spelling of the ids (the company id is text): one ledger per entry. */
const lowerKey = (key: LedgerKey): LedgerKey => ({ companyId: key.companyId.toLowerCase(), accountingEntryId: key.accountingEntryId.toLowerCase() });

/**
 * Receipts attached to an entry, by the SHA-256 of their content (R9): a file is attached once,
 * whatever its position in the item's files[] and however often the expense is exported.
 */
@Injectable()
export class ReceiptLedgerRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** The files attached to the entry in this ERP target (rows from before targets: those on this very ERP entry). */
  async attachedHashes(key: LedgerKey, erpTarget: string, erpEntryId: string): Promise<Set<string>> {
    const rows = await this.prisma.exportReceiptLedger.findMany({
      where: { ...lowerKey(key), OR: [{ erpTarget }, { erpTarget: '', erpEntryId }] },
      select: { sha256: true },
    });
    return new Set(rows.map((r) => r.sha256));
  }

  async recordAttached(key: LedgerKey, sha256: string, erpEntryId: string, erpTarget: string): Promise<void> {
    await this.prisma.exportReceiptLedger.createMany({ data: [{ ...lowerKey(key), sha256, erpEntryId, erpTarget }], skipDuplicates: true });
  }
}
