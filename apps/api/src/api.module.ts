import { DynamicModule, Module } from '@nestjs/common';
import { ApiConfig, ConfigModule } from '@app/config';
import { DatabaseModule } from '@app/database';
import { LoggingModule } from '@app/logging';
import { MetricsModule } from '@app/metrics';
import { WebhookVerifier } from '@app/pleo';
import { QueueModule } from '@app/queue';
import { AdminEventsController } from './admin/admin-events.controller';
import { ReplayController } from './admin/replay.controller';
import { SandboxController } from './admin/sandbox.controller';
import { ExportJobsController } from './admin/export-jobs.controller';
import { HealthController } from './health/health.controller';
import { MetricsController } from './observability/metrics.controller';
import { MetricsAccessGuard } from './observability/metrics-access.guard';
import { ReadinessService } from './health/readiness.service';
import { WebhookIngestService } from './webhooks/webhook-ingest.service';
import { WebhookRoute } from './webhooks/webhook-route';

@Module({})
export class ApiModule {
  static forRoot(config: ApiConfig): DynamicModule {
    return {
      module: ApiModule,
      imports: [ConfigModule.forRoot(ApiConfig, config), LoggingModule, DatabaseModule, QueueModule, MetricsModule],
      controllers: [AdminEventsController, ReplayController, SandboxController, ExportJobsController, HealthController, MetricsController],
      providers: [
        {
          provide: WebhookVerifier,
          useFactory: () => new WebhookVerifier(config.PLEO_WEBHOOK_SECRETS, config.PLEO_WEBHOOK_TOLERANCE_SECONDS),
        },
        WebhookIngestService,
        WebhookRoute,
        ReadinessService,
        MetricsAccessGuard,
      ],
    };
  }
}
