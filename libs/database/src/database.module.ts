import { Global, Module } from '@nestjs/common';
import { PrismaService } from './prisma.service';
import { WebhookEventRepository } from './webhook-event.repository';

@Global()
@Module({
  providers: [PrismaService, WebhookEventRepository],
  exports: [PrismaService, WebhookEventRepository],
})
export class DatabaseModule {}
