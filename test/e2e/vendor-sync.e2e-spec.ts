import { Pool } from 'pg';
import { Spawned, assertBuilt } from '../support/processes';
import { FakePleoProcess, spawnFakePleo } from '../support/fake-pleo-process';
import { killAll, processEnv, sendVendorCreated, spawnApi, spawnWorker } from '../support/e2e-processes';
import { dropQueuePrefix, testDb, waitFor } from '../support/harness';
import { vendorData } from '../support/sign';
import { TEST_ADMIN_TOKEN, uniquePrefix } from '../support/test-env';

const FAKE_KEY = 'e2e-fake-pleo-key';

/** The built api, worker and fake Pleo as separate processes, talking over HTTP, PostgreSQL and Redis. */
describe('vendor sync across real processes', () => {
  const prefix = uniquePrefix();
  let fake: FakePleoProcess;
  let api: Spawned;
  let apiUrl: string;
  let workerEnv: Record<string, string>;
  let db: Pool;
  const workers: Spawned[] = [];

  const startWorker = async () => {
    const w = await spawnWorker(workerEnv);
    workers.push(w);
    return w;
  };
  const fakeJson = (p: string) => fake.control(p);
  const addVendor = async () => {
    const data = vendorData();
    await fake.control('/_fake/vendors', data);
    return data;
  };
  const send = (data: object) => sendVendorCreated(apiUrl, data);
  const eventStatus = async (id: string) =>
    ((await (await fetch(`${apiUrl}/admin/events/${id}`, { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } })).json()) as any).data;
  const sandboxVendors = async (reference: string) =>
    (await db.query('SELECT * FROM sandbox_vendors WHERE reference = $1', [reference])).rows;
  const activations = async (vendorId: string) =>
    (await fakeJson('/_fake/calls')).activations.filter((a: any) => a.vendorId === vendorId);

  beforeAll(async () => {
    assertBuilt();
    fake = await spawnFakePleo(FAKE_KEY);
    ({ url: apiUrl, process: api } = await spawnApi(processEnv(prefix)));
    workerEnv = processEnv(prefix, { PLEO_API_BASE_URL: fake.url, PLEO_API_KEY: FAKE_KEY, JOB_LOCK_SECONDS: '2', SYNC_BACKOFF_BASE_SECONDS: '1' });
    db = testDb();
  });

  afterAll(async () => {
    await killAll([...workers, api, fake?.process]);
    await db?.end();
    await dropQueuePrefix(prefix);
  });

  afterEach(async () => {
    expect((await fakeJson('/_fake/calls')).specProblems).toEqual([]);
  });

  it('webhook → vendor in the sandbox ERP → activated in Pleo', async () => {
    await startWorker();
    const vendor = await addVendor();
    const res = await send(vendor);
    expect(res.status).toBe(202);
    await waitFor(async () => (await eventStatus(res.json.id)).status === 'SUCCEEDED', 20_000);
    const [erpVendor] = await sandboxVendors(vendor.id);
    expect(await activations(vendor.id)).toEqual([expect.objectContaining({ externalId: erpVendor.id, code: erpVendor.number })]);
    expect((await fakeJson(`/_fake/vendors/${vendor.id}`)).data.state).toBe('ACTIVE');
  });

  it('a worker killed between the ERP create and the activation: after a restart, one vendor and one activation', async () => {
    const vendor = await addVendor();
    // Pleo holds the activation long enough for the kill; the dropped request is never applied.
    await fake.control('/_fake/faults', { operation: 'activateVendor', pathIncludes: vendor.id, times: 1, delayMs: 4_000 });
    const res = await send(vendor);
    await waitFor(async () => (await fakeJson('/_fake/calls')).calls.some((c: any) => c.operationId === 'activateVendor' && c.path.includes(vendor.id)), 20_000);
    expect(await sandboxVendors(vendor.id)).toHaveLength(1); // created in the ERP, not yet activated
    for (const w of workers) await w.stop('SIGKILL');

    await startWorker(); // the job's lock expires (2 s); the new worker retries it
    await waitFor(async () => (await eventStatus(res.json.id)).status === 'SUCCEEDED', 30_000);
    expect(await sandboxVendors(vendor.id)).toHaveLength(1);
    expect(await activations(vendor.id)).toHaveLength(1);
  });

  it('SIGTERM lets an in-flight job finish before the worker exits', async () => {
    const worker = workers.at(-1)!;
    const vendor = await addVendor();
    await fake.control('/_fake/faults', { operation: 'activateVendor', pathIncludes: vendor.id, times: 1, delayMs: 1_500 });
    const res = await send(vendor);
    await waitFor(async () => (await fakeJson('/_fake/calls')).calls.some((c: any) => c.operationId === 'activateVendor' && c.path.includes(vendor.id)), 20_000);
    expect(await worker.stop('SIGTERM')).toBe(0);
    expect((await eventStatus(res.json.id)).status).toBe('SUCCEEDED');
    expect(await activations(vendor.id)).toHaveLength(1);
  });
});
