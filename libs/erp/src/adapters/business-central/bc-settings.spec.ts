import { BC_DEFAULTS, bcFromEnv, bcSettingsProblems, parseBcSettings } from './bc-settings';

describe('Business Central settings', () => {
  const env = {
    BC_TENANT_ID: 'contoso.onmicrosoft.com',
    BC_CLIENT_ID: '8f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f',
    BC_CLIENT_SECRET: 's3cret',
    BC_ENVIRONMENT: 'sandbox',
    BC_COMPANY_ID: '0b7a3c1e-2d4f-4e6a-8b9c-0d1e2f3a4b5c',
  };

  it('takes the BC_* environment, the secret apart, Microsoft\'s endpoints and journal PLEO as defaults', () => {
    const { settings, secrets, problems } = bcFromEnv(env);
    expect(problems).toEqual([]);
    expect(secrets).toEqual({ clientSecret: 's3cret' });
    expect(settings).not.toHaveProperty('clientSecret');
    expect(parseBcSettings(settings)).toEqual({
      tenantId: env.BC_TENANT_ID,
      clientId: env.BC_CLIENT_ID,
      environment: 'sandbox',
      companyId: env.BC_COMPANY_ID,
      journalCode: 'PLEO',
      apiUrl: BC_DEFAULTS.apiUrl,
      tokenUrl: BC_DEFAULTS.tokenUrl,
    });
  });

  it('names every bad or missing variable at once', () => {
    const { problems } = bcFromEnv({ BC_TENANT_ID: 'not a tenant', BC_CLIENT_ID: 'app', BC_COMPANY_ID: 'CRONUS', BC_JOURNAL_CODE: 'FAR-TOO-LONG-CODE', BC_API_BASE_URL: 'ftp://x', BC_TOKEN_URL: 'https://user:pw@login' });
    expect(problems.map((p) => p.split(' ')[0])).toEqual(['BC_TENANT_ID', 'BC_CLIENT_ID', 'BC_ENVIRONMENT', 'BC_COMPANY_ID', 'BC_JOURNAL_CODE', 'BC_API_BASE_URL', 'BC_TOKEN_URL', 'BC_CLIENT_SECRET']);
    expect(problems.join('\n')).not.toContain('pw');
  });

  it('checks a stored connection\'s settings the same way, refusing unknown ones', () => {
    const { settings } = bcFromEnv(env);
    expect(bcSettingsProblems({ ...settings, colour: 'blue' })).toEqual(['colour: not a Business Central setting']);
    expect(() => parseBcSettings({ ...settings, companyId: 'x' })).toThrow(/BC_COMPANY_ID/);
  });
  it('takes an optional draft journal, another than the posting journal', () => {
    expect(parseBcSettings(bcFromEnv({ ...env, BC_DRAFT_JOURNAL_CODE: 'pleo-draft' }).settings).draftJournalCode).toBe('PLEO-DRAFT');
    expect(parseBcSettings(bcFromEnv(env).settings).draftJournalCode).toBeUndefined();
    expect(bcFromEnv({ ...env, BC_DRAFT_JOURNAL_CODE: 'FAR-TOO-LONG-CODE' }).problems).toEqual([expect.stringMatching(/^BC_DRAFT_JOURNAL_CODE \(draftJournalCode\): a general journal batch code/)]);
    expect(bcFromEnv({ ...env, BC_JOURNAL_CODE: 'PLEO', BC_DRAFT_JOURNAL_CODE: 'pleo' }).problems).toEqual([expect.stringMatching(/must differ from BC_JOURNAL_CODE/)]);
  });
});
