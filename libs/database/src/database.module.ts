import { Global, Module } from '@nestjs/common';
import { PrismaService } from './prisma.service';
import { WebhookEventRepository } from './webhook-event.repository';
import { VendorLinkRepository } from './vendor-link.repository';

@Global()
@Module({
  providers: [PrismaService, WebhookEventRepository, VendorLinkRepository],
  exports: [PrismaService, WebhookEventRepository, VendorLinkRepository],
})
export class DatabaseModule {}
