import { Global, Module } from '@nestjs/common';
import { PrismaService } from './prisma.service';
import { WebhookEventRepository } from './webhook-event.repository';
import { VendorLinkRepository } from './vendor-link.repository';
import { ExportLedgerRepository } from './export-ledger.repository';
import { ExportRunRepository } from './export-run.repository';
import { ReceiptLedgerRepository } from './receipt-ledger.repository';
import { ExportCompanyRunRepository } from './export-company-run.repository';
import { RetentionRepository } from './retention.repository';

const REPOSITORIES = [WebhookEventRepository, VendorLinkRepository, ExportLedgerRepository, ReceiptLedgerRepository, ExportRunRepository, ExportCompanyRunRepository, RetentionRepository];

@Global()
@Module({
  providers: [PrismaService, ...REPOSITORIES],
  exports: [PrismaService, ...REPOSITORIES],
})
export class DatabaseModule {}
