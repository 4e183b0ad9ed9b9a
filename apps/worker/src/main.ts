import 'reflect-metadata';
import { ConfigError, WorkerConfig, loadConfig, loadDotEnv } from '@app/config';
import { closeOnSignals } from '@app/runtime';
import { createWorkerApp } from './bootstrap';

async function main() {
  loadDotEnv();
  const config = loadConfig(WorkerConfig);
  const app = await createWorkerApp(config);
  closeOnSignals(app, config.SHUTDOWN_TIMEOUT_SECONDS * 1000);
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
