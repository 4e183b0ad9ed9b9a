import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { CommonConfig } from '@app/config';
import { PrismaService } from '@app/database';
import { OAuthAuth, OAuthSettings, PleoAuthError, PleoHttp, PleoVendorsClient, TokenCipher } from '@app/pleo';
import { FakePleo } from '../../apps/fake-pleo/src/fake-pleo.server';
import { startFakePleo } from '../support/fake-pleo';
import { testDb } from '../support/harness';
import { vendorData } from '../support/sign';
import { TEST_DATABASE_URL } from '../support/test-env';

/** OAuth against the fake's token endpoint, with the token chain stored in the real PostgreSQL. */
describe('Pleo OAuth (refresh rotation, one refresh across processes, encrypted at rest)', () => {
  const clientId = `client-${randomBytes(4).toString('hex')}`;
  const seed = `rt_seed_${randomBytes(8).toString('hex')}`;
  const key = randomBytes(32).toString('base64');
  let fake: FakePleo;
  let db: Pool;
  const prismas: PrismaService[] = [];

  /** One "process": its own Prisma pool and its own in-memory token cache. */
  function process(ttlMarginMs?: number) {
    const prisma = new PrismaService({ DATABASE_URL: TEST_DATABASE_URL, DATABASE_POOL_SIZE: 4 } as CommonConfig);
    prismas.push(prisma);
    const auth = new OAuthAuth(prisma, new TokenCipher(key), {
      clientId,
      clientSecret: 'client-secret',
      refreshToken: seed,
      tokenUrl: `${fake.url}/oauth/token`,
      timeoutMs: 5_000,
      refreshMarginMs: ttlMarginMs,
    });
    const vendors = new PleoVendorsClient(new PleoHttp({ baseUrl: fake.url, timeoutMs: 5_000, maxRetries: 2, retryBaseMs: 10 }, auth));
    return { auth, vendors };
  }

  beforeAll(async () => {
    fake = await startFakePleo({ apiKey: undefined, oauth: { clientId, clientSecret: 'client-secret', refreshToken: seed, accessTokenTtlSeconds: 3600 } });
    db = testDb();
  });

  afterAll(async () => {
    await Promise.all([fake.close(), db.end(), ...prismas.map((p) => p.onApplicationShutdown())]);
  });

  it('refreshes once for many concurrent callers in several processes, and stores the rotated token encrypted', async () => {
    const vendor = vendorData();
    fake.state.addVendor(vendor as never);
    const procs = [process(), process(), process()];
    const results = await Promise.all(procs.flatMap((p) => Array.from({ length: 5 }, () => p.vendors.getVendor(vendor.id))));
    expect(results.every((v) => v?.id === vendor.id)).toBe(true);
    expect(fake.oauth!.refreshCount).toBe(1);
    expect(fake.specProblems()).toEqual([]);

    const row = (await db.query('SELECT * FROM pleo_oauth_credentials WHERE client_id = $1', [clientId])).rows[0];
    const current = fake.oauth!.current!;
    expect(JSON.stringify(row)).not.toContain(current); // never in the clear
    expect(JSON.stringify(row)).not.toContain(seed);
    expect(new TokenCipher(key).decrypt(row.refresh_token_enc, `pleo-oauth:${clientId}:refresh_token`)).toBe(current); // the rotated one, persisted
  });

  it('a new process reuses the stored access token; an expiring one is refreshed ahead of time', async () => {
    const before = fake.oauth!.refreshCount;
    await process().auth.accessToken();
    expect(fake.oauth!.refreshCount).toBe(before);
    // With a margin larger than the token's life, every token counts as about to expire.
    await process(2 * 3600 * 1000).auth.accessToken();
    expect(fake.oauth!.refreshCount).toBe(before + 1);
  });

  it('stops and asks for re-authorisation when Pleo rejects the refresh token, without hammering it', async () => {
    // Someone reuses an old refresh token: Pleo revokes the whole chain.
    expect(fake.oauth!.refresh(seed)).toBeNull();
    const p = process(2 * 3600 * 1000);
    await expect(p.auth.accessToken()).rejects.toThrow(PleoAuthError);
    await expect(p.auth.accessToken()).rejects.toThrow(/Re-authorise the app in Pleo and set the new PLEO_OAUTH_REFRESH_TOKEN/);
    const calls = fake.oauth!.refreshCount;
    await expect(process().auth.accessToken()).rejects.toThrow(PleoAuthError); // another process: same answer, no call
    expect(fake.oauth!.refreshCount).toBe(calls);
    const row = (await db.query('SELECT revoked_at, revoked_reason FROM pleo_oauth_credentials WHERE client_id = $1', [clientId])).rows[0];
    expect(row.revoked_at).not.toBeNull();
    expect(row.revoked_reason).toContain('invalid_grant');
  });
});

/** F-7, R5, S3: what must not cost the token chain, and what must say which setting is wrong. */
describe('Pleo OAuth: configuration errors, older seeds, the cipher', () => {
  const clientId = `client-${randomBytes(4).toString('hex')}`;
  const secret = 'client-secret';
  const key = randomBytes(32).toString('base64');
  let fake: FakePleo;
  let db: Pool;
  const prismas: PrismaService[] = [];
  let seed = `rt_seed_${randomBytes(8).toString('hex')}`;

  function processWith(overrides: Partial<OAuthSettings> & { key?: string } = {}) {
    const prisma = new PrismaService({ DATABASE_URL: TEST_DATABASE_URL, DATABASE_POOL_SIZE: 4 } as CommonConfig);
    prismas.push(prisma);
    return new OAuthAuth(prisma, new TokenCipher(overrides.key ?? key), {
      clientId,
      clientSecret: secret,
      refreshToken: seed,
      tokenUrl: `${fake.url}/oauth/token`,
      timeoutMs: 5_000,
      refreshMarginMs: 2 * 3600 * 1000, // every stored access token counts as expiring: each call refreshes
      ...overrides,
    });
  }
  const row = async () => (await db.query('SELECT * FROM pleo_oauth_credentials WHERE client_id = $1', [clientId])).rows[0];

  beforeAll(async () => {
    fake = await startFakePleo({ apiKey: undefined, oauth: { clientId, clientSecret: secret, refreshToken: seed, accessTokenTtlSeconds: 3600 } });
    db = testDb();
  });

  afterAll(async () => {
    await Promise.all([fake.close(), db.end(), ...prismas.map((p) => p.onApplicationShutdown())]);
  });

  it('F-7: a wrong client secret (invalid_client) is a configuration error that keeps the chain; fixing it needs no re-authorisation', async () => {
    await processWith().accessToken(); // seeded and rotated once
    const before = fake.oauth!.refreshCount;
    const wrong = processWith({ clientSecret: 'rotated-away' });
    await expect(wrong.accessToken()).rejects.toThrow(PleoAuthError);
    await expect(wrong.accessToken()).rejects.toThrow(/invalid_client.*PLEO_OAUTH_CLIENT_SECRET/s);
    expect((await row()).revoked_at).toBeNull();
    await processWith().accessToken(); // the right secret again: works, chain intact
    expect(fake.oauth!.refreshCount).toBe(before + 1);
  });

  it('F-7: a wrong token URL (404, not OAuth) is a configuration error too', async () => {
    const lost = processWith({ tokenUrl: `${fake.url}/not/the/token/endpoint` });
    await expect(lost.accessToken()).rejects.toThrow(/answered 404 .*PLEO_OAUTH_TOKEN_URL/s);
    expect((await row()).revoked_at).toBeNull();
    await expect(processWith().accessToken()).resolves.toMatch(/^at_/);
  });

  it('F-7: the client may authenticate in the form body instead of HTTP Basic', async () => {
    await expect(processWith({ clientAuth: 'form' }).accessToken()).resolves.toMatch(/^at_/);
    expect(fake.specProblems()).toEqual([]);
  });

  it('R5: a process still configured with an older seed never re-seeds the newer chain', async () => {
    const oldSeed = seed;
    // An operator re-authorises: Pleo issues a new refresh token, the new processes get it.
    seed = `rt_seed_${randomBytes(8).toString('hex')}`;
    fake.oauth!.current = seed;
    await processWith().accessToken();
    const chain = (await row()).refresh_token_enc;
    // An old process (rolling deploy, rollback) starts with the older seed: ignored, the stored chain is used.
    const old = processWith({ refreshToken: oldSeed });
    await expect(old.accessToken()).resolves.toMatch(/^at_/);
    expect((await row()).revoked_at).toBeNull();
    expect(fake.oauth!.current).toBeDefined(); // Pleo did not see an old token reused
    expect((await row()).refresh_token_enc).not.toBe(chain); // it refreshed from the chain, not the seed
    await expect(processWith().accessToken()).resolves.toMatch(/^at_/);
  });

  it('S3: tokens are stored bound to their field; a wrong ENCRYPTION_KEY says so', async () => {
    const stored = await row();
    expect(stored.refresh_token_enc).toMatch(/^v2\./);
    expect(new TokenCipher(key).decrypt(stored.refresh_token_enc, `pleo-oauth:${clientId}:refresh_token`)).toBe(fake.oauth!.current);
    expect(() => new TokenCipher(key).decrypt(stored.refresh_token_enc, `pleo-oauth:${clientId}:access_token`)).toThrow();
    const otherKey = randomBytes(32).toString('base64');
    await expect(processWith({ key: otherKey }).accessToken()).rejects.toThrow(/ENCRYPTION_KEY cannot decrypt the stored Pleo OAuth tokens/);
    expect((await row()).revoked_at).toBeNull();
  });

  it('F-7: only invalid_grant marks the chain revoked', async () => {
    fake.oauth!.current = undefined; // Pleo dropped the authorisation
    await expect(processWith().accessToken()).rejects.toThrow(/invalid_grant.*Re-authorise/s);
    expect((await row()).revoked_reason).toContain('invalid_grant');
  });
});
