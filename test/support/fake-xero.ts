import { randomBytes } from 'node:crypto';
import { CommonConfig } from '@app/config';
import { PrismaService } from '@app/database';
import { TokenCipher } from '@app/pleo';
import { PrismaXeroTokenStore, XeroErpAdapter, XeroTokens } from '@app/erp';
import { FakeXero, FakeXeroOptions } from '../../apps/fake-xero/src/fake-xero.server';
import { FakeXeroOrg } from '../../apps/fake-xero/src/fake-xero-org';
import { TEST_DATABASE_URL } from './test-env';

export interface XeroWorld {
  fake: FakeXero;
  org: FakeXeroOrg;
  clientId: string;
  clientSecret: string;
  seed: string;
  connectionKey: string;
  sealKey: string;
  /** one "process": its own Prisma pool, token cache and adapter on the same stored chain */
  adapter(fetchFn?: typeof fetch): { adapter: XeroErpAdapter; tokens: XeroTokens };
  close(): Promise<void>;
}

/** The fake Xero in-process with one organisation and one app, and adapters bound to it through PostgreSQL. */
export async function startXeroWorld(options: FakeXeroOptions = {}): Promise<XeroWorld> {
  const fake = new FakeXero({ control: true, ...options });
  const org = fake.addOrg();
  const clientId = `xero-client-${randomBytes(4).toString('hex')}`;
  const clientSecret = randomBytes(12).toString('hex');
  fake.identity.addClient({ clientId, clientSecret, redirectUris: ['http://localhost/callback'] });
  await fake.listen(0);
  const seed = fake.identity.issueRefreshToken(clientId, [org.tenantId]);
  const connectionKey = `test-${randomBytes(6).toString('hex')}`;
  const sealKey = randomBytes(32).toString('base64');
  const prismas: PrismaService[] = [];
  return {
    fake,
    org,
    clientId,
    clientSecret,
    seed,
    connectionKey,
    sealKey,
    adapter(fetchFn = fetch) {
      const prisma = new PrismaService({ DATABASE_URL: TEST_DATABASE_URL } as CommonConfig);
      prismas.push(prisma);
      const tokens = new XeroTokens(
        { clientId, clientSecret, grantType: 'authorization_code', initialRefreshToken: seed, identityUrl: fake.url, timeoutMs: 5_000 },
        new PrismaXeroTokenStore(prisma, new TokenCipher(sealKey), connectionKey),
      );
      return { adapter: new XeroErpAdapter({ apiUrl: fake.apiUrl, tenantId: org.tenantId, timeoutMs: 10_000 }, tokens, fetchFn), tokens };
    },
    async close() {
      await Promise.all([fake.close(), ...prismas.map((p) => p.onApplicationShutdown())]);
    },
  };
}
