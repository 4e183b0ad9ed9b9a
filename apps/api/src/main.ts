import 'reflect-metadata';
import { ApiConfig, ConfigError, loadConfig, loadDotEnv } from '@app/config';
import { closeOnSignals } from '@app/runtime';
import { createApiApp } from './bootstrap';

async function main() {
  loadDotEnv();
  const config = loadConfig(ApiConfig);
  const app = await createApiApp(config);
  closeOnSignals(app, config.SHUTDOWN_TIMEOUT_SECONDS * 1000, config.SHUTDOWN_DRAIN_SECONDS * 1000);
  await app.listen({ port: config.PORT, host: '0.0.0.0' });
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
