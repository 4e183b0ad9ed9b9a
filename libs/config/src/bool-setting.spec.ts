import { ApiConfig } from './api.config';
import { loadConfig } from './load-config';

const base = {
  DATABASE_URL: 'postgresql://localhost/db',
  REDIS_URL: 'redis://localhost:6379',
  PLEO_WEBHOOK_SECRETS: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  ADMIN_API_TOKEN: 'an-admin-token-of-some-length',
};

describe('BoolSetting (METRICS_PUBLIC, QUEUE_DASHBOARD_READ_ONLY)', () => {
  it('defaults: metrics behind the token, dashboard read-only', () => {
    expect(loadConfig(ApiConfig, { ...base, METRICS_PUBLIC: '', QUEUE_DASHBOARD_READ_ONLY: '' })).toMatchObject({
      METRICS_PUBLIC: false,
      QUEUE_DASHBOARD_READ_ONLY: true,
    });
  });

  it.each([
    ['true', true],
    ['TRUE', true],
    ['false', false],
    [' False ', false],
  ])('reads %j as %s', (value, expected) => {
    expect(loadConfig(ApiConfig, { ...base, METRICS_PUBLIC: value }).METRICS_PUBLIC).toBe(expected);
  });

  it('refuses anything else with a message naming the setting', () => {
    for (const value of ['maybe', '1', 'yes']) {
      expect(() => loadConfig(ApiConfig, { ...base, QUEUE_DASHBOARD_READ_ONLY: value })).toThrow(/QUEUE_DASHBOARD_READ_ONLY must be true or false/);
    }
  });
});
