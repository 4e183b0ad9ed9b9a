import { Pool } from 'pg';
import { FakePleo } from '../../apps/fake-pleo/src/fake-pleo.server';
import { startFakePleo } from '../support/fake-pleo';
import { RunningApi, dropQueuePrefix, post, startApi, startWorker, testDb, waitFor } from '../support/harness';
import { signedHeaders, vendorData } from '../support/sign';
import { TEST_ADMIN_TOKEN, uniquePrefix } from '../support/test-env';

describe('vendor sync: webhook → ERP vendor → Pleo activation (real PostgreSQL, Redis, worker in-process)', () => {
  const prefix = uniquePrefix();
  let fake: FakePleo;
  let api: RunningApi;
  let worker: Awaited<ReturnType<typeof startWorker>>;
  let db: Pool;
  const admin = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };

  beforeAll(async () => {
    fake = await startFakePleo();
    api = await startApi({ QUEUE_PREFIX: prefix });
    worker = await startWorker({ QUEUE_PREFIX: prefix, PLEO_API_BASE_URL: fake.url, SYNC_MAX_ATTEMPTS: '3', PLEO_HTTP_TIMEOUT_MS: '500' });
    db = testDb();
    // Bulk replay acts on every FAILED event: start from an empty event store.
    await db.query('TRUNCATE webhook_events, vendor_links, sandbox_vendors, sandbox_entries CASCADE');
  });

  afterAll(async () => {
    await Promise.all([worker.close(), api.close(), fake.close(), db.end()]);
    await dropQueuePrefix(prefix);
  });

  afterEach(() => {
    expect(fake.specProblems()).toEqual([]); // every request we sent is one Pleo's spec allows
  });

  /** Pleo knows the vendor (DRAFT); returns its webhook body. */
  function draftVendor(overrides: Record<string, unknown> = {}) {
    const data = vendorData(overrides);
    fake.state.addVendor(data as never);
    return { data, body: JSON.stringify({ data, eventType: 'v1.vendor.created', eventId: crypto.randomUUID() }) };
  }

  const send = (body: string, webhookId?: string) => post(`${api.url}/webhooks/pleo`, body, signedHeaders(body, { webhookId }));
  const event = async (id: string) => (await db.query('SELECT * FROM webhook_events WHERE id = $1', [id])).rows[0];
  const settled = (id: string) =>
    waitFor(async () => {
      const row = await event(id);
      return ['SUCCEEDED', 'FAILED'].includes(row.status) ? row : undefined;
    }, 20_000);
  const sandboxVendors = async (reference: string) =>
    (await db.query('SELECT * FROM sandbox_vendors WHERE reference = $1', [reference])).rows;
  const activations = (vendorId: string) => fake.state.activations.filter((a) => a.vendorId === vendorId);

  it('creates the vendor in the ERP once and activates it in Pleo with the ERP id and number', async () => {
    const { data, body } = draftVendor();
    const res = await send(body);
    expect(res.status).toBe(202);
    const row = await settled(res.json.id);
    expect(row).toMatchObject({ status: 'SUCCEEDED', attempts: 1, last_error: null });

    const [erpVendor] = await sandboxVendors(data.id);
    expect(erpVendor).toMatchObject({ name: data.name, tax_number: data.taxRegistrationNumber, currency: 'EUR', country: 'DE' });
    expect(erpVendor.number).toMatch(/^V-\d+$/);
    expect(activations(data.id)).toEqual([expect.objectContaining({ externalId: erpVendor.id, code: erpVendor.number })]);
    expect(fake.state.vendors.get(data.id)).toMatchObject({ state: 'ACTIVE', externalId: erpVendor.id, code: erpVendor.number });
    const link = (await db.query('SELECT * FROM vendor_links WHERE pleo_vendor_id = $1', [data.id])).rows[0];
    expect(link).toMatchObject({ erp_vendor_id: erpVendor.id, erp_code: erpVendor.number, erp_kind: 'sandbox' });
    expect(link.activated_at).not.toBeNull();

    const listed = await fetch(`${api.url}/admin/sandbox/vendors`, { headers: admin });
    expect(((await listed.json()) as any).data).toEqual(expect.arrayContaining([expect.objectContaining({ reference: data.id, number: erpVendor.number })]));
  });

  it('one vendor, one activation: the same webhook 5 times and two different webhooks at once', async () => {
    const { data, body } = draftVendor();
    const webhookId = `msg_dup_${data.id}`;
    const same = await Promise.all(Array.from({ length: 5 }, () => send(body, webhookId)));
    const other1 = JSON.stringify({ ...JSON.parse(body), eventId: crypto.randomUUID() });
    const other2 = JSON.stringify({ ...JSON.parse(body), eventId: crypto.randomUUID() });
    const [a, b] = await Promise.all([send(other1), send(other2)]);
    for (const id of new Set([...same.map((r) => r.json.id), a.json.id, b.json.id])) {
      expect((await settled(id)).status).toBe('SUCCEEDED');
    }
    expect(await sandboxVendors(data.id)).toHaveLength(1);
    expect(activations(data.id)).toHaveLength(1);
  });

  it('links to a vendor the ERP already has (same tax number) instead of creating a second one', async () => {
    const first = draftVendor();
    expect((await settled((await send(first.body)).json.id)).status).toBe('SUCCEEDED');
    const twin = draftVendor({ taxRegistrationNumber: first.data.taxRegistrationNumber, name: `${first.data.name} (dup)` });
    expect((await settled((await send(twin.body)).json.id)).status).toBe('SUCCEEDED');
    const [erpVendor] = await sandboxVendors(first.data.id);
    expect(await sandboxVendors(twin.data.id)).toHaveLength(0);
    expect(activations(twin.data.id)).toEqual([expect.objectContaining({ externalId: erpVendor.id })]);
  });

  it('rides out Pleo answering 500 twice', async () => {
    const { data, body } = draftVendor();
    fake.state.faults.push({ operation: 'getVendorById', pathIncludes: data.id, times: 2, status: 500 });
    const row = await settled((await send(body)).json.id);
    expect(row.status).toBe('SUCCEEDED');
    expect(fake.callsTo('getVendorById').filter((c) => c.path.includes(data.id)).map((c) => c.status)).toEqual([500, 500, 200]);
    expect(activations(data.id)).toHaveLength(1);
  });

  it('honours Retry-After on 429', async () => {
    const { data, body } = draftVendor();
    fake.state.faults.push({ operation: 'activateVendor', pathIncludes: data.id, times: 1, status: 429, retryAfterSeconds: 1 });
    expect((await settled((await send(body)).json.id)).status).toBe('SUCCEEDED');
    const calls = fake.callsTo('activateVendor').filter((c) => c.path.includes(data.id));
    expect(calls.map((c) => c.status)).toEqual([429, 204]);
    expect(Date.parse(calls[1].at) - Date.parse(calls[0].at)).toBeGreaterThanOrEqual(950);
  });

  it('times out a slow Pleo answer and tries again', async () => {
    const { data, body } = draftVendor();
    // PLEO_HTTP_TIMEOUT_MS is 500 in this suite; the first answer takes 1.5 s and is abandoned.
    fake.state.faults.push({ operation: 'getVendorById', pathIncludes: data.id, times: 1, delayMs: 1_500 });
    expect((await settled((await send(body)).json.id)).status).toBe('SUCCEEDED');
    const statuses = () => fake.callsTo('getVendorById').filter((c) => c.path.includes(data.id)).map((c) => c.status);
    await waitFor(async () => statuses()[0] === 499); // the fake notices the abandoned request after its delay
    expect(statuses()).toEqual([499, 200]);
    expect(activations(data.id)).toHaveLength(1);
  });

  it('fails at once, without retries, when the ERP rejects the vendor; a replay after the fix succeeds', async () => {
    const { data, body } = draftVendor({ name: `Very long name ${'x'.repeat(120)}` });
    const res = await send(body);
    const row = await settled(res.json.id);
    expect(row).toMatchObject({ status: 'FAILED', attempts: 1 });
    expect(row.last_error).toMatch(/The ERP refused it: The vendor name is \d+ characters long; the ERP accepts at most 100/);
    expect(await sandboxVendors(data.id)).toHaveLength(0);
    expect(activations(data.id)).toHaveLength(0);

    // The bookkeeper shortens the name in Pleo, then an operator replays the event.
    fake.state.vendors.get(data.id)!.name = 'Short Name ' + data.id.slice(0, 8);
    const replay = await fetch(`${api.url}/admin/events/${res.json.id}/replay`, { method: 'POST', headers: admin });
    expect(replay.status).toBe(202);
    expect(await settled(res.json.id)).toMatchObject({ status: 'SUCCEEDED', last_error: null });
    expect(activations(data.id)).toHaveLength(1);

    // Replaying a SUCCEEDED vendor event changes nothing.
    const again = await fetch(`${api.url}/admin/events/${res.json.id}/replay`, { method: 'POST', headers: admin });
    expect(again.status).toBe(202);
    expect((await settled(res.json.id)).status).toBe('SUCCEEDED');
    expect(await sandboxVendors(data.id)).toHaveLength(1);
    expect(activations(data.id)).toHaveLength(1);
  });

  it('gives up after the configured attempts while Pleo stays down, saying so; bulk replay recovers', async () => {
    const { data, body } = draftVendor();
    fake.state.faults.push({ operation: 'getVendorById', pathIncludes: data.id, times: 1000, status: 503 });
    const res = await send(body);
    const row = await settled(res.json.id);
    expect(row).toMatchObject({ status: 'FAILED', attempts: 3 });
    expect(row.last_error).toMatch(/^Gave up after 3 attempts\. Pleo is temporarily unavailable \(HTTP 503/);
    fake.state.faults = [];

    const replay = await fetch(`${api.url}/admin/events/replay`, {
      method: 'POST',
      headers: { ...admin, 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'FAILED', eventType: 'v1.vendor.created' }),
    });
    expect(replay.status).toBe(202);
    expect(((await replay.json()) as any).ids).toContain(res.json.id);
    expect((await settled(res.json.id)).status).toBe('SUCCEEDED');
    expect(activations(data.id)).toHaveLength(1);
  });

  it('fails without retrying when Pleo refuses the credentials, telling what to fix', async () => {
    const { data, body } = draftVendor();
    fake.state.faults.push({ operation: 'getVendorById', pathIncludes: data.id, times: 2, authFailure: true });
    const row = await settled((await send(body)).json.id);
    expect(row).toMatchObject({ status: 'FAILED', attempts: 1 });
    expect(row.last_error).toMatch(/Pleo refused our credentials \(HTTP 401 UNAUTHORIZED\)\. Check PLEO_API_KEY/);
  });

  it('fails at once when Pleo has no such vendor (404), saying so', async () => {
    const data = vendorData(); // never registered with the fake Pleo
    const body = JSON.stringify({ data, eventType: 'v1.vendor.created', eventId: crypto.randomUUID() });
    const row = await settled((await send(body)).json.id);
    expect(row).toMatchObject({ status: 'FAILED', attempts: 1 });
    expect(row.last_error).toMatch(new RegExp(`^Pleo has no vendor ${data.id}: it was deleted`));
  });

  it('finishes as a no-op when the vendor is no longer DRAFT', async () => {
    const { data, body } = draftVendor({ state: 'ACTIVE', code: 'X-1', externalId: 'ext-1' });
    expect((await settled((await send(body)).json.id)).status).toBe('SUCCEEDED');
    expect(await sandboxVendors(data.id)).toHaveLength(0);
    expect(activations(data.id)).toHaveLength(0);
  });

  it('F-14: Pleo still says DRAFT while our link says activated: activated again, activatedAt refreshed', async () => {
    const { data, body } = draftVendor();
    expect((await settled((await send(body)).json.id)).status).toBe('SUCCEEDED');
    const before = (await db.query('SELECT activated_at FROM vendor_links WHERE pleo_vendor_id = $1', [data.id])).rows[0].activated_at;
    fake.state.vendors.get(data.id)!.state = 'DRAFT'; // Pleo lost or undid the activation
    expect((await settled((await send(JSON.stringify({ data, eventType: 'v1.vendor.created', eventId: crypto.randomUUID() }))).json.id)).status).toBe('SUCCEEDED');
    expect(activations(data.id)).toHaveLength(2);
    expect(fake.state.vendors.get(data.id)!.state).toBe('ACTIVE');
    const after = (await db.query('SELECT activated_at FROM vendor_links WHERE pleo_vendor_id = $1', [data.id])).rows[0].activated_at;
    expect(after.getTime()).toBeGreaterThan(before.getTime());
    expect(await sandboxVendors(data.id)).toHaveLength(1);
  });

  it('F-3: a link that disagrees with Pleo’s ACTIVE vendor is corrected to Pleo’s externalId and code', async () => {
    const { data, body } = draftVendor();
    expect((await settled((await send(body)).json.id)).status).toBe('SUCCEEDED');
    Object.assign(fake.state.vendors.get(data.id)!, { externalId: 'erp-other-1', code: 'OTHER-1' }); // re-linked in Pleo by someone else
    expect((await settled((await send(JSON.stringify({ data, eventType: 'v1.vendor.created', eventId: crypto.randomUUID() }))).json.id)).status).toBe('SUCCEEDED');
    expect((await db.query('SELECT erp_vendor_id, erp_code FROM vendor_links WHERE pleo_vendor_id = $1', [data.id])).rows[0]).toEqual({ erp_vendor_id: 'erp-other-1', erp_code: 'OTHER-1' });
    expect(activations(data.id)).toHaveLength(1);
  });

  it('refuses to replay an event that is not finished, and 404s an unknown one', async () => {
    const ignored = JSON.stringify({ data: {}, eventId: 'e', eventType: 'v1.other' });
    const res = await send(ignored);
    const replay = await fetch(`${api.url}/admin/events/${res.json.id}/replay`, { method: 'POST', headers: admin });
    expect(replay.status).toBe(409);
    expect(((await replay.json()) as any).message).toContain('this one is IGNORED');
    expect((await fetch(`${api.url}/admin/events/${crypto.randomUUID()}/replay`, { method: 'POST', headers: admin })).status).toBe(404);
  });
});
