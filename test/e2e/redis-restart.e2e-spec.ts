import path from 'node:path';
import { Pool } from 'pg';
import { API_MAIN, ROOT, Spawned, WORKER_MAIN, assertBuilt, freePort, spawnNode } from '../support/processes';
import { post, testDb, waitFor } from '../support/harness';
import { signedHeaders, vendorData } from '../support/sign';
import { ThrowawayRedis } from '../support/throwaway-servers';
import { TEST_ADMIN_TOKEN, TEST_DATABASE_URL, TEST_WEBHOOK_SECRET, uniquePrefix } from '../support/test-env';

const FAKE_MAIN = path.join(ROOT, 'dist/apps/fake-pleo/src/main.js');
const FAKE_KEY = 'e2e-fake-pleo-key';

/** Redis (without persistence, so it comes back empty) restarted under both processes with work in flight. */
describe('Redis restarted under the running api and worker', () => {
  let redis: ThrowawayRedis;
  let fake: Spawned;
  let api: Spawned;
  let worker: Spawned;
  let fakeUrl: string;
  let apiUrl: string;
  let db: Pool;

  const control = (p: string, body: unknown) =>
    fetch(`${fakeUrl}${p}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const send = (data: object) => {
    const body = JSON.stringify({ data, eventType: 'v1.vendor.created', eventId: crypto.randomUUID() });
    return post(`${apiUrl}/webhooks/pleo`, body, signedHeaders(body));
  };

  beforeAll(async () => {
    assertBuilt();
    redis = await ThrowawayRedis.create();
    const [fakePort, apiPort] = [await freePort(), await freePort()];
    fakeUrl = `http://127.0.0.1:${fakePort}`;
    apiUrl = `http://127.0.0.1:${apiPort}`;
    fake = spawnNode(FAKE_MAIN, { FAKE_PLEO_PORT: String(fakePort), FAKE_PLEO_HOST: '127.0.0.1', FAKE_PLEO_API_KEY: FAKE_KEY, FAKE_PLEO_SEED_FILES: '', FAKE_PLEO_CONTROL: '1', FAKE_PLEO_FILES_PORT: String(await freePort()) });
    await fake.waitForOutput(/fake Pleo listening/);
    const common = { DATABASE_URL: TEST_DATABASE_URL, REDIS_URL: redis.url, QUEUE_PREFIX: uniquePrefix(), LOG_LEVEL: 'info' };
    api = spawnNode(API_MAIN, { ...common, PORT: String(apiPort), PLEO_WEBHOOK_SECRETS: TEST_WEBHOOK_SECRET, ADMIN_API_TOKEN: TEST_ADMIN_TOKEN });
    await api.waitForOutput(/Nest application successfully started/);
    worker = spawnNode(WORKER_MAIN, {
      ...common,
      PLEO_API_BASE_URL: fakeUrl,
      PLEO_API_KEY: FAKE_KEY,
      VENDOR_SYNC_CONCURRENCY: '1', // one in flight, the others wait in Redis (and are lost with it)
      JOB_LOCK_SECONDS: '5',
      SYNC_BACKOFF_BASE_SECONDS: '1',
      OUTBOX_SWEEP_INTERVAL_SECONDS: '2',
      OUTBOX_GRACE_SECONDS: '3',
    });
    await worker.waitForOutput(/processing vendor-sync/);
    db = testDb();
  }, 120_000);

  afterAll(async () => {
    await Promise.all([worker, api, fake].filter(Boolean).map((p) => p.stop('SIGKILL')));
    await db?.end();
    await redis?.stop();
  });

  it('both stay up; the job in flight and the jobs Redis lost all finish, each once', async () => {
    const vendors = [vendorData(), vendorData(), vendorData()];
    for (const v of vendors) await control('/_fake/vendors', v);
    await control('/_fake/faults', { operation: 'activateVendor', times: 1, delayMs: 5_000 });
    const ids: string[] = [];
    for (const v of vendors) ids.push((await send(v)).json.id);
    await waitFor(async () => ((await (await fetch(`${fakeUrl}/_fake/calls`)).json()) as any).calls.some((c: any) => c.operationId === 'activateVendor'), 30_000);

    await redis.stop(); // SIGKILL: the queued jobs are gone for good
    const during = await send(vendorData());
    expect(during.status).toBe(202); // stored, answered; queued later by the sweeper
    expect(during.json.status).toBe('RECEIVED');
    await new Promise((r) => setTimeout(r, 2_000));
    await redis.start(); // empty
    expect(api.child.exitCode).toBeNull();
    expect(worker.child.exitCode).toBeNull();

    await waitFor(async () => {
      const { rows } = await db.query<{ status: string }>('SELECT status FROM webhook_events WHERE id = ANY($1::uuid[])', [ids]);
      return rows.every((r) => r.status === 'SUCCEEDED');
    }, 120_000);
    expect(api.child.exitCode).toBeNull();
    expect(worker.child.exitCode).toBeNull();
    const calls = (await (await fetch(`${fakeUrl}/_fake/calls`)).json()) as any;
    for (const v of vendors) {
      expect(calls.activations.filter((a: any) => a.vendorId === v.id)).toHaveLength(1);
      expect((await db.query('SELECT id FROM sandbox_vendors WHERE reference = $1', [v.id])).rows).toHaveLength(1);
    }
    expect(calls.specProblems).toEqual([]);
  }, 240_000);
});
