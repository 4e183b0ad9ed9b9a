import { FakeXero } from './fake-xero.server';
import { FakeXeroOrg } from './fake-xero-org';
import { runFake } from '../../fake-common/src/run-fake';

/**
 * The fake Xero as a process (docker compose demo). FAKE_XERO_ORGS organisations (default 1; the
 * first has FAKE_XERO_TENANT_ID), one app (client id, secret and redirect URIs from the environment;
 * a Custom Connection when FAKE_XERO_CUSTOM_CONNECTION=1), Xero's real limits unless
 * FAKE_XERO_LIMITS_OFF=1. A first refresh token for XERO_REFRESH_TOKEN: FAKE_XERO_REFRESH_TOKEN, or
 * a random one (printed). The connect flow's authorize consents on its own (to every organisation).
 */
async function main() {
  const env = process.env;
  const fake = new FakeXero({ control: env.FAKE_XERO_CONTROL === '1', ...(env.FAKE_XERO_LIMITS_OFF === '1' && { limits: { perMinute: 1e9, perDay: 1e9, concurrent: 1e9 } }) });
  const org = fake.addOrg(new FakeXeroOrg(env.FAKE_XERO_TENANT_ID || undefined));
  for (let i = 2; i <= Number(env.FAKE_XERO_ORGS || 1); i++) fake.addOrg(new FakeXeroOrg(undefined, `Demo Company ${i}`));
  const clientId = env.FAKE_XERO_CLIENT_ID || 'fake-xero-client';
  const redirectUris = (env.FAKE_XERO_REDIRECT_URIS || 'http://localhost:3000/connect/xero/callback').split(',').map((u) => u.trim()).filter(Boolean);
  fake.identity.addClient({ clientId, clientSecret: env.FAKE_XERO_CLIENT_SECRET || 'fake-xero-secret', redirectUris, ...(env.FAKE_XERO_CUSTOM_CONNECTION === '1' && { customConnectionTenantId: org.tenantId }) });
  const url = await fake.listen(Number(env.FAKE_XERO_PORT || 4020), env.FAKE_XERO_HOST || '0.0.0.0');
  const refreshToken = fake.identity.issueRefreshToken(clientId, [org.tenantId], undefined, env.FAKE_XERO_REFRESH_TOKEN || undefined);
  // (a token of this fake only, never a real Xero one: printed for XERO_REFRESH_TOKEN)
  const tenants = [...fake.orgs.values()].map((o) => ({ tenantId: o.tenantId, name: o.name }));
  console.log(JSON.stringify({ msg: 'fake Xero listening', url, apiUrl: fake.apiUrl, tenantId: org.tenantId, tenants, clientId, redirectUris, refreshToken, control: env.FAKE_XERO_CONTROL === '1' }));
  return fake;
}

runFake(main);
