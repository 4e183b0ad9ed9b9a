import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { TEST_ENCRYPTION_KEY, adminClient, sandboxConnection } from '../support/connections';
import { killAll, processEnv, sendVendorCreated, spawnApi, spawnWorker } from '../support/e2e-processes';
import { FakePleoProcess, spawnFakePleo } from '../support/fake-pleo-process';
import { dropQueuePrefix, testDb, waitFor } from '../support/harness';
import { Spawned, assertBuilt } from '../support/processes';
import { vendorData } from '../support/sign';
import { uniquePrefix } from '../support/test-env';

/** The built processes at trace level: no connection secret in any answer or any log line. */
describe('connection secrets never appear in answers or logs (api, worker and fake Pleo as processes)', () => {
  const prefix = uniquePrefix();
  const goodKey = `good-pleo-key-${randomUUID()}`;
  const revokedKey = `revoked-pleo-key-${randomUUID()}`;
  let fake: FakePleoProcess;
  let api: Spawned;
  let worker: Spawned;
  let apiUrl: string;
  let db: Pool;

  beforeAll(async () => {
    assertBuilt();
    fake = await spawnFakePleo(goodKey);
    const common = processEnv(prefix, { LOG_LEVEL: 'trace', ENCRYPTION_KEY: TEST_ENCRYPTION_KEY, PLEO_API_BASE_URL: fake.url });
    ({ url: apiUrl, process: api } = await spawnApi(common));
    // the environment's own key is another one: the company's connection must be what works
    worker = await spawnWorker({ ...common, PLEO_API_KEY: 'the-environment-key', SYNC_BACKOFF_BASE_SECONDS: '1', EXPORT_POLL_INTERVAL_SECONDS: '3600' });
    db = testDb();
  });

  afterAll(async () => {
    await killAll([worker, api, fake?.process]);
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
    await fake.control('/_fake/vendors', data);
    const eventId = (await sendVendorCreated(apiUrl, data)).json.id;
    await waitFor(async () => (await db.query('SELECT status FROM webhook_events WHERE id = $1', [eventId])).rows[0]?.status === 'SUCCEEDED', 30_000);
    const answers = [created, refused, patched, await admin.get(id), await admin.list()].map((a) => a.text).join('\n');

    // Stopped first: log lines are written in buffered chunks (issue #14), every one of them by the exit.
    await Promise.all([api.stop('SIGTERM'), worker.stop('SIGTERM')]);
    const logs = [api.stdout(), api.stderr(), worker.stdout(), worker.stderr()].join('\n');
    expect(logs).toContain(id); // the logs did see the connection's traffic
    for (const secret of [goodKey, revokedKey, Buffer.from(`${goodKey}:`).toString('base64'), Buffer.from(`${revokedKey}:`).toString('base64'), TEST_ENCRYPTION_KEY]) {
      expect(answers).not.toContain(secret);
      expect(logs).not.toContain(secret);
    }
  });
});
