import { ApiConfig } from './api.config';
import { ConfigError, loadConfig } from './load-config';
import { WorkerConfig } from './worker.config';

const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const valid = {
  DATABASE_URL: 'postgresql://postgres@db:5432/app',
  REDIS_URL: 'redis://redis:6379',
  PLEO_WEBHOOK_SECRETS: secret,
  ADMIN_API_TOKEN: 'a-long-enough-admin-token',
};

function problems(env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(ApiConfig, env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected the configuration to be rejected');
}

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    expect(loadConfig(ApiConfig, valid)).toMatchObject({
      PORT: 3000,
      PLEO_WEBHOOK_TOLERANCE_SECONDS: 300,
      WEBHOOK_BODY_LIMIT_BYTES: 1048576,
      LOG_LEVEL: 'info',
      QUEUE_PREFIX: 'pleo-erp-sync',
      PLEO_WEBHOOK_SECRETS: [secret],
    });
    expect(loadConfig(WorkerConfig, { ...valid, PLEO_API_KEY: 'key' })).toMatchObject({
      OUTBOX_SWEEP_INTERVAL_SECONDS: 30,
      OUTBOX_GRACE_SECONDS: 60,
      PLEO_API_BASE_URL: 'https://external.pleo.io',
      PLEO_OAUTH_TOKEN_URL: 'https://auth.pleo.io/oauth/token',
      ERP_ADAPTER: 'sandbox',
      SYNC_MAX_ATTEMPTS: 10,
      VENDOR_SYNC_CONCURRENCY: 5,
    });
  });

  it('parses numbers and a comma-separated secret list (newest first)', () => {
    const other = 'whsec_' + Buffer.from('another secret with 32 bytes!!!!').toString('base64');
    const config = loadConfig(ApiConfig, { ...valid, PORT: '8080', PLEO_WEBHOOK_SECRETS: ` ${other} , ${secret} ` });
    expect(config.PORT).toBe(8080);
    expect(config.PLEO_WEBHOOK_SECRETS).toEqual([other, secret]);
  });

  it('reports every problem at once, by variable name', () => {
    const list = problems({ PORT: 'eighty', PLEO_WEBHOOK_SECRETS: 'not-a-secret', LOG_LEVEL: 'loud', REDIS_URL: 'localhost' });
    const vars = list.map((p) => p.split(':')[0]);
    expect(vars.sort()).toEqual(
      ['ADMIN_API_TOKEN', 'DATABASE_URL', 'LOG_LEVEL', 'PLEO_WEBHOOK_SECRETS', 'PORT', 'REDIS_URL'].sort(),
    );
    expect(list.join('\n')).toContain('whsec_');
  });

  it('treats empty values as unset', () => {
    expect(problems({ ...valid, ADMIN_API_TOKEN: '' })).toEqual([expect.stringMatching(/^ADMIN_API_TOKEN: /)]);
    expect(loadConfig(ApiConfig, { ...valid, PORT: '' }).PORT).toBe(3000);
  });

  it('needs at least one secret and a long enough admin token', () => {
    expect(problems({ ...valid, PLEO_WEBHOOK_SECRETS: ' , ' })[0]).toMatch(/^PLEO_WEBHOOK_SECRETS: .*at least one/);
    expect(problems({ ...valid, ADMIN_API_TOKEN: 'short' })[0]).toMatch(/^ADMIN_API_TOKEN: .*16 characters/);
  });

  it('formats one message listing every problem', () => {
    try {
      loadConfig(ApiConfig, {});
    } catch (err) {
      expect((err as Error).message).toMatch(/^Invalid configuration:\n {2}- /);
      expect((err as Error).message.split('\n').length).toBeGreaterThanOrEqual(5);
    }
  });

  describe('Pleo credentials of the worker', () => {
    const key = Buffer.alloc(32, 7).toString('base64');
    const workerProblems = (env: Record<string, string>) => {
      try {
        loadConfig(WorkerConfig, { ...valid, ...env });
        return [];
      } catch (err) {
        return (err as ConfigError).problems;
      }
    };

    it('needs an API key or OAuth', () => {
      expect(workerProblems({})).toEqual([expect.stringMatching(/^PLEO_API_KEY: set it, or the OAuth settings/)]);
      expect(workerProblems({ PLEO_API_KEY: 'k' })).toEqual([]);
    });

    it('needs every OAuth setting and an encryption key, and not an API key as well', () => {
      expect(workerProblems({ PLEO_OAUTH_CLIENT_ID: 'c' }).map((p) => p.split(':')[0]).sort()).toEqual(
        ['ENCRYPTION_KEY', 'PLEO_OAUTH_CLIENT_SECRET', 'PLEO_OAUTH_REFRESH_TOKEN'].sort(),
      );
      const oauth = { PLEO_OAUTH_CLIENT_ID: 'c', PLEO_OAUTH_CLIENT_SECRET: 's', PLEO_OAUTH_REFRESH_TOKEN: 'r', ENCRYPTION_KEY: key };
      expect(workerProblems(oauth)).toEqual([]);
      expect(workerProblems({ ...oauth, PLEO_API_KEY: 'k' })).toEqual([expect.stringMatching(/^PLEO_API_KEY: set either/)]);
      expect(workerProblems({ ...oauth, ENCRYPTION_KEY: 'short' })[0]).toMatch(/^ENCRYPTION_KEY: .*32 bytes/);
    });

    it('ERP_ADAPTER=xero: names every missing or bad XERO_* value at once', () => {
      const base = { PLEO_API_KEY: 'k', ERP_ADAPTER: 'xero' };
      expect(workerProblems(base).map((p) => p.split(':')[0]).sort()).toEqual(
        ['ENCRYPTION_KEY', 'XERO_CLIENT_ID', 'XERO_CLIENT_SECRET', 'XERO_REFRESH_TOKEN', 'XERO_TENANT_ID'].sort(),
      );
      const xero = { ...base, XERO_CLIENT_ID: 'c', XERO_CLIENT_SECRET: 's', XERO_REFRESH_TOKEN: 'r', XERO_TENANT_ID: '3f8b1f1e-2a4c-4d4e-9b1a-0c2d3e4f5a6b', ENCRYPTION_KEY: key };
      expect(workerProblems(xero)).toEqual([]);
      const bad = workerProblems({ ...xero, XERO_GRANT_TYPE: 'password', XERO_TENANT_ID: 'acme', XERO_API_BASE_URL: 'ftp://x', XERO_IDENTITY_URL: 'http://u:p@h' });
      expect(bad.map((p) => p.split(':')[0]).sort()).toEqual(['XERO_API_BASE_URL', 'XERO_GRANT_TYPE', 'XERO_IDENTITY_URL', 'XERO_TENANT_ID']);
      // client_credentials (Custom Connections): no refresh token, nothing stored
      const cc = { ...base, XERO_GRANT_TYPE: 'client_credentials', XERO_CLIENT_ID: 'c', XERO_CLIENT_SECRET: 's', XERO_TENANT_ID: '3f8b1f1e-2a4c-4d4e-9b1a-0c2d3e4f5a6b' };
      expect(workerProblems(cc)).toEqual([]);
      // the variables mean nothing to another adapter
      expect(workerProblems({ PLEO_API_KEY: 'k', XERO_CLIENT_ID: 'c' })).toEqual([]);
    });
  });
});

describe('safe defaults in production (R4, S4, I2)', () => {
  const key = Buffer.alloc(32, 7).toString('base64');
  const strongToken = 'x'.repeat(40);
  const ownSecret = 'whsec_' + Buffer.from('a production secret of 32 bytes!').toString('base64');
  const prodApi = { ...valid, NODE_ENV: 'production', PLEO_WEBHOOK_SECRETS: ownSecret, ADMIN_API_TOKEN: strongToken };
  const problemsOf = (cls: new () => object, env: Record<string, string>) => {
    try {
      loadConfig(cls, env);
      return [];
    } catch (err) {
      return (err as ConfigError).problems;
    }
  };

  it('R4: refuses the demo webhook secret, the demo admin token and short admin tokens, naming each setting', () => {
    expect(problemsOf(ApiConfig, prodApi)).toEqual([]);
    const demo = problemsOf(ApiConfig, { ...prodApi, PLEO_WEBHOOK_SECRETS: secret, ADMIN_API_TOKEN: 'local-admin-token-change-me' });
    expect(demo.map((p) => p.split(':')[0])).toEqual(['PLEO_WEBHOOK_SECRETS', 'ADMIN_API_TOKEN']);
    expect(problemsOf(ApiConfig, { ...prodApi, ADMIN_API_TOKEN: 'a-long-enough-admin-token' })).toEqual([
      expect.stringMatching(/^ADMIN_API_TOKEN: must be at least 32 characters/),
    ]);
    // outside production, and in the explicit demo mode, they pass
    expect(problemsOf(ApiConfig, { ...valid, ADMIN_API_TOKEN: 'local-admin-token-change-me' })).toEqual([]);
    const demoMode = loadConfig(ApiConfig, { ...prodApi, PLEO_WEBHOOK_SECRETS: secret, DEMO_MODE: 'true' });
    expect(demoMode.startupWarnings()).toEqual([expect.stringMatching(/^DEMO_MODE=true with NODE_ENV=production/)]);
  });

  it('S4: Pleo URLs must be https, except loopback outside production or when explicitly allowed', () => {
    const worker = { ...valid, PLEO_API_KEY: 'k' };
    expect(problemsOf(WorkerConfig, { ...worker, PLEO_API_BASE_URL: 'http://127.0.0.1:4010' })).toEqual([]);
    expect(problemsOf(WorkerConfig, { ...worker, PLEO_API_BASE_URL: 'http://pleo.example.com' })).toEqual([
      expect.stringMatching(/^PLEO_API_BASE_URL: must be https/),
    ]);
    expect(problemsOf(WorkerConfig, { ...worker, PLEO_OAUTH_TOKEN_URL: 'http://localhost/token', NODE_ENV: 'production' })).toEqual([
      expect.stringMatching(/^PLEO_OAUTH_TOKEN_URL: must be https/),
    ]);
    expect(problemsOf(WorkerConfig, { ...worker, PLEO_API_BASE_URL: 'http://fake-pleo:4010', ALLOW_INSECURE_HTTP: 'true' })).toEqual([]);
    expect(problemsOf(WorkerConfig, { ...worker, PLEO_API_BASE_URL: 'http://fake-pleo:4010', DEMO_MODE: 'true' })).toEqual([]);
  });

  it('F-7: warns when the API and the token endpoint are different Pleo environments', () => {
    const oauth = { ...valid, PLEO_OAUTH_CLIENT_ID: 'c', PLEO_OAUTH_CLIENT_SECRET: 's', PLEO_OAUTH_REFRESH_TOKEN: 'r', ENCRYPTION_KEY: key };
    const mixed = loadConfig(WorkerConfig, { ...oauth, PLEO_API_BASE_URL: 'https://external.staging.pleo.io' });
    expect(mixed.startupWarnings()).toEqual([expect.stringContaining("PLEO_API_BASE_URL is Pleo's staging environment")]);
    expect(loadConfig(WorkerConfig, oauth).startupWarnings()).toEqual([]);
  });

  it('I2: a webhook secret with broken base64 is a configuration error, not a crash', () => {
    expect(problemsOf(ApiConfig, { ...valid, PLEO_WEBHOOK_SECRETS: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS' })).toEqual([
      expect.stringMatching(/^PLEO_WEBHOOK_SECRETS: whsec_MfKQ… is not valid base64/),
    ]);
  });

  it('O2: DATABASE_POOL_SIZE must cover the configured concurrency', () => {
    const worker = { ...valid, PLEO_API_KEY: 'k' };
    expect(problemsOf(WorkerConfig, worker)).toEqual([]);
    expect(problemsOf(WorkerConfig, { ...worker, DATABASE_POOL_SIZE: '20', VENDOR_SYNC_CONCURRENCY: '10' })).toEqual([
      expect.stringMatching(/^DATABASE_POOL_SIZE: 20 is too small .* needs at least 30/),
    ]);
    expect(problemsOf(WorkerConfig, { ...worker, DATABASE_POOL_SIZE: '20', VENDOR_SYNC_CONCURRENCY: '10', WORKER_QUEUES: 'vendor-sync' })).toEqual([]);
  });
});
