import { INestApplicationContext, Logger as NestLogger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { WorkerConfig } from '@app/config';
import { WorkerModule } from './worker.module';

/** The worker is a Nest application context: queues and timers, plus a small health listener. */
export async function createWorkerApp(config: WorkerConfig): Promise<INestApplicationContext> {
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), {
    bufferLogs: true,
    abortOnError: false, // a wiring error is thrown (and reported by main.ts), not a bare exit
  });
  app.useLogger(app.get(Logger));
  for (const warning of config.startupWarnings()) new NestLogger('Config').warn(warning);
  return app;
}
