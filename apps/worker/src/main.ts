import 'reflect-metadata';
import { ConfigError, WorkerConfig, loadConfig, loadDotEnv } from '@app/config';
import { createWorkerApp } from './bootstrap';

async function main() {
  loadDotEnv();
  const config = loadConfig(WorkerConfig);
  const app = await createWorkerApp(config);
  app.enableShutdownHooks();
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
