import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { Pool } from 'pg';
import { TEST_ENCRYPTION_KEY, adminClient, sandboxConnection } from '../support/connections';
import { dropQueuePrefix, post, testDb, waitFor } from '../support/harness';
import { API_MAIN, ROOT, Spawned, WORKER_MAIN, assertBuilt, freePort, spawnNode } from '../support/processes';
import { signedHeaders, vendorData } from '../support/sign';
import { TEST_ADMIN_TOKEN, TEST_DATABASE_URL, TEST_REDIS_URL, TEST_WEBHOOK_SECRET, uniquePrefix } from '../support/test-env';

const FAKE_MAIN = path.join(ROOT, 'dist/apps/fake-pleo/src/main.js');

/** The built processes at trace level: no connection secret in any answer or any log line. */
describe('connection secrets never appear in answers or logs (api, worker and fake Pleo as processes)', () => {
  const prefix = uniquePrefix();
  const goodKey = `good-pleo-key-${randomUUID()}`;
  const revokedKey = `revoked-pleo-key-${randomUUID()}`;
  let fake: Spawned;
  let api: Spawned;
  let worker: Spawned;
  let fakeUrl: string;
  let apiUrl: string;
  let db: Pool;

  beforeAll(async () => {
    assertBuilt();
    const [fakePort, apiPort] = [await freePort(), await freePort()];
    fakeUrl = `http://127.0.0.1:${fakePort}`;
    apiUrl = `http://127.0.0.1:${apiPort}`;
    fake = spawnNode(FAKE_MAIN, { FAKE_PLEO_PORT: String(fakePort), FAKE_PLEO_HOST: '127.0.0.1', FAKE_PLEO_API_KEY: goodKey, FAKE_PLEO_SEED_FILES: '', FAKE_PLEO_CONTROL: '1', FAKE_PLEO_FILES_PORT: String(await freePort()) });
    await fake.waitForOutput(/fake Pleo listening/);
    const common = { DATABASE_URL: TEST_DATABASE_URL, REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: prefix, LOG_LEVEL: 'trace', ENCRYPTION_KEY: TEST_ENCRYPTION_KEY, PLEO_API_BASE_URL: fakeUrl };
    api = spawnNode(API_MAIN, { ...common, PORT: String(apiPort), PLEO_WEBHOOK_SECRETS: TEST_WEBHOOK_SECRET, ADMIN_API_TOKEN: TEST_ADMIN_TOKEN });
    await api.waitForOutput(/Nest application successfully started/);
    // the environment's own key is another one: the company's connection must be what works
    worker = spawnNode(WORKER_MAIN, { ...common, PLEO_API_KEY: 'the-environment-key', SYNC_BACKOFF_BASE_SECONDS: '1', EXPORT_POLL_INTERVAL_SECONDS: '3600' });
    await worker.waitForOutput(/processing vendor-sync/);
    db = testDb();
  });

  afterAll(async () => {
    await Promise.all([worker, api, fake].filter(Boolean).map((p) => p.stop('SIGKILL')));
    await db?.end();
    await dropQueuePrefix(prefix);
  });

  it('a refused key, a replaced key and a sync: the keys show up nowhere', async () => {
    const admin = adminClient(apiUrl);
    const companyId = randomUUID();
    const created = await admin.create(sandboxConnection(companyId, revokedKey));
    const id = created.json.data.id;
    const refused = await admin.verify(id);
    expect(refused.json.data.status).toBe('needs_reauthorisation');
    const patched = await admin.patch(id, { secrets: { pleoApiKey: goodKey } });
    expect(patched.json.data.status).toBe('active');

    const data = vendorData({ companyId });
    await fetch(`${fakeUrl}/_fake/vendors`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(data) });
    const body = JSON.stringify({ data, eventType: 'v1.vendor.created', eventId: randomUUID() });
    const eventId = (await post(`${apiUrl}/webhooks/pleo`, body, signedHeaders(body))).json.id;
    await waitFor(async () => (await db.query('SELECT status FROM webhook_events WHERE id = $1', [eventId])).rows[0]?.status === 'SUCCEEDED', 30_000);
    const answers = [created, refused, patched, await admin.get(id), await admin.list()].map((a) => a.text).join('\n');

    const logs = [api.stdout(), api.stderr(), worker.stdout(), worker.stderr()].join('\n');
    expect(logs).toContain(id); // the logs did see the connection's traffic
    for (const secret of [goodKey, revokedKey, Buffer.from(`${goodKey}:`).toString('base64'), Buffer.from(`${revokedKey}:`).toString('base64'), TEST_ENCRYPTION_KEY]) {
      expect(answers).not.toContain(secret);
      expect(logs).not.toContain(secret);
    }
  });
});
