import { Global, Module } from '@nestjs/common';
import { PrismaService } from './prisma.service';
import { WebhookEventRepository } from './webhook-event.repository';
import { VendorLinkRepository } from './vendor-link.repository';
import { ExportLedgerRepository } from './export-ledger.repository';
import { ExportRunRepository } from './export-run.repository';
import { RetentionRepository } from './retention.repository';

@Global()
@Module({
  providers: [PrismaService, WebhookEventRepository, VendorLinkRepository, ExportLedgerRepository, ExportRunRepository, RetentionRepository],
  exports: [PrismaService, WebhookEventRepository, VendorLinkRepository, ExportLedgerRepository, ExportRunRepository, RetentionRepository],
})
export class DatabaseModule {}
