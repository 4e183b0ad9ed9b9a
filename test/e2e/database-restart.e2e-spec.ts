import path from 'node:path';
import { Pool } from 'pg';
import { API_MAIN, ROOT, Spawned, WORKER_MAIN, assertBuilt, freePort, spawnNode } from '../support/processes';
import { dropQueuePrefix, post, waitFor } from '../support/harness';
import { signedHeaders, vendorData } from '../support/sign';
import { ThrowawayPostgres } from '../support/throwaway-servers';
import { TEST_ADMIN_TOKEN, TEST_REDIS_URL, TEST_WEBHOOK_SECRET, uniquePrefix } from '../support/test-env';

const FAKE_MAIN = path.join(ROOT, 'dist/apps/fake-pleo/src/main.js');
const FAKE_KEY = 'e2e-fake-pleo-key';

/**
 * Issue #8's symptom: `pg_ctl stop -m fast` + start under both processes (a minor upgrade, a
 * failover) used to kill the worker with an unhandled 'error' (57P01) from the pg client holding a
 * vendor's advisory lock. On a PostgreSQL of the test's own: the shared one must never restart.
 */
describe('PostgreSQL restarted under the running api and worker', () => {
  const prefix = uniquePrefix();
  let pg: ThrowawayPostgres;
  let fake: Spawned;
  let api: Spawned;
  let worker: Spawned;
  let fakeUrl: string;
  let apiUrl: string;
  let db: Pool;

  const fakeJson = async (p: string, init?: RequestInit) => (await fetch(`${fakeUrl}${p}`, init)).json() as Promise<any>;
  const control = (p: string, body: unknown) =>
    fetch(`${fakeUrl}${p}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const send = (data: object) => {
    const body = JSON.stringify({ data, eventType: 'v1.vendor.created', eventId: crypto.randomUUID() });
    return post(`${apiUrl}/webhooks/pleo`, body, signedHeaders(body));
  };

  beforeAll(async () => {
    assertBuilt();
    pg = await ThrowawayPostgres.create();
    const [fakePort, apiPort] = [await freePort(), await freePort()];
    fakeUrl = `http://127.0.0.1:${fakePort}`;
    apiUrl = `http://127.0.0.1:${apiPort}`;
    fake = spawnNode(FAKE_MAIN, { FAKE_PLEO_PORT: String(fakePort), FAKE_PLEO_HOST: '127.0.0.1', FAKE_PLEO_API_KEY: FAKE_KEY, FAKE_PLEO_SEED_FILES: '', FAKE_PLEO_CONTROL: '1', FAKE_PLEO_FILES_PORT: String(await freePort()) });
    await fake.waitForOutput(/fake Pleo listening/);
    const common = { DATABASE_URL: pg.url, REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: prefix, LOG_LEVEL: 'info' };
    api = spawnNode(API_MAIN, { ...common, PORT: String(apiPort), PLEO_WEBHOOK_SECRETS: TEST_WEBHOOK_SECRET, ADMIN_API_TOKEN: TEST_ADMIN_TOKEN });
    await api.waitForOutput(/Nest application successfully started/);
    worker = spawnNode(WORKER_MAIN, {
      ...common,
      PLEO_API_BASE_URL: fakeUrl,
      PLEO_API_KEY: FAKE_KEY,
      JOB_LOCK_SECONDS: '5',
      SYNC_BACKOFF_BASE_SECONDS: '1',
      SYNC_BACKOFF_MAX_SECONDS: '3',
      OUTBOX_SWEEP_INTERVAL_SECONDS: '2',
      OUTBOX_GRACE_SECONDS: '5',
      WORKER_HEALTH_PORT: '0',
    });
    await worker.waitForOutput(/processing vendor-sync/);
    db = new Pool({ connectionString: pg.url, max: 2 });
    db.on('error', () => undefined); // this test's own connections die with the restart too
  }, 120_000);

  afterAll(async () => {
    await Promise.all([worker, api, fake].filter(Boolean).map((p) => p.stop('SIGKILL')));
    await db?.end().catch(() => undefined);
    await pg?.destroy();
    await dropQueuePrefix(prefix);
  });

  it('both processes stay up, the vendors in flight finish after recovery, each once', async () => {
    const vendors = [vendorData(), vendorData(), vendorData()];
    for (const v of vendors) await control('/_fake/vendors', v);
    // Pleo holds each activation while the worker holds the vendor's lock (a checked-out client).
    await control('/_fake/faults', { operation: 'activateVendor', times: vendors.length, delayMs: 6_000 });
    const ids: string[] = [];
    for (const v of vendors) {
      const res = await send(v);
      expect(res.status).toBe(202);
      ids.push(res.json.id);
    }
    await waitFor(async () => (await fakeJson('/_fake/calls')).calls.filter((c: any) => c.operationId === 'activateVendor').length === vendors.length, 30_000);

    await pg.stop('fast');
    // While it is down: the api says 503 (Pleo retries), nobody exits.
    const during = await send(vendorData());
    expect(during.status).toBe(503);
    await new Promise((r) => setTimeout(r, 3_000));
    expect(api.child.exitCode).toBeNull();
    expect(worker.child.exitCode).toBeNull();
    await pg.start();

    await waitFor(async () => {
      const { rows } = await db.query<{ status: string }>('SELECT status FROM webhook_events WHERE id = ANY($1::uuid[])', [ids]).catch(() => ({ rows: [] }));
      return rows.length === ids.length && rows.every((r) => r.status === 'SUCCEEDED');
    }, 90_000);
    expect(api.child.exitCode).toBeNull();
    expect(worker.child.exitCode).toBeNull();
    expect(worker.stdout() + worker.stderr()).toMatch(/database connection lost/);

    const calls = await fakeJson('/_fake/calls');
    for (const v of vendors) {
      expect(calls.activations.filter((a: any) => a.vendorId === v.id)).toHaveLength(1);
      expect((await db.query('SELECT id FROM sandbox_vendors WHERE reference = $1', [v.id])).rows).toHaveLength(1);
      expect((await db.query('SELECT activated_at FROM vendor_links WHERE pleo_vendor_id = $1', [v.id])).rows).toHaveLength(1);
    }
    expect(calls.specProblems).toEqual([]);
    // and the api takes webhooks again; both report ready
    expect((await send(vendorData())).status).toBe(202);
    expect((await fetch(`${apiUrl}/health/ready`)).status).toBe(200);
    const healthPort = /health endpoints on port (\d+)/.exec(worker.stdout())?.[1];
    await waitFor(async () => (await fetch(`http://127.0.0.1:${healthPort}/health/ready`)).status === 200, 30_000);
  }, 180_000);
});
