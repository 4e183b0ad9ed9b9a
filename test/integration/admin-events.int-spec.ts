import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { RunningApi, dropQueuePrefix, post, startApi, testDb } from '../support/harness';
import { signedHeaders, vendorCreatedBody } from '../support/sign';
import { TEST_ADMIN_TOKEN, uniquePrefix } from '../support/test-env';

describe('GET /admin/events', () => {
  const prefix = uniquePrefix();
  let api: RunningApi;
  let db: Pool;
  const company = randomUUID();
  const otherCompany = randomUUID();
  const ids: string[] = [];
  const auth = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };
  const get = async (path: string, headers: Record<string, string> = auth) => {
    const res = await fetch(`${api.url}${path}`, { headers });
    return { status: res.status, headers: res.headers, json: (await res.json()) as any };
  };

  beforeAll(async () => {
    api = await startApi({ QUEUE_PREFIX: prefix });
    db = testDb();
    for (let i = 0; i < 5; i++) {
      const body = vendorCreatedBody({ companyId: company });
      ids.push((await post(`${api.url}/webhooks/pleo`, body, signedHeaders(body))).json.id);
    }
    const other = vendorCreatedBody({ companyId: otherCompany });
    await post(`${api.url}/webhooks/pleo`, other, signedHeaders(other));
    const ignored = JSON.stringify({ data: { companyId: company }, eventId: 'x', eventType: 'v1.unknown' });
    ids.push((await post(`${api.url}/webhooks/pleo`, ignored, signedHeaders(ignored))).json.id);
  });

  afterAll(async () => {
    await Promise.all([api.close(), db.end()]);
    await dropQueuePrefix(prefix);
  });

  it.each([
    ['no Authorization header', {}],
    ['a wrong token', { authorization: 'Bearer not-the-token-at-all' }],
    ['another scheme', { authorization: `Basic ${TEST_ADMIN_TOKEN}` }],
  ])('refuses %s with 401', async (_what, headers) => {
    const res = await get('/admin/events', headers as Record<string, string>);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('Bearer');
    expect(res.json.error).toBe('unauthorized');
    expect((await get(`/admin/events/${ids[0]}`, headers as Record<string, string>)).status).toBe(401);
  });

  it('filters by company and pages newest first with a cursor, without gaps or repeats', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await get(`/admin/events?companyId=${company}&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      expect(page.json.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.json.data.map((e: any) => e.id));
      cursor = page.json.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
  });

  it('filters by status and event type', async () => {
    const ignored = await get(`/admin/events?status=IGNORED&companyId=${company}`);
    expect(ignored.json.data.map((e: any) => e.id)).toEqual([ids[5]]);
    const vendors = await get(`/admin/events?eventType=v1.vendor.created&companyId=${otherCompany}`);
    expect(vendors.json.data).toHaveLength(1);
    expect(vendors.json.data[0]).toMatchObject({ companyId: otherCompany, status: 'QUEUED', attempts: 0 });
    expect(vendors.json.data[0].payload).toBeUndefined(); // the list stays light; GET :id has it
  });

  it('rejects bad query values with 400', async () => {
    expect((await get('/admin/events?status=DONE')).json.message).toEqual(
      expect.arrayContaining([expect.stringContaining('status must be one of')]),
    );
    expect((await get('/admin/events?limit=0')).status).toBe(400);
    expect((await get('/admin/events?cursor=bm9wZQ')).status).toBe(400);
    expect((await get('/admin/events?sort=asc')).status).toBe(400);
  });

  it('returns one event with its payload, 404 for an unknown id, 400 for a malformed one', async () => {
    const one = await get(`/admin/events/${ids[0]}`);
    expect(one.status).toBe(200);
    expect(one.json.data).toMatchObject({ id: ids[0], eventType: 'v1.vendor.created', payload: { eventType: 'v1.vendor.created' } });
    expect((await get(`/admin/events/${randomUUID()}`)).status).toBe(404);
    expect((await get('/admin/events/not-a-uuid')).status).toBe(400);
  });
});
