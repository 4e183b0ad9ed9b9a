import { randomUUID } from 'node:crypto';
import { ApiConfig, WorkerConfig, loadConfig } from '@app/config';

/** The database the integration tests own; `test/support/global-setup.js` migrates it. */
export const TEST_DATABASE_URL =
  process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/pleo_erp_sync_test';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const TEST_WEBHOOK_SECRET = 'whsec_' + Buffer.from('integration-test-secret-32-bytes').toString('base64');
export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789';
export const TEST_PLEO_API_KEY = 'test-pleo-api-key';

/** A queue prefix of its own per test file, so runs never see each other's jobs. */
export const uniquePrefix = () => `test-${randomUUID().slice(0, 8)}`;

export function apiConfig(overrides: Record<string, string> = {}): ApiConfig {
  return loadConfig(ApiConfig, {
    DATABASE_URL: TEST_DATABASE_URL,
    REDIS_URL: TEST_REDIS_URL,
    PLEO_WEBHOOK_SECRETS: TEST_WEBHOOK_SECRET,
    ADMIN_API_TOKEN: TEST_ADMIN_TOKEN,
    LOG_LEVEL: 'silent',
    PORT: '0',
    ...overrides,
  });
}

export function workerConfig(overrides: Record<string, string> = {}): WorkerConfig {
  return loadConfig(WorkerConfig, {
    DATABASE_URL: TEST_DATABASE_URL,
    REDIS_URL: TEST_REDIS_URL,
    LOG_LEVEL: 'silent',
    OUTBOX_SWEEP_INTERVAL_SECONDS: '3600',
    OUTBOX_GRACE_SECONDS: '0',
    PLEO_API_KEY: TEST_PLEO_API_KEY,
    PLEO_API_BASE_URL: 'http://127.0.0.1:9/', // tests that talk to Pleo point this at their fake
    PLEO_HTTP_RETRY_BASE_MS: '20',
    SYNC_BACKOFF_BASE_SECONDS: '0',
    WORKER_HEALTH_PORT: '0',
    ...overrides,
  });
}
