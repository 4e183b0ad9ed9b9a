import { randomUUID } from 'node:crypto';
import { ConnectionOAuthAuth, ConnectionRepository, ConnectionSecrets } from '@app/connections';
import { PrismaService } from '@app/database';
import { FakePleo } from '../../apps/fake-pleo/src/fake-pleo.server';
import { TEST_ENCRYPTION_KEY } from '../support/connections';
import { startFakePleo } from '../support/fake-pleo';
import { RunningApi, dropQueuePrefix, startApi } from '../support/harness';
import { uniquePrefix } from '../support/test-env';

const CLIENT = { clientId: 'partner-app', clientSecret: `app-secret-${randomUUID()}` };

/** The database refuses the next writes of the chain (as when PostgreSQL restarts before COMMIT). */
class FlakyChainWrites extends ConnectionRepository {
  failRotate = 0;
  failCompareAndSwap = 0;
  override async rotateSecrets(...args: Parameters<ConnectionRepository['rotateSecrets']>) {
    if (this.failRotate-- > 0) throw new Error('Connection terminated unexpectedly');
    return super.rotateSecrets(...args);
  }
  override async rotateSecretsIf(...args: Parameters<ConnectionRepository['rotateSecretsIf']>) {
    if (this.failCompareAndSwap-- > 0) throw new Error("Can't reach database server");
    return super.rotateSecretsIf(...args);
  }
}

/**
 * Review finding 5: Pleo rotated the chain but writing the new refresh token failed. The token is
 * kept in memory and stored before any other refresh, so the chain is not lost. Real PostgreSQL and
 * the fake Pleo's token endpoint (which invalidates every earlier token, as Pleo does).
 */
describe('a stored connection’s Pleo chain whose write failed after Pleo rotated it', () => {
  const prefix = uniquePrefix();
  let fake: FakePleo;
  let api: RunningApi;

  beforeAll(async () => {
    fake = await startFakePleo({ oauth: { ...CLIENT, refreshToken: `seed-${randomUUID()}` } });
    api = await startApi({ QUEUE_PREFIX: prefix, ENCRYPTION_KEY: TEST_ENCRYPTION_KEY, PLEO_API_BASE_URL: fake.url });
  });
  afterAll(async () => {
    await Promise.all([api.close(), fake.close()]);
    await dropQueuePrefix(prefix);
  });

  it('is kept in memory, stored before any other refresh, and the chain goes on', async () => {
    const get = <T>(type: abstract new (...args: never[]) => T): T => api.app.get(type as never);
    const repository = new FlakyChainWrites(get(PrismaService), get(ConnectionSecrets));
    const record = await repository.create({
      companyId: randomUUID(),
      name: 'OAuth company',
      erpKind: 'sandbox',
      erpSettings: {},
      booking: { postingState: 'posted', itemConcurrency: 1 },
      pleo: { auth: 'oauth', clientId: CLIENT.clientId },
      secrets: { pleoClientSecret: CLIENT.clientSecret, pleoRefreshToken: fake.oauth!.current! },
    });
    const client = { clientId: CLIENT.clientId, tokenUrl: `${fake.url}/oauth/token`, timeoutMs: 5_000 };
    const auth = new ConnectionOAuthAuth(record.id, client, get(PrismaService), repository, get(ConnectionSecrets));
    const storedChain = async () => {
      const row = (await repository.get(record.id))!;
      return get(ConnectionSecrets).open(record.id, 'pleoRefreshToken', row.secrets.pleoRefreshToken);
    };

    repository.failRotate = 1; // the write inside the refresh transaction fails…
    repository.failCompareAndSwap = 1; // …and so does the first write of the kept chain
    await expect(auth.header()).rejects.toThrow("Can't reach database server");
    expect(fake.oauth!.refreshCount).toBe(1);

    // the database is back: the kept chain is stored, and no second refresh spends the used-up token
    await expect(auth.header()).resolves.toMatch(/^Bearer at_/);
    expect(fake.oauth!.refreshCount).toBe(1);
    expect(await storedChain()).toBe(fake.oauth!.current);

    // another process (no memory of it) goes on with the stored chain
    fake.oauth!.accessTokens.clear();
    await repository.rotateSecrets(record.id, { pleoAccessToken: JSON.stringify({ token: 'expired', expiresAt: 0 }) });
    const other = new ConnectionOAuthAuth(record.id, client, get(PrismaService), repository, get(ConnectionSecrets));
    await expect(other.header()).resolves.toMatch(/^Bearer at_/);
    expect(fake.oauth!.refreshCount).toBe(2);
  });
});
