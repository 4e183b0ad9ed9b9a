import { existsSync, readFileSync } from 'node:fs';
import { FakePleo } from './fake-pleo.server';
import { demoExportItems } from './demo-export-items';
import { runFake } from '../../fake-common/src/run-fake';

/**
 * The fake Pleo as a process (docker compose demo, end-to-end tests). Seeds what the webhook
 * samples in FAKE_PLEO_SEED_FILES refer to (their vendor; for an export sample, a pending export
 * job with that id and three demo expenses), so that sending such a sample works end to end.
 */
async function main() {
  const env = process.env;
  const fake = new FakePleo({
    apiKey: env.FAKE_PLEO_API_KEY || 'fake-pleo-api-key',
    filesPublicUrl: env.FAKE_PLEO_FILES_PUBLIC_URL || undefined,
    control: env.FAKE_PLEO_CONTROL === '1',
    oauth: env.FAKE_PLEO_OAUTH_CLIENT_ID
      ? {
          clientId: env.FAKE_PLEO_OAUTH_CLIENT_ID,
          clientSecret: env.FAKE_PLEO_OAUTH_CLIENT_SECRET ?? '',
          refreshToken: env.FAKE_PLEO_OAUTH_REFRESH_TOKEN ?? '',
        }
      : undefined,
  });
  const url = await fake.listen(Number(env.FAKE_PLEO_PORT || 4010), env.FAKE_PLEO_HOST || '0.0.0.0', Number(env.FAKE_PLEO_FILES_PORT || 4011));
  // After listen: receipt URLs point at this server.
  const defaults = 'test/fixtures/vendor-created.json,test/fixtures/export-job-created.json';
  for (const file of (env.FAKE_PLEO_SEED_FILES ?? defaults).split(',').filter(Boolean)) {
    if (!existsSync(file)) continue;
    const body = JSON.parse(readFileSync(file, 'utf8'));
    if (!body?.data?.id || !body?.data?.companyId) continue;
    if (body.eventType === 'v1.vendor.created') fake.state.addVendor(body.data);
    // An export sample: a pending job with that id and three demo expenses.
    if (/export/.test(body.eventType)) fake.exports.seedJob({ id: body.data.id, companyId: body.data.companyId, items: demoExportItems(body.data.companyId) });
  }
  console.log(JSON.stringify({ msg: 'fake Pleo listening', url, filesUrl: fake.filesUrl, control: fake.controlEnabled, vendors: fake.state.vendors.size, exportJobs: fake.exports.jobs.size }));
  return fake;
}

runFake(main);
