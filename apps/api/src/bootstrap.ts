import { Logger as NestLogger, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { ApiConfig } from '@app/config';
import { ApiModule } from './api.module';
import { installJsonBodyParser } from './webhooks/json-body-parser';
import { installFormBodyParser } from './connect/form-body-parser';
import { installHttpMetrics } from './observability/http-metrics';
import { setupOpenApi } from './observability/openapi';
import { installQueueDashboard } from './observability/queue-dashboard';
import { reserveWebhookScope } from './webhooks/webhook-scope';

/** Bodies of every route but the webhook's are read (and parsed) before the guard runs: keep them small. */
export const OTHER_ROUTES_BODY_LIMIT_BYTES = 64 * 1024;

/** Builds the API application (used by main.ts and by the integration tests). */
export async function createApiApp(config: ApiConfig): Promise<NestFastifyApplication> {
  // Admin and health bodies are small; the webhook route sets its own limit (WebhookRoute).
  // S2: a client trickling a body (or idling on a socket) cannot hold a connection for ever.
  const adapter = new FastifyAdapter({ bodyLimit: OTHER_ROUTES_BODY_LIMIT_BYTES, requestTimeout: 30_000, connectionTimeout: 120_000 });
  installJsonBodyParser(adapter.getInstance());
  installFormBodyParser(adapter.getInstance()); // the connect flow's organisation chooser is an HTML form
  installHttpMetrics(adapter.getInstance());
  reserveWebhookScope(adapter.getInstance()); // before NestFactory.create registers middie
  const app = await NestFactory.create<NestFastifyApplication>(ApiModule.forRoot(config), adapter, {
    bufferLogs: true,
    bodyParser: false, // ours (installJsonBodyParser) keeps the raw bytes for the signature check
  });
  app.useLogger(app.get(Logger));
  for (const warning of config.startupWarnings()) new NestLogger('Config').warn(warning);
  app.useGlobalPipes(new ValidationPipe({ transform: true, whitelist: true, forbidNonWhitelisted: true }));
  await installQueueDashboard(app, config);
  setupOpenApi(app);
  return app;
}
