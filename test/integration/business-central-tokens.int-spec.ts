import http from 'node:http';
import { AddressInfo } from 'node:net';
import IORedis from 'ioredis';
import { BcTokens, RedisBcLock, RedisBcTokenShare } from '@app/erp';
import { TEST_REDIS_URL, uniquePrefix } from '../support/test-env';

/**
 * The Business Central token is asked for once and shared by every process (Redis, sealed under the
 * client secret); the journal lock lets one process post at a time. Real Redis, a local token
 * endpoint that counts requests and checks the client-credentials form.
 */
describe('Business Central tokens and journal lock across processes (real Redis)', () => {
  let redis: IORedis;
  let server: http.Server;
  let tokenUrl: string;
  let issued = 0;

  beforeAll(async () => {
    redis = new IORedis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const form = new URLSearchParams(body);
        const ok = req.url === '/tenant-a/oauth2/v2.0/token' && form.get('grant_type') === 'client_credentials' && form.get('scope') === 'https://api.businesscentral.dynamics.com/.default' && form.get('client_secret') === 'right';
        if (!ok) {
          res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.' }));
          return;
        }
        issued++;
        // answer slowly so concurrent askers overlap
        setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token_type: 'Bearer', expires_in: 3599, access_token: `token-${issued}` })), 100);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    tokenUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/{tenant}/oauth2/v2.0/token`;
  });

  afterAll(async () => {
    await new Promise((r) => server.close(r));
    await redis.quit();
  });

  const settings = (secret = 'right') => ({ tenantId: 'tenant-a', clientId: 'app', clientSecret: secret, tokenUrl });

  it('asks Entra once for many callers in several processes, and keeps the token sealed in Redis', async () => {
    const prefix = uniquePrefix();
    issued = 0;
    const processes = [1, 2, 3].map(() => new BcTokens(settings(), new RedisBcTokenShare(redis, prefix, 'conn-1', settings())));
    const tokens = await Promise.all(processes.flatMap((p) => [p.accessToken(), p.accessToken(), p.accessToken()]));
    expect(new Set(tokens)).toEqual(new Set(['token-1']));
    expect(issued).toBe(1);
    const keys = await redis.keys(`${prefix}:bc-token:*`);
    expect(keys).toHaveLength(1);
    expect(await redis.get(keys[0])).not.toContain('token-1');
    // a process with another secret cannot read it, and Entra refuses it: auth, no secret in the message
    const wrong = new BcTokens(settings('wrong'), new RedisBcTokenShare(redis, prefix, 'conn-1', settings('wrong')));
    const err = await wrong.accessToken().catch((e: Error & { kind?: string }) => e);
    expect(err).toMatchObject({ kind: 'auth' });
    expect((err as Error).message).toContain('invalid_client');
    expect((err as Error).message).not.toContain('wrong');
  });

  it('gets a new token after Business Central refused the cached one (401)', async () => {
    const prefix = uniquePrefix();
    issued = 0;
    const tokens = new BcTokens(settings(), new RedisBcTokenShare(redis, prefix, 'conn-2', settings()));
    const first = await tokens.accessToken();
    await tokens.invalidate(first);
    const second = await tokens.accessToken();
    expect(second).not.toBe(first);
    expect(issued).toBe(2);
  });

  it('lets one process at a time work on a journal', async () => {
    const prefix = uniquePrefix();
    const locks = [new RedisBcLock(redis, prefix), new RedisBcLock(redis, prefix)];
    let inside = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        locks[i % 2].withLock('conn:journal:PLEO', async () => {
          inside++;
          most = Math.max(most, inside);
          await new Promise((r) => setTimeout(r, 20));
          inside--;
        }),
      ),
    );
    expect(most).toBe(1);
  });
});
