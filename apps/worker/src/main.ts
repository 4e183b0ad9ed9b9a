import 'reflect-metadata';
import { ConfigError, WorkerConfig, loadConfig, loadDotEnv } from '@app/config';
import { createWorkerApp } from './bootstrap';

async function main() {
  loadDotEnv();
  const config = loadConfig(WorkerConfig);
  await createWorkerApp(config);
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
