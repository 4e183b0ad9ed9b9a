import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { CommonConfig } from '@app/config';
import { PrismaService } from '@app/database';
import { OAuthAuth, PleoAuthError, PleoHttp, PleoVendorsClient, TokenCipher } from '@app/pleo';
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
    const prisma = new PrismaService({ DATABASE_URL: TEST_DATABASE_URL } as CommonConfig);
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
    expect(new TokenCipher(key).decrypt(row.refresh_token_enc)).toBe(current); // the rotated one, persisted
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
