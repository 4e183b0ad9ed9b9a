import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule, WorkerConfig } from '@app/config';
import { ConnectionsModule } from '@app/connections';
import { DatabaseModule } from '@app/database';
import { LoggingModule } from '@app/logging';
import { MetricsModule } from '@app/metrics';
import { QueueModule } from '@app/queue';
import { SyncModule } from '@app/sync';
import { OutboxSweeper } from './maintenance/outbox-sweeper.service';
import { RetentionService } from './maintenance/retention.service';
import { EventJobRunner } from './queue-workers/event-job-runner';
import { QUEUE_PROCESSORS } from './queue-workers/queue-processor';
import { QueueWorkersService } from './queue-workers/queue-workers.service';
import { VendorSyncProcessor } from './vendor-sync/vendor-sync.processor';
import { ExportSyncProcessor } from './export-sync/export-sync.processor';
import { ExportPoller } from './export-sync/export-poller.service';
import { connectionsOptions, envConnection } from './env-connection';
import { WorkerHttpServer } from './health/worker-http.server';
import { WorkerMetricsRoute } from './health/worker-metrics.route';
import { WorkerHealthService } from './health/worker-health.service';

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
        MetricsModule,
        SyncModule.forRoot(ConnectionsModule.forRoot(connectionsOptions(config), envConnection(config)), {
          lockTtlMs: config.EXPORT_LOCK_TTL_SECONDS * 1000,
          reportIntervalMs: config.EXPORT_REPORT_INTERVAL_SECONDS * 1000,
          receiptDownloadTimeoutMs: config.RECEIPT_DOWNLOAD_TIMEOUT_MS,
          receiptMaxBytes: config.RECEIPT_MAX_BYTES,
          receiptAllowedHttpHosts: config.RECEIPT_ALLOWED_HTTP_HOSTS,
          queuePrefix: config.QUEUE_PREFIX,
          batchSize: config.EXPORT_BATCH_SIZE,
        }),
      ],
      providers: [
        OutboxSweeper,
        RetentionService,
        EventJobRunner,
        VendorSyncProcessor,
        ExportSyncProcessor,
        ExportPoller,
        {
          provide: QUEUE_PROCESSORS,
          inject: [VendorSyncProcessor, ExportSyncProcessor],
          useFactory: (...processors) => processors,
        },
        QueueWorkersService,
        WorkerHttpServer,
        WorkerMetricsRoute,
        WorkerHealthService,
      ],
    };
  }
}
