import { API_MAIN, Spawned, assertBuilt, freePort, spawnNode } from '../support/processes';
import { waitFor } from '../support/harness';
import { TEST_ADMIN_TOKEN, TEST_DATABASE_URL, TEST_REDIS_URL, TEST_WEBHOOK_SECRET, uniquePrefix } from '../support/test-env';

describe('the built api on SIGTERM (O3)', () => {
  let api: Spawned | undefined;

  afterAll(async () => {
    await api?.stop('SIGKILL');
  });

  it('O3: /health/ready answers 503 as soon as SIGTERM arrives, before the api closes, then it exits 0', async () => {
    assertBuilt();
    const port = await freePort();
    const ready = `http://127.0.0.1:${port}/health/ready`;
    api = spawnNode(API_MAIN, {
      DATABASE_URL: TEST_DATABASE_URL,
      REDIS_URL: TEST_REDIS_URL,
      PLEO_WEBHOOK_SECRETS: TEST_WEBHOOK_SECRET,
      ADMIN_API_TOKEN: TEST_ADMIN_TOKEN,
      QUEUE_PREFIX: uniquePrefix(),
      PORT: String(port),
      PLEO_API_KEY: 'not-used-here',
      PLEO_API_BASE_URL: 'http://127.0.0.1:9',
      SHUTDOWN_DRAIN_SECONDS: '8',
    });
    await api.waitForOutput(/Nest application successfully started/);
    expect((await fetch(ready)).status).toBe(200);

    api.child.kill('SIGTERM');
    const stopping = await waitFor(async () => {
      const res = await fetch(ready);
      return res.status === 503 ? res : undefined;
    }, 6_000);
    expect(await stopping.json()).toEqual({ status: 'shutting-down' });
    expect((await fetch(`http://127.0.0.1:${port}/health/live`)).status).toBe(200); // still serving
    api.child.kill('SIGTERM'); // repeated: the drain goes on
    expect(await api.exited).toBe(0);
  }, 30_000);
});
