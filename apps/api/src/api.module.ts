import { DynamicModule, Module } from '@nestjs/common';
import { ApiConfig, ConfigModule } from '@app/config';
import { ConnectionsModule } from '@app/connections';
import { DatabaseModule } from '@app/database';
import { LoggingModule } from '@app/logging';
import { MetricsModule } from '@app/metrics';
import { WebhookVerifier } from '@app/pleo';
import { QueueModule } from '@app/queue';
import { AdminEventsController } from './admin/admin-events.controller';
import { ReplayController } from './admin/replay.controller';
import { SandboxController } from './admin/sandbox.controller';
import { ExportJobsController } from './admin/export-jobs.controller';
import { ConnectionsController } from './admin/connections/connections.controller';
import { ConnectionInputCheck } from './admin/connections/connection-input';
import { ConnectionVerifier } from './admin/connections/connection-verifier.service';
import { ConnectController } from './connect/connect.controller';
import { ConsoleController } from './console/console.controller';
import { PleoConnectService } from './connect/pleo-connect.service';
import { XeroConnectService } from './connect/xero/xero-connect.service';
import { HealthController } from './health/health.controller';
import { MetricsController } from './observability/metrics.controller';
import { MetricsAccessGuard } from './observability/metrics-access.guard';
import { ReadinessService } from './health/readiness.service';
import { WebhookIngestService } from './webhooks/webhook-ingest.service';
import { WebhookRoute } from './webhooks/webhook-route';
import { IngestStageTimings, createIngestStageTimings } from './webhooks/ingest-stage-timings';

@Module({})
export class ApiModule {
  static forRoot(config: ApiConfig): DynamicModule {
    return {
      module: ApiModule,
      imports: [
        ConfigModule.forRoot(ApiConfig, config),
        LoggingModule,
        DatabaseModule,
        QueueModule,
        MetricsModule,
        ConnectionsModule.forRoot({
          encryptionKey: config.ENCRYPTION_KEY,
          pleoApiBaseUrl: config.PLEO_API_BASE_URL,
          pleoTokenUrl: config.PLEO_OAUTH_TOKEN_URL,
          pleoTimeoutMs: 10_000,
          pleoMaxRetries: 1, // an operator is waiting for the answer
          pleoRetryBaseMs: 500,
        }),
      ],
      controllers: [AdminEventsController, ReplayController, SandboxController, ExportJobsController, ConnectionsController, ConnectController, ConsoleController, HealthController, MetricsController],
      providers: [
        {
          provide: WebhookVerifier,
          useFactory: () => new WebhookVerifier(config.PLEO_WEBHOOK_SECRETS, config.PLEO_WEBHOOK_TOLERANCE_SECONDS),
        },
        // Benchmark only (INGEST_STAGE_TIMINGS): undefined otherwise, and the route skips it.
        { provide: IngestStageTimings, useFactory: () => createIngestStageTimings(config.INGEST_STAGE_TIMINGS) },
        WebhookIngestService,
        WebhookRoute,
        ConnectionInputCheck,
        ConnectionVerifier,
        PleoConnectService,
        XeroConnectService,
        ReadinessService,
        MetricsAccessGuard,
      ],
    };
  }
}
