import { randomBytes, randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { TokenCipher } from '@app/pleo';
import { ErpError, ExpenseEntry } from '@app/erp';
import { CommonConfig } from '@app/config';
import { PrismaService } from '@app/database';
import { PrismaXeroTokenStore, XeroErpAdapter, XeroTokens, xeroTokenAad } from '@app/erp';
import { startXeroWorld, XeroWorld } from '../support/fake-xero';
import { testDb } from '../support/harness';
import { TEST_DATABASE_URL } from '../support/test-env';

const ctx = { correlationId: 'test' };

const entry = (over: Partial<ExpenseEntry> = {}): ExpenseEntry => ({
  reference: `ae-${randomUUID()}`,
  mode: 'journal',
  state: 'posted',
  date: '2026-05-01',
  description: 'Coffee',
  total: { value: '12.00', currency: 'GBP' },
  contraAccount: '090',
  lines: [{ account: '429', net: { value: '10.00', currency: 'GBP' }, tax: { code: 'INPUT2', amount: { value: '2.00', currency: 'GBP' }, mode: 'exclusive' } }],
  ...over,
});

const errorOf = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as ErpError);

describe('Xero: limits, token rotation across processes, batches', () => {
  let world: XeroWorld;
  let db: Pool;

  beforeEach(async () => {
    world = await startXeroWorld();
  }, 60_000);

  afterEach(async () => {
    expect(world.fake.specProblems()).toEqual([]);
    await world.close();
  });

  beforeAll(() => (db = testDb()));
  afterAll(() => db.end());

  it('refreshes once for two adapters (two token caches, two pools) on one rotating chain, stores it sealed, and refreshes again once after Xero rejects the token', async () => {
    const a = world.adapter();
    const b = world.adapter();
    await Promise.all([a.adapter.verifyConnection(ctx), b.adapter.verifyConnection(ctx), a.adapter.verifyConnection(ctx), b.adapter.verifyConnection(ctx)]);
    expect(world.fake.identity.grants.filter((g) => g.type === 'refresh_token')).toHaveLength(1);

    const row = (await db.query('SELECT * FROM xero_oauth_credentials WHERE connection_key = $1', [world.connectionKey])).rows[0];
    expect(JSON.stringify(row)).not.toContain(world.seed);
    const cipher = new TokenCipher(world.sealKey);
    const current = cipher.decrypt(row.refresh_token_enc, xeroTokenAad(world.connectionKey, 'refresh_token'));
    // bound to its connection and field: it does not open as another connection's
    expect(() => cipher.decrypt(row.refresh_token_enc, xeroTokenAad('another', 'refresh_token'))).toThrow();
    expect(current).not.toBe(world.seed); // rotated, and the rotated one is what is kept

    world.fake.identity.expireAccessTokens(); // Xero now answers 401 to both caches' token
    await Promise.all([a.adapter.verifyConnection(ctx), b.adapter.verifyConnection(ctx)]);
    expect(world.fake.identity.grants.filter((g) => g.type === 'refresh_token')).toHaveLength(2);
    expect(world.fake.calls.filter((c) => c.status === 401).length).toBeGreaterThan(0);

    // a restarted process, configured with the same (now dead) first link, keeps the rotated chain
    const restarted = world.adapter();
    world.fake.identity.expireAccessTokens();
    await expect(restarted.adapter.verifyConnection(ctx)).resolves.toBeUndefined();
    expect(world.fake.identity.grants.filter((g) => g.type === 'refresh_token')).toHaveLength(3);
  }, 60_000);

  it('tokens sealed under another ENCRYPTION_KEY: the same first link fails naming the key; a new first link starts a new chain', async () => {
    await world.adapter().adapter.verifyConnection(ctx); // the chain is stored, sealed with world.sealKey
    const prisma = new PrismaService({ DATABASE_URL: TEST_DATABASE_URL } as CommonConfig);
    try {
      const otherKey = new TokenCipher(randomBytes(32).toString('base64'));
      const adapterWith = (seed: string) =>
        new XeroErpAdapter(
          { apiUrl: world.fake.apiUrl, tenantId: world.org.tenantId },
          new XeroTokens({ clientId: world.clientId, clientSecret: world.clientSecret, grantType: 'authorization_code', initialRefreshToken: seed, identityUrl: world.fake.url }, new PrismaXeroTokenStore(prisma, otherKey, world.connectionKey)),
        );
      const err = await errorOf(adapterWith(world.seed).verifyConnection(ctx));
      expect(err).toMatchObject({ kind: 'configuration', message: expect.stringContaining('ENCRYPTION_KEY') });
      const refreshes = world.fake.identity.grants.filter((g) => g.type === 'refresh_token').length;
      const reconnected = world.fake.identity.issueRefreshToken(world.clientId, [world.org.tenantId]);
      await expect(adapterWith(reconnected).verifyConnection(ctx)).resolves.toBeUndefined();
      expect(world.fake.identity.grants.filter((g) => g.type === 'refresh_token')).toHaveLength(refreshes + 1);
    } finally {
      await prisma.onApplicationShutdown();
    }
  }, 60_000);

  it('a refused refresh token (invalid_grant) asks for re-authorisation and is not retried', async () => {
    const { adapter } = world.adapter();
    // someone else used the first link: it is dead
    await fetch(`${world.fake.url}/connect/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${world.clientId}:${world.clientSecret}`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: world.seed }).toString(),
    });
    const err = await errorOf(adapter.verifyConnection(ctx));
    expect(err).toMatchObject({ kind: 'auth', retryable: false });
    expect(err!.message).toMatch(/reconnected.*invalid_grant/);
    const grants = world.fake.identity.grants.length;
    expect(await errorOf(world.adapter().adapter.verifyConnection(ctx))).toMatchObject({ kind: 'auth' });
    expect(world.fake.identity.grants.length).toBe(grants); // the dead token is not tried again
  }, 60_000);

  it('connect flow (authorize → code → token → connections) and a Custom Connection (client_credentials, no stored chain)', async () => {
    const authorize = new URL(`${world.fake.url}/identity/connect/authorize`);
    Object.entries({ response_type: 'code', client_id: world.clientId, redirect_uri: 'http://localhost/callback', scope: 'offline_access accounting.transactions', state: 's1' }).forEach(([k, v]) => authorize.searchParams.set(k, v));
    const consent = await fetch(authorize, { redirect: 'manual' });
    const back = new URL(consent.headers.get('location')!);
    expect(back.searchParams.get('state')).toBe('s1');
    const basic = `Basic ${Buffer.from(`${world.clientId}:${world.clientSecret}`).toString('base64')}`;
    const token = await fetch(`${world.fake.url}/connect/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: back.searchParams.get('code')!, redirect_uri: 'http://localhost/callback' }).toString(),
    }).then((r) => r.json() as Promise<Record<string, string>>);
    expect(token).toMatchObject({ expires_in: 1800, token_type: 'Bearer', refresh_token: expect.any(String) });
    const tenants = await fetch(`${world.fake.url}/connections`, { headers: { authorization: `Bearer ${token.access_token}` } }).then((r) => r.json());
    expect(tenants).toEqual([expect.objectContaining({ tenantId: world.org.tenantId, tenantType: 'ORGANISATION' })]);

    world.fake.identity.addClient({ clientId: 'custom', clientSecret: 'custom-secret', customConnectionTenantId: world.org.tenantId });
    const tokens = new XeroTokens({ clientId: 'custom', clientSecret: 'custom-secret', grantType: 'client_credentials', identityUrl: world.fake.url, scopes: 'accounting.transactions' }, null);
    const adapter = new XeroErpAdapter({ apiUrl: world.fake.apiUrl, tenantId: world.org.tenantId }, tokens);
    await adapter.verifyConnection(ctx);
    await adapter.verifyConnection(ctx);
    expect(world.fake.identity.grants.filter((g) => g.type === 'client_credentials')).toHaveLength(1);
  }, 60_000);

  it('refuses a manual journal in a currency other than the base currency, before writing', async () => {
    const { adapter } = world.adapter();
    const err = await errorOf(adapter.postExpense(entry({ contraAccount: '814', total: { value: '12.00', currency: 'EUR' } }), ctx));
    expect(err).toMatchObject({ kind: 'validation' });
    expect(err!.message).toContain('base currency (GBP)');
    expect(world.fake.callsTo('createManualJournals')).toHaveLength(0);
  }, 60_000);

  it("Xero's own minute, day and concurrency limits answer 429 with the wait and the problem; the adapter reports rate_limited", async () => {
    const { adapter } = world.adapter();
    world.fake.limits.settings.perMinute = 2;
    await adapter.verifyConnection(ctx);
    await adapter.verifyConnection(ctx);
    const minute = await errorOf(adapter.verifyConnection(ctx));
    expect(minute).toMatchObject({ kind: 'rate_limited' });
    expect(minute!.retryAfterMs).toBeGreaterThan(50_000);
    expect(world.fake.limits.refusals.minute).toBe(1);

    Object.assign(world.fake.limits.settings, { perMinute: 1000, perDay: 2 });
    const day = await errorOf(adapter.verifyConnection(ctx));
    expect(day).toMatchObject({ kind: 'rate_limited' });
    expect(day!.retryAfterMs).toBeGreaterThan(3_600_000);

    Object.assign(world.fake.limits.settings, { perDay: 5000, concurrent: 2 });
    world.fake.latencyMs = 300;
    const results = await Promise.all([1, 2, 3].map(() => errorOf(adapter.verifyConnection(ctx))));
    expect(results.filter((r) => r?.kind === 'rate_limited')).toHaveLength(1);
    expect(world.fake.limits.refusals.concurrent).toBe(1);
    const last = world.fake.calls.filter((c) => c.status === 200).at(-1);
    expect(last).toBeDefined();
  }, 60_000);

  it('posts a batch in one call with summarizeErrors=false: one result per entry, element errors fail only their entry', async () => {
    const { adapter } = world.adapter();
    const good = [entry(), entry(), entry({ contraAccount: '814' })];
    const bad = entry({ lines: [{ account: '999', net: { value: '10.00', currency: 'GBP' } }], total: { value: '10.00', currency: 'GBP' } });
    const results = await adapter.postExpenses([good[0], bad, good[1], good[2]], ctx);
    expect(results.map((r) => r.reference)).toEqual([good[0].reference, bad.reference, good[1].reference, good[2].reference]);
    expect(results.map((r) => ('posted' in r ? r.posted.id.split(':')[0] : r.error.kind))).toEqual(['spend', 'unknown_reference', 'spend', 'journal']);
    expect('error' in results[1] && results[1].error.message).toContain("'999'");
    expect(world.fake.callsTo('createBankTransactions')).toHaveLength(1);
    expect(world.org.bankTransactions.size).toBe(2);
    // the same batch again is replayed by Xero from its key: nothing doubled
    await adapter.postExpenses([good[0], bad, good[1]], ctx).catch(() => undefined);
    expect(world.org.bankTransactions.size).toBe(2);
  }, 60_000);
});
