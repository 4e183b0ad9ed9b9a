import { ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { ApiConfig } from '@app/config';
import { ApiModule } from './api.module';
import { installJsonBodyParser } from './webhooks/json-body-parser';
import { installHttpMetrics } from './observability/http-metrics';
import { setupOpenApi } from './observability/openapi';
import { installQueueDashboard } from './observability/queue-dashboard';

/** Builds the API application (used by main.ts and by the integration tests). */
export async function createApiApp(config: ApiConfig): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({ bodyLimit: config.WEBHOOK_BODY_LIMIT_BYTES });
  installJsonBodyParser(adapter.getInstance());
  installHttpMetrics(adapter.getInstance());
  const app = await NestFactory.create<NestFastifyApplication>(ApiModule.forRoot(config), adapter, {
    bufferLogs: true,
    bodyParser: false, // ours (installJsonBodyParser) keeps the raw bytes for the signature check
  });
  app.useLogger(app.get(Logger));
  app.useGlobalPipes(new ValidationPipe({ transform: true, whitelist: true, forbidNonWhitelisted: true }));
  await installQueueDashboard(app, config);
  setupOpenApi(app);
  return app;
}
