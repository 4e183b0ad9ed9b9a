// Migrates the integration-test database once per jest run (same offline engine as `npm run db:migrate`).
const { execFileSync } = require('node:child_process');
const path = require('node:path');

module.exports = async () => {
  const url = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/pleo_erp_sync_test';
  execFileSync(process.execPath, [path.join(__dirname, '..', '..', 'scripts', 'db-migrate.mjs')], {
    env: { ...process.env, DATABASE_URL: url },
    stdio: 'inherit',
  });
};
