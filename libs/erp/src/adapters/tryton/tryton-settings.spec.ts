import { parseTrytonSettings, trytonFromEnv, trytonSettingsProblems } from './tryton-settings';

describe('Tryton settings', () => {
  const good = { url: 'http://127.0.0.1:8000', database: 'pleo', user: 'admin' };

  it('takes the TRYTON_* environment, the password as a secret, defaults for the journals', () => {
    const { settings, secrets } = trytonFromEnv({ TRYTON_URL: good.url, TRYTON_DATABASE: 'pleo', TRYTON_USER: 'admin', TRYTON_PASSWORD: 's3cret', TRYTON_COMPANY_ID: '2' });
    expect(secrets).toEqual({ password: 's3cret' });
    expect(settings).not.toHaveProperty('password');
    expect(parseTrytonSettings(settings)).toEqual({ ...good, companyId: 2, journal: 'PLEO', invoiceJournal: 'EXP' });
  });

  it('lists every problem in words an operator can act on', () => {
    expect(trytonSettingsProblems(good)).toEqual([]);
    const problems = trytonSettingsProblems({ url: 'ftp://x', database: '', companyId: 0, journal: ' ', extra: 1 });
    expect(problems).toEqual([
      expect.stringContaining('TRYTON_URL'),
      expect.stringContaining('TRYTON_DATABASE'),
      expect.stringContaining('TRYTON_USER'),
      expect.stringContaining('TRYTON_COMPANY_ID'),
      expect.stringContaining('journal'),
      'extra: not a Tryton setting',
    ]);
    expect(trytonSettingsProblems({ ...good, url: 'http://admin:pw@host:8000' })).toEqual([expect.stringContaining('must not carry credentials')]);
    expect(() => parseTrytonSettings({ ...good, companyId: 'two' })).toThrow(/TRYTON_COMPANY_ID/);
  });
});
