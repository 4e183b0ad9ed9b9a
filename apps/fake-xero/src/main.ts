import { FakeXero } from './fake-xero.server';
import { FakeXeroOrg } from './fake-xero-org';

/**
 * The fake Xero as a process (docker compose demo). One organisation, one app (client id and
 * secret from the environment; a Custom Connection when FAKE_XERO_CUSTOM_CONNECTION=1), Xero's real
 * limits unless FAKE_XERO_LIMITS_OFF=1. Prints a first refresh token for XERO_REFRESH_TOKEN.
 */
async function main() {
  const env = process.env;
  const fake = new FakeXero({ control: env.FAKE_XERO_CONTROL === '1', ...(env.FAKE_XERO_LIMITS_OFF === '1' && { limits: { perMinute: 1e9, perDay: 1e9, concurrent: 1e9 } }) });
  const org = fake.addOrg(new FakeXeroOrg(env.FAKE_XERO_TENANT_ID || undefined));
  const clientId = env.FAKE_XERO_CLIENT_ID || 'fake-xero-client';
  fake.identity.addClient({ clientId, clientSecret: env.FAKE_XERO_CLIENT_SECRET || 'fake-xero-secret', ...(env.FAKE_XERO_CUSTOM_CONNECTION === '1' && { customConnectionTenantId: org.tenantId }) });
  const url = await fake.listen(Number(env.FAKE_XERO_PORT || 4020), env.FAKE_XERO_HOST || '0.0.0.0');
  const refreshToken = fake.identity.issueRefreshToken(clientId, [org.tenantId]);
  console.log(JSON.stringify({ msg: 'fake Xero listening', url, apiUrl: fake.apiUrl, tenantId: org.tenantId, clientId, refreshToken, control: env.FAKE_XERO_CONTROL === '1' }));
  const stop = () => fake.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
