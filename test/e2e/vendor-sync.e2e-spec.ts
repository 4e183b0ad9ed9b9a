import { Pool } from 'pg';
import { API_MAIN, Spawned, WORKER_MAIN, assertBuilt, freePort, spawnNode, ROOT } from '../support/processes';
import { dropQueuePrefix, post, testDb, waitFor } from '../support/harness';
import { signedHeaders, vendorData } from '../support/sign';
import { TEST_ADMIN_TOKEN, TEST_DATABASE_URL, TEST_REDIS_URL, TEST_WEBHOOK_SECRET, uniquePrefix } from '../support/test-env';
import path from 'node:path';

const FAKE_MAIN = path.join(ROOT, 'dist/apps/fake-pleo/src/main.js');
const FAKE_KEY = 'e2e-fake-pleo-key';

/** The built api, worker and fake Pleo as separate processes, talking over HTTP, PostgreSQL and Redis. */
describe('vendor sync across real processes', () => {
  const prefix = uniquePrefix();
  let fake: Spawned;
  let api: Spawned;
  let fakeUrl: string;
  let apiUrl: string;
  let workerEnv: Record<string, string>;
  let db: Pool;
  const workers: Spawned[] = [];

  const startWorker = async () => {
    const w = spawnNode(WORKER_MAIN, workerEnv);
    workers.push(w);
    await w.waitForOutput(/processing vendor-sync/);
    return w;
  };
  const fakeJson = async (p: string, init?: RequestInit) => (await fetch(`${fakeUrl}${p}`, init)).json() as Promise<any>;
  const addVendor = async () => {
    const data = vendorData();
    await fetch(`${fakeUrl}/_fake/vendors`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(data) });
    return data;
  };
  const send = (data: object) => {
    const body = JSON.stringify({ data, eventType: 'v1.vendor.created', eventId: crypto.randomUUID() });
    return post(`${apiUrl}/webhooks/pleo`, body, signedHeaders(body));
  };
  const eventStatus = async (id: string) =>
    ((await (await fetch(`${apiUrl}/admin/events/${id}`, { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } })).json()) as any).data;
  const sandboxVendors = async (reference: string) =>
    (await db.query('SELECT * FROM sandbox_vendors WHERE reference = $1', [reference])).rows;
  const activations = async (vendorId: string) =>
    (await fakeJson('/_fake/calls')).activations.filter((a: any) => a.vendorId === vendorId);

  beforeAll(async () => {
    assertBuilt();
    const [fakePort, apiPort] = [await freePort(), await freePort()];
    fakeUrl = `http://127.0.0.1:${fakePort}`;
    apiUrl = `http://127.0.0.1:${apiPort}`;
    fake = spawnNode(FAKE_MAIN, { FAKE_PLEO_PORT: String(fakePort), FAKE_PLEO_HOST: '127.0.0.1', FAKE_PLEO_API_KEY: FAKE_KEY, FAKE_PLEO_SEED_FILES: '', FAKE_PLEO_CONTROL: '1', FAKE_PLEO_FILES_PORT: String(await freePort()) });
    await fake.waitForOutput(/fake Pleo listening/);
    const common = { DATABASE_URL: TEST_DATABASE_URL, REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: prefix, LOG_LEVEL: 'info' };
    api = spawnNode(API_MAIN, { ...common, PORT: String(apiPort), PLEO_WEBHOOK_SECRETS: TEST_WEBHOOK_SECRET, ADMIN_API_TOKEN: TEST_ADMIN_TOKEN });
    await api.waitForOutput(/Nest application successfully started/);
    workerEnv = { ...common, PLEO_API_BASE_URL: fakeUrl, PLEO_API_KEY: FAKE_KEY, JOB_LOCK_SECONDS: '2', SYNC_BACKOFF_BASE_SECONDS: '1' };
    db = testDb();
  });

  afterAll(async () => {
    await Promise.all([...workers, api, fake].filter(Boolean).map((p) => p.stop('SIGKILL')));
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
    await fetch(`${fakeUrl}/_fake/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ operation: 'activateVendor', pathIncludes: vendor.id, times: 1, delayMs: 4_000 }),
    });
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
    await fetch(`${fakeUrl}/_fake/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ operation: 'activateVendor', pathIncludes: vendor.id, times: 1, delayMs: 1_500 }),
    });
    const res = await send(vendor);
    await waitFor(async () => (await fakeJson('/_fake/calls')).calls.some((c: any) => c.operationId === 'activateVendor' && c.path.includes(vendor.id)), 20_000);
    expect(await worker.stop('SIGTERM')).toBe(0);
    expect((await eventStatus(res.json.id)).status).toBe('SUCCEEDED');
    expect(await activations(vendor.id)).toHaveLength(1);
  });
});
