import { Pool } from 'pg';
import { Spawned, assertBuilt } from '../support/processes';
import { FakePleoProcess, spawnFakePleo } from '../support/fake-pleo-process';
import { killAll, processEnv, sendVendorCreated, spawnApi, spawnWorker } from '../support/e2e-processes';
import { dropQueuePrefix, waitFor } from '../support/harness';
import { vendorData } from '../support/sign';
import { ThrowawayPostgres } from '../support/throwaway-servers';
import { uniquePrefix } from '../support/test-env';

const FAKE_KEY = 'e2e-fake-pleo-key';

/**
 * Issue #8's symptom: `pg_ctl stop -m fast` + start under both processes (a minor upgrade, a
 * failover) used to kill the worker with an unhandled 'error' (57P01) from the pg client holding a
 * vendor's advisory lock. On a PostgreSQL of the test's own: the shared one must never restart.
 */
describe('PostgreSQL restarted under the running api and worker', () => {
  const prefix = uniquePrefix();
  let pg: ThrowawayPostgres;
  let fake: FakePleoProcess;
  let api: Spawned;
  let worker: Spawned;
  let apiUrl: string;
  let db: Pool;

  const fakeJson = (p: string) => fake.control(p);
  const control = (p: string, body: unknown) => fake.control(p, body);
  const send = (data: object) => sendVendorCreated(apiUrl, data);

  beforeAll(async () => {
    assertBuilt();
    pg = await ThrowawayPostgres.create();
    fake = await spawnFakePleo(FAKE_KEY);
    const common = processEnv(prefix, { DATABASE_URL: pg.url });
    ({ url: apiUrl, process: api } = await spawnApi(common));
    worker = await spawnWorker({
      ...common,
      PLEO_API_BASE_URL: fake.url,
      PLEO_API_KEY: FAKE_KEY,
      JOB_LOCK_SECONDS: '5',
      SYNC_BACKOFF_BASE_SECONDS: '1',
      SYNC_BACKOFF_MAX_SECONDS: '3',
      OUTBOX_SWEEP_INTERVAL_SECONDS: '2',
      OUTBOX_GRACE_SECONDS: '5',
      WORKER_HEALTH_PORT: '0',
    });
    db = new Pool({ connectionString: pg.url, max: 2 });
    db.on('error', () => undefined); // this test's own connections die with the restart too
  }, 120_000);

  afterAll(async () => {
    await killAll([worker, api, fake?.process]);
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
