// Once per jest run: makes sure PostgreSQL and Redis answer (starting throwaway ones on a machine
// that runs neither, see throwaway-services.js), then migrates the integration-test database (same
// offline engine as `npm run db:migrate`).
const { execFileSync } = require('node:child_process');
const path = require('node:path');
const { ensureTestServices } = require('./throwaway-services');

module.exports = async () => {
  const url = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/pleo_erp_sync_test';
  const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  // global-teardown.js runs in this same process and stops what was started here.
  globalThis.__stopThrowawayServices = await ensureTestServices({ databaseUrl: url, redisUrl });
  execFileSync(process.execPath, [path.join(__dirname, '..', '..', 'scripts', 'db-migrate.mjs')], {
    env: { ...process.env, DATABASE_URL: url },
    stdio: 'inherit',
  });
};
