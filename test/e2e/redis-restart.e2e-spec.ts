import { Pool } from 'pg';
import { Spawned, assertBuilt } from '../support/processes';
import { FakePleoProcess, spawnFakePleo } from '../support/fake-pleo-process';
import { killAll, processEnv, sendVendorCreated, spawnApi, spawnWorker } from '../support/e2e-processes';
import { testDb, waitFor } from '../support/harness';
import { vendorData } from '../support/sign';
import { ThrowawayRedis } from '../support/throwaway-servers';
import { uniquePrefix } from '../support/test-env';

const FAKE_KEY = 'e2e-fake-pleo-key';

/** Redis (without persistence, so it comes back empty) restarted under both processes with work in flight. */
describe('Redis restarted under the running api and worker', () => {
  let redis: ThrowawayRedis;
  let fake: FakePleoProcess;
  let api: Spawned;
  let worker: Spawned;
  let apiUrl: string;
  let db: Pool;

  const control = (p: string, body?: unknown) => fake.control(p, body);
  const send = (data: object) => sendVendorCreated(apiUrl, data);

  beforeAll(async () => {
    assertBuilt();
    redis = await ThrowawayRedis.create();
    fake = await spawnFakePleo(FAKE_KEY);
    const common = processEnv(uniquePrefix(), { REDIS_URL: redis.url });
    ({ url: apiUrl, process: api } = await spawnApi(common));
    worker = await spawnWorker({
      ...common,
      PLEO_API_BASE_URL: fake.url,
      PLEO_API_KEY: FAKE_KEY,
      VENDOR_SYNC_CONCURRENCY: '1', // one in flight, the others wait in Redis (and are lost with it)
      JOB_LOCK_SECONDS: '5',
      SYNC_BACKOFF_BASE_SECONDS: '1',
      OUTBOX_SWEEP_INTERVAL_SECONDS: '2',
      OUTBOX_GRACE_SECONDS: '3',
    });
    db = testDb();
  }, 120_000);

  afterAll(async () => {
    await killAll([worker, api, fake?.process]);
    await db?.end();
    await redis?.stop();
  });

  it('both stay up; the job in flight and the jobs Redis lost all finish, each once', async () => {
    const vendors = [vendorData(), vendorData(), vendorData()];
    for (const v of vendors) await control('/_fake/vendors', v);
    await control('/_fake/faults', { operation: 'activateVendor', times: 1, delayMs: 5_000 });
    const ids: string[] = [];
    for (const v of vendors) ids.push((await send(v)).json.id);
    await waitFor(async () => (await control('/_fake/calls')).calls.some((c: any) => c.operationId === 'activateVendor'), 30_000);

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
    const calls = await control('/_fake/calls');
    for (const v of vendors) {
      expect(calls.activations.filter((a: any) => a.vendorId === v.id)).toHaveLength(1);
      expect((await db.query('SELECT id FROM sandbox_vendors WHERE reference = $1', [v.id])).rows).toHaveLength(1);
    }
    expect(calls.specProblems).toEqual([]);
  }, 240_000);
});
