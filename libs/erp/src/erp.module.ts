import { Module } from '@nestjs/common';
import IORedis from 'ioredis';
import { CommonConfig } from '@app/config';
import { PrismaService } from '@app/database';
import { PRODUCER_CONNECTION } from '@app/queue';
import { ErpAdapterFactory } from './erp-adapter.factory';
import { ERP_KINDS, ErpKindDefinition } from './erp-kind';
import { RateGovernor } from './governor/rate-governor';
import { sandboxErpKind } from './adapters/sandbox/sandbox-erp.kind';
import { trytonErpKind } from './adapters/tryton/tryton-erp.kind';
import { businessCentralErpKind } from './adapters/business-central/bc-erp.kind';
import { xeroErpKind } from './adapters/xero/xero-erp.kind';
import { erpSecretSealer } from './erp-secret-sealer';

/** The adapter factory and the Redis rate governor every adapter's requests go through. */
@Module({
  providers: [
    {
      provide: ERP_KINDS,
      inject: [PrismaService, PRODUCER_CONNECTION, CommonConfig],
      // the ERP kinds this build knows; real ERPs join here (one definition each)
      useFactory: (prisma: PrismaService, redis: IORedis, config: CommonConfig): ErpKindDefinition[] => [
        sandboxErpKind(prisma),
        trytonErpKind,
        xeroErpKind(prisma, erpSecretSealer(config)),
        businessCentralErpKind({ client: redis, prefix: config.QUEUE_PREFIX }),
      ],
    },
    {
      provide: RateGovernor,
      inject: [PRODUCER_CONNECTION, CommonConfig],
      useFactory: (redis: IORedis, config: CommonConfig) => new RateGovernor(redis, { prefix: config.QUEUE_PREFIX, maxInlineWaitMs: config.ERP_RATE_MAX_WAIT_SECONDS * 1000 }),
    },
    ErpAdapterFactory,
  ],
  exports: [ErpAdapterFactory, RateGovernor],
})
export class ErpModule {}
