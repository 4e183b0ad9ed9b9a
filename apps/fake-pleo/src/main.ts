import { existsSync, readFileSync } from 'node:fs';
import { FakePleo } from './fake-pleo.server';

/**
 * The fake Pleo as a process (docker compose demo, end-to-end tests). Seeds the vendors of the
 * webhook samples listed in FAKE_PLEO_SEED_FILES so that sending such a sample works end to end.
 */
async function main() {
  const env = process.env;
  const fake = new FakePleo({
    apiKey: env.FAKE_PLEO_API_KEY || 'fake-pleo-api-key',
    oauth: env.FAKE_PLEO_OAUTH_CLIENT_ID
      ? {
          clientId: env.FAKE_PLEO_OAUTH_CLIENT_ID,
          clientSecret: env.FAKE_PLEO_OAUTH_CLIENT_SECRET ?? '',
          refreshToken: env.FAKE_PLEO_OAUTH_REFRESH_TOKEN ?? '',
        }
      : undefined,
  });
  for (const file of (env.FAKE_PLEO_SEED_FILES ?? 'test/fixtures/vendor-created.json').split(',').filter(Boolean)) {
    if (!existsSync(file)) continue;
    const body = JSON.parse(readFileSync(file, 'utf8'));
    if (body?.data?.id && body?.data?.companyId && body?.eventType === 'v1.vendor.created') fake.state.addVendor(body.data);
  }
  const url = await fake.listen(Number(env.FAKE_PLEO_PORT || 4010), env.FAKE_PLEO_HOST || '0.0.0.0');
  console.log(JSON.stringify({ msg: 'fake Pleo listening', url, vendors: fake.state.vendors.size }));
  const stop = () => fake.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
