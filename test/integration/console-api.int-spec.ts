import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { Pool } from 'pg';
import { RunningApi, dropQueuePrefix, post, startApi, testDb } from '../support/harness';
import { signedHeaders, vendorCreatedBody } from '../support/sign';
import { TEST_ADMIN_TOKEN, uniquePrefix } from '../support/test-env';

const COOKIE = 'pleo_console_session';

/** The console's login and session against the admin API, and the filters the console uses (real PostgreSQL and Redis). */
describe('console session and the admin API', () => {
  const prefix = uniquePrefix();
  let api: RunningApi;
  let db: Pool;
  let session: string;

  const login = (token: string, headers: Record<string, string> = {}) =>
    post(`${api.url}/console/login`, JSON.stringify({ token }), { 'content-type': 'application/json', ...headers });
  /** fetch cannot set Host: a login as it arrives through a proxy under another name. */
  const loginSetCookieWithHost = (host: string) =>
    new Promise<string>((resolve, reject) => {
      const req = http.request(`${api.url}/console/login`, { method: 'POST', headers: { host, 'content-type': 'application/json' } }, (res) => {
        res.resume();
        resolve(String(res.headers['set-cookie'] ?? ''));
      });
      req.on('error', reject);
      req.end(JSON.stringify({ token: TEST_ADMIN_TOKEN }));
    });
  const withSession = () => ({ cookie: `${COOKIE}=${session}` });
  const get = async (path: string, headers: Record<string, string> = withSession()) => {
    const res = await fetch(`${api.url}${path}`, { headers });
    return { status: res.status, json: (await res.json()) as any };
  };
  const event = async (companyId: string, receivedAt: string, status = 'FAILED') => {
    const body = vendorCreatedBody({ companyId });
    const { id } = (await post(`${api.url}/webhooks/pleo`, body, signedHeaders(body))).json;
    await db.query(`UPDATE webhook_events SET status = $2::"WebhookEventStatus", received_at = $3, last_error = 'it broke' WHERE id = $1`, [id, status, receivedAt]);
    return id as string;
  };

  beforeAll(async () => {
    api = await startApi({ QUEUE_PREFIX: prefix });
    db = testDb();
    const res = await login(TEST_ADMIN_TOKEN);
    expect(res.status).toBe(200);
    session = /^pleo_console_session=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')![1];
  });

  afterAll(async () => {
    await Promise.all([api.close(), db.end()]);
    await dropQueuePrefix(prefix);
  });

  it('login: a wrong token is refused without a cookie; the right one sets an HttpOnly, SameSite=Strict session cookie', async () => {
    const wrong = await login('not-the-admin-token');
    expect(wrong.status).toBe(401);
    expect(wrong.json.message).toBe('That is not the admin token (ADMIN_API_TOKEN).');
    expect(wrong.headers.get('set-cookie')).toBeNull();
    expect((await login('')).status).toBe(400);
    expect((await post(`${api.url}/console/login`, 'token=x', { 'content-type': 'application/x-www-form-urlencoded' })).status).toBe(415);

    const right = await login(TEST_ADMIN_TOKEN);
    const cookie = right.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^pleo_console_session=v1\.\d+\.[\w-]+\.[\w-]+; Path=\/; Max-Age=28800; HttpOnly; SameSite=Strict$/); // plain http to 127.0.0.1
    expect(cookie).not.toContain(TEST_ADMIN_TOKEN);
    // reached under a public name (a proxy in front): Secure
    expect(await loginSetCookieWithHost('console.example.com')).toMatch(/; Secure$/);
    expect(await loginSetCookieWithHost('localhost:3000')).not.toMatch(/Secure/);
    // a login a foreign page makes the browser send
    expect((await login(TEST_ADMIN_TOKEN, { origin: 'https://evil.example' })).status).toBe(403);
  });

  it('CONSOLE_COOKIE_SECURE=true sets Secure even on plain http to localhost', async () => {
    const secure = await startApi({ QUEUE_PREFIX: prefix, CONSOLE_COOKIE_SECURE: 'true' });
    try {
      const res = await post(`${secure.url}/console/login`, JSON.stringify({ token: TEST_ADMIN_TOKEN }), { 'content-type': 'application/json' });
      expect(res.headers.get('set-cookie')).toMatch(/; Secure$/);
    } finally {
      await secure.close();
    }
  });

  it('the admin API takes the session cookie; changes only with the console’s own Origin; the bearer token still works', async () => {
    expect((await get('/admin/events?limit=1')).status).toBe(200);
    expect((await get('/admin/events?limit=1', {})).status).toBe(401);
    expect((await get('/admin/events?limit=1', { cookie: `${COOKIE}=${session.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'))}` })).status).toBe(401);
    expect((await get('/admin/events?limit=1', { authorization: `Bearer ${TEST_ADMIN_TOKEN}` })).status).toBe(200);
    // a wrong bearer token is not rescued by a cookie
    expect((await get('/admin/events?limit=1', { ...withSession(), authorization: 'Bearer wrong-wrong-wrong' })).status).toBe(401);

    const replay = (headers: Record<string, string>) =>
      post(`${api.url}/admin/events/replay`, JSON.stringify({ companyId: randomUUID() }), { 'content-type': 'application/json', ...withSession(), ...headers });
    expect((await replay({ origin: api.url })).status).toBe(202);
    expect((await replay({ origin: 'https://evil.example' })).status).toBe(403);
    expect((await replay({ origin: 'null' })).status).toBe(403);
    expect((await replay({})).status).toBe(403);
  });

  it('logout clears the cookie', async () => {
    const res = await post(`${api.url}/console/logout`, '', {});
    expect(res.status).toBe(204);
    expect(res.headers.get('set-cookie')).toMatch(/^pleo_console_session=; Path=\/; Max-Age=0; HttpOnly; SameSite=Strict$/);
    expect((await post(`${api.url}/console/logout`, '', { origin: 'https://evil.example' })).status).toBe(403);
  });

  it('events filter by the time received; bulk replay picks failed events by company and time', async () => {
    const company = randomUUID();
    const early = await event(company, '2026-01-10T10:00:00Z');
    const middle = await event(company, '2026-01-11T10:00:00Z');
    const late = await event(company, '2026-01-12T10:00:00Z');
    const other = await event(randomUUID(), '2026-01-11T10:00:00Z');

    const between = await get(`/admin/events?companyId=${company}&receivedFrom=2026-01-11T00:00:00Z&receivedBefore=2026-01-12T10:00:00Z`);
    expect(between.json.data.map((e: any) => e.id)).toEqual([middle]);
    expect(between.json.data[0].lastError).toBe('it broke');
    expect((await get(`/admin/events?companyId=${company}&receivedFrom=2026-01-11T00:00:00Z`)).json.data.map((e: any) => e.id)).toEqual([late, middle]);
    expect((await get('/admin/events?receivedFrom=yesterday')).status).toBe(400);

    const res = await post(
      `${api.url}/admin/events/replay`,
      JSON.stringify({ companyId: company, receivedFrom: '2026-01-11T00:00:00Z' }),
      { 'content-type': 'application/json', authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
    );
    expect(res.status).toBe(202);
    expect(res.json.ids.sort()).toEqual([middle, late].sort());
    const statuses = await db.query('SELECT id, status FROM webhook_events WHERE id = ANY($1::uuid[])', [[early, middle, late, other]]);
    expect(Object.fromEntries(statuses.rows.map((r) => [r.id, r.status]))).toEqual({ [early]: 'FAILED', [middle]: 'QUEUED', [late]: 'QUEUED', [other]: 'FAILED' });
  });

  it('an export job’s items with their outcome', async () => {
    const [jobId, companyId, entry] = [randomUUID(), randomUUID(), randomUUID()];
    await db.query(
      `INSERT INTO export_item_ledger (company_id, accounting_entry_id, job_id, status, failure_reason_type, failure_reason)
       VALUES ($1, $2, $3, 'FAILED', 'missing_configuration', 'Set EXPORT_CONTRA_ACCOUNT')`,
      [companyId, entry, jobId],
    );
    const items = await get(`/admin/export-jobs/${jobId}/items`, { authorization: `Bearer ${TEST_ADMIN_TOKEN}` });
    expect(items.status).toBe(200);
    expect(items.json.data).toEqual([
      expect.objectContaining({ accountingEntryId: entry, companyId, status: 'FAILED', failureReasonType: 'missing_configuration', failureReason: 'Set EXPORT_CONTRA_ACCOUNT', erpId: null }),
    ]);
    expect((await get(`/admin/export-jobs/${randomUUID()}/items`, { authorization: `Bearer ${TEST_ADMIN_TOKEN}` })).json.data).toEqual([]);
    expect((await get('/admin/export-jobs/nope/items', { authorization: `Bearer ${TEST_ADMIN_TOKEN}` })).status).toBe(400);
  });
});
