import { Injectable } from '@nestjs/common';
import { LedgerKey } from './export-ledger.repository';
import { PrismaService } from './prisma.service';

/**
 * Receipts attached to an entry, by the SHA-256 of their content (R9): a file is attached once,
 * whatever its position in the item's files[] and however often the expense is exported.
 */
@Injectable()
export class ReceiptLedgerRepository {
  constructor(private readonly prisma: PrismaService) {}

  async attachedHashes(key: LedgerKey): Promise<Set<string>> {
    const rows = await this.prisma.exportReceiptLedger.findMany({ where: key, select: { sha256: true } });
    return new Set(rows.map((r) => r.sha256));
  }

  async recordAttached(key: LedgerKey, sha256: string, erpEntryId: string): Promise<void> {
    await this.prisma.exportReceiptLedger.createMany({ data: [{ ...key, sha256, erpEntryId }], skipDuplicates: true });
  }
}
