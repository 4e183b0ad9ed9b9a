import { XERO_DEFAULTS, xeroFromEnv, xeroSettings, xeroSettingsProblems } from './xero-settings';

describe('Xero settings from the environment', () => {
  const good = { XERO_CLIENT_ID: 'client', XERO_CLIENT_SECRET: 'secret', XERO_REFRESH_TOKEN: 'rt', XERO_TENANT_ID: '2f7c1a4e-0b8d-4c6f-9e3a-5d1b7c9e0f12' };

  it('takes a complete authorization_code setup with Xero\'s URLs as defaults', () => {
    const { settings, secrets, problems } = xeroFromEnv(good);
    expect(problems).toEqual([]);
    expect(secrets).toEqual({ clientSecret: 'secret', refreshToken: 'rt' });
    expect(xeroSettings(settings)).toEqual({ clientId: 'client', grantType: 'authorization_code', tenantId: good.XERO_TENANT_ID, ...XERO_DEFAULTS });
  });

  it('names every bad or missing variable at once', () => {
    const { problems } = xeroFromEnv({ XERO_GRANT_TYPE: 'password', XERO_TENANT_ID: 'acme', XERO_API_BASE_URL: 'ftp://x', XERO_IDENTITY_URL: 'not a url' });
    const named = problems.map((p) => p.split(':')[0]);
    expect(named).toEqual(['XERO_CLIENT_ID', 'XERO_GRANT_TYPE', 'XERO_TENANT_ID', 'XERO_API_BASE_URL', 'XERO_IDENTITY_URL', 'XERO_CLIENT_SECRET']);
  });

  it('needs the first refresh token for authorization_code, not for client_credentials (Custom Connections)', () => {
    const { XERO_REFRESH_TOKEN: _rt, ...rest } = good;
    expect(xeroFromEnv(rest).problems).toEqual([expect.stringMatching(/^XERO_REFRESH_TOKEN:/)]);
    const cc = xeroFromEnv({ ...rest, XERO_GRANT_TYPE: 'client_credentials' });
    expect(cc.problems).toEqual([]);
    expect(xeroSettings(cc.settings).grantType).toBe('client_credentials');
  });
});

describe('Xero settings of a stored connection', () => {
  const tenantId = '2f7c1a4e-0b8d-4c6f-9e3a-5d1b7c9e0f12';

  it('may wait for the connect flow to choose the organisation (authorization_code), not with a Custom Connection', () => {
    expect(xeroSettingsProblems({ clientId: 'app' })).toEqual([]);
    expect(xeroSettings({ clientId: 'app' }).tenantId).toBe('');
    expect(xeroSettingsProblems({ clientId: 'app', tenantId: 'acme' })).toEqual([expect.stringMatching(/^tenantId:/)]);
    expect(xeroSettingsProblems({ clientId: 'app', grantType: 'client_credentials' })).toEqual([expect.stringMatching(/^tenantId:/)]);
    expect(xeroSettingsProblems({ clientId: 'app', grantType: 'client_credentials', tenantId })).toEqual([]);
  });

  it('takes the connect flow\'s scopes only as space-separated scope names with offline_access', () => {
    expect(xeroSettingsProblems({ clientId: 'app', scopes: 'offline_access accounting.transactions accounting.contacts' })).toEqual([]);
    for (const scopes of ['accounting.contacts', 'offline_access  accounting.contacts', 'offline_access\naccounting.contacts', 7]) {
      expect(xeroSettingsProblems({ clientId: 'app', scopes })).toEqual([expect.stringMatching(/^scopes:/)]);
    }
  });

  it('names a missing XERO_TENANT_ID once', () => {
    const { problems } = xeroFromEnv({ XERO_CLIENT_ID: 'c', XERO_CLIENT_SECRET: 's', XERO_REFRESH_TOKEN: 'rt' });
    expect(problems).toEqual([expect.stringMatching(/^XERO_TENANT_ID:/)]);
    expect(xeroFromEnv({ XERO_CLIENT_ID: 'c', XERO_CLIENT_SECRET: 's', XERO_GRANT_TYPE: 'client_credentials' }).problems).toEqual([expect.stringMatching(/^XERO_TENANT_ID:/)]);
  });
});
