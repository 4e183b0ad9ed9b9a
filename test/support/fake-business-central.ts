import { randomBytes, randomUUID } from 'node:crypto';
import type IORedis from 'ioredis';
import { BcLock, BcTokens, BusinessCentralErpAdapter, LocalBcLock, RedisBcLock, bcFromEnv, parseBcSettings } from '@app/erp';
import { dropQueuePrefix } from './harness';
import { BcCompany } from '../../apps/fake-business-central/src/bc-company';
import { companyState } from '../../apps/fake-business-central/src/bc-control';
import { FakeBusinessCentral, FakeBusinessCentralOptions } from '../../apps/fake-business-central/src/fake-business-central.server';

export interface BusinessCentralWorld {
  fake: FakeBusinessCentral;
  company: BcCompany;
  tenantId: string;
  environment: string;
  clientId: string;
  clientSecret: string;
  /** the BC_* settings that point the service at this fake */
  env: Record<'BC_TENANT_ID' | 'BC_CLIENT_ID' | 'BC_CLIENT_SECRET' | 'BC_ENVIRONMENT' | 'BC_COMPANY_ID' | 'BC_JOURNAL_CODE' | 'BC_API_BASE_URL' | 'BC_TOKEN_URL', string>;
  /** …/api/v2.0/companies({id}) */
  companyUrl: string;
  /** a fresh access token (client credentials) */
  token(): Promise<string>;
  /** …/api/v2.0 (the service root: `$batch` and the relative URLs inside it start here) */
  serviceRoot: string;
  /** `POST …/api/v2.0/$batch` (JSON batch) with a token; `body` is sent as given */
  batch(body: unknown, headers?: Record<string, string>): Promise<Response>;
  /** a request to the company's API with a token (JSON body unless a Buffer) */
  request(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Response>;
  /** the company's state incl. ledgers the API does not show */
  state(): ReturnType<typeof companyState>;
  /** every malformed request seen (tests assert there are none) */
  violations(): string[];
  close(): Promise<void>;
}

/** The fake Business Central in-process with one tenant, environment, company and Entra app, on a free port. */
export async function startBusinessCentral(options: FakeBusinessCentralOptions & { journalCode?: string } = {}): Promise<BusinessCentralWorld> {
  const fake = new FakeBusinessCentral({ control: true, ...options });
  const tenantId = randomUUID();
  const environment = 'sandbox';
  const journalCode = options.journalCode ?? 'PLEO';
  const company = fake.addCompany(tenantId, environment, new BcCompany(undefined, 'CRONUS Test', journalCode));
  const clientId = randomUUID();
  const clientSecret = randomBytes(18).toString('base64url');
  fake.identity.addClient({ clientId, clientSecret, tenantId });
  await fake.listen(0);
  const serviceRoot = `${fake.apiBaseUrl}/${tenantId}/${environment}/api/v2.0`;
  const companyUrl = `${serviceRoot}/companies(${company.id})`;
  const token = async () => {
    const res = await fetch(fake.tokenUrl(tenantId), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, scope: 'https://api.businesscentral.dynamics.com/.default' }),
    });
    if (!res.ok) throw new Error(`token: ${res.status} ${await res.text()}`);
    return ((await res.json()) as { access_token: string }).access_token;
  };
  let cached: string | undefined;
  return {
    fake,
    company,
    tenantId,
    environment,
    clientId,
    clientSecret,
    env: {
      BC_TENANT_ID: tenantId,
      BC_CLIENT_ID: clientId,
      BC_CLIENT_SECRET: clientSecret,
      BC_ENVIRONMENT: environment,
      BC_COMPANY_ID: company.id,
      BC_JOURNAL_CODE: journalCode,
      BC_API_BASE_URL: fake.apiBaseUrl,
      BC_TOKEN_URL: fake.tokenUrlTemplate,
    },
    companyUrl,
    serviceRoot,
    token,
    async batch(body, headers = {}) {
      cached ??= await token();
      return fetch(`${serviceRoot}/$batch`, { method: 'POST', headers: { authorization: `Bearer ${cached}`, 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    },
    async request(method, path, body, headers = {}) {
      cached ??= await token();
      const isRaw = Buffer.isBuffer(body);
      return fetch(`${companyUrl}${path.startsWith('/') || path.startsWith('?') ? '' : '/'}${path}`, {
        method,
        headers: { authorization: `Bearer ${cached}`, ...(body !== undefined && { 'content-type': isRaw ? 'application/octet-stream' : 'application/json' }), ...headers },
        body: body === undefined ? undefined : isRaw ? new Uint8Array(body) : JSON.stringify(body),
      });
    },
    state: () => companyState(company),
    violations: () => fake.violations.map((v) => `${v.method} ${v.path}: ${v.problem}`),
    close: () => fake.close(),
  };
}

/** An adapter on the fake as a fresh worker process has it: its own token cache and lock (no Redis unless a lock is given). */
export function bcAdapter(world: BusinessCentralWorld, fetchFn: typeof fetch = fetch, connectionKey = 'test', lock: BcLock = new LocalBcLock()): BusinessCentralErpAdapter {
  const { settings, secrets } = bcFromEnv(world.env);
  const s = parseBcSettings(settings);
  const tokens = new BcTokens({ tenantId: s.tenantId, clientId: s.clientId, clientSecret: secrets.clientSecret, tokenUrl: s.tokenUrl }, null);
  return new BusinessCentralErpAdapter(s, { tokens, fetch: fetchFn, lock, connectionKey });
}

/** The same with the Redis journal lock every worker shares (under `prefix`). */
export const redisBcAdapter = (world: BusinessCentralWorld, redis: IORedis, prefix: string, fetchFn: typeof fetch = fetch, connectionKey = 'test') =>
  bcAdapter(world, fetchFn, connectionKey, new RedisBcLock(redis, prefix));

/** afterAll of a spec on the fake with Redis: no schema violations seen, the fake closed, the Redis keys under `prefix` gone. */
export async function closeBcWorld(world: BusinessCentralWorld | undefined, redis: IORedis, prefix: string): Promise<void> {
  if (world) expect(world.violations()).toEqual([]);
  await world?.close();
  await redis.quit();
  await dropQueuePrefix(prefix);
}
