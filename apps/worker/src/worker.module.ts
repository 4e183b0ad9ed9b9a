import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule, WorkerConfig } from '@app/config';
import { DatabaseModule } from '@app/database';
import { LoggingModule } from '@app/logging';
import { QueueModule } from '@app/queue';
import { SyncModule } from '@app/sync';
import { OutboxSweeper } from './maintenance/outbox-sweeper.service';
import { EventJobRunner } from './queue-workers/event-job-runner';
import { QUEUE_PROCESSORS } from './queue-workers/queue-processor';
import { QueueWorkersService } from './queue-workers/queue-workers.service';
import { VendorSyncProcessor } from './vendor-sync/vendor-sync.processor';

@Module({})
export class WorkerModule {
  static forRoot(config: WorkerConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        ConfigModule.forRoot(WorkerConfig, config),
        LoggingModule,
        DatabaseModule,
        QueueModule,
        SyncModule.forRoot(config.ERP_ADAPTER),
      ],
      providers: [
        OutboxSweeper,
        EventJobRunner,
        VendorSyncProcessor,
        { provide: QUEUE_PROCESSORS, inject: [VendorSyncProcessor], useFactory: (...processors) => processors },
        QueueWorkersService,
      ],
    };
  }
}
