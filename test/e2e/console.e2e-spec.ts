import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import type { Page } from 'puppeteer-core';
import { Spawned, assertBuilt } from '../support/processes';
import { RunningBrowser, browserAvailable, launchBrowser } from '../support/browser';
import { killAll, processEnv, sendVendorCreated, spawnApi, spawnWorker } from '../support/e2e-processes';
import { FakePleoProcess, spawnFakePleo } from '../support/fake-pleo-process';
import { dropQueuePrefix, testDb, waitFor } from '../support/harness';
import { TEST_ENCRYPTION_KEY, adminClient, sandboxConnection } from '../support/connections';
import { vendorData } from '../support/sign';
import { TEST_ADMIN_TOKEN, uniquePrefix } from '../support/test-env';

const FAKE_KEY = 'e2e-fake-pleo-key';
const COOKIE = 'pleo_console_session';
// functions passed to page.evaluate / waitForFunction run in the page (the tests compile without the DOM library)
declare const document: any;

const describeInBrowser = browserAvailable() ? describe : describe.skip;

/**
 * The operator console in a real headless chromium, against the built api, worker and fake Pleo as
 * separate processes (real PostgreSQL and Redis): the page, its script and the admin API it calls.
 */
describeInBrowser('operator console in a browser', () => {
  const prefix = uniquePrefix();
  let fake: FakePleoProcess;
  let api: Spawned;
  let worker: Spawned;
  let fakeUrl: string;
  let apiUrl: string;
  let db: Pool;
  let chromium: RunningBrowser;
  let page: Page;
  const bearer = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };
  const pageProblems: string[] = []; // script errors and CSP violations in the console page

  /** Pleo knows the vendor; the webhook for it is sent. The ERP refuses names over 100 characters. */
  const vendorEvent = async (name: string) => {
    const data = vendorData({ companyId: randomUUID(), name });
    await fake.control('/_fake/vendors', data);
    const res = await sendVendorCreated(apiUrl, data);
    expect(res.status).toBe(202);
    return { data, id: res.json.id as string };
  };
  /** The bookkeeper fixes the vendor in Pleo. */
  const renameInPleo = (data: object, name: string) => fake.control('/_fake/vendors', { ...data, name });
  const event = async (id: string) => ((await (await fetch(`${apiUrl}/admin/events/${id}`, { headers: bearer })).json()) as any).data;
  const settled = (id: string) => waitFor(async () => ((e) => (['FAILED', 'SUCCEEDED'].includes(e.status) ? e : undefined))(await event(id)), 30_000);
  const rowStatus = (id: string) => page.$eval(`tr[data-event-id="${id}"] .event-status`, (td) => td.textContent).catch(() => null);
  const sessionCookie = async () => (await page.browserContext().cookies()).find((c) => c.name === COOKIE);

  beforeAll(async () => {
    assertBuilt();
    fake = await spawnFakePleo(FAKE_KEY);
    fakeUrl = fake.url;
    ({ url: apiUrl, process: api } = await spawnApi(processEnv(prefix, { ENCRYPTION_KEY: TEST_ENCRYPTION_KEY, PLEO_API_BASE_URL: fakeUrl })));
    worker = await spawnWorker(processEnv(prefix, { PLEO_API_BASE_URL: fakeUrl, PLEO_API_KEY: FAKE_KEY, SYNC_BACKOFF_BASE_SECONDS: '1' }));
    db = testDb();
    chromium = await launchBrowser();
    page = await chromium.browser.newPage();
    page.on('dialog', (dialog) => void dialog.accept()); // the bulk replay asks for confirmation
    page.on('pageerror', (err) => pageProblems.push(String(err)));
    page.on('console', (m) => void (m.type() === 'error' && /Content.Security.Policy|Uncaught/i.test(m.text()) && pageProblems.push(m.text())));
  }, 60_000);

  afterEach(() => {
    expect(pageProblems).toEqual([]);
  });

  afterAll(async () => {
    await chromium?.close();
    await killAll([worker, api, fake?.process]);
    await db?.end();
    await dropQueuePrefix(prefix);
  });

  it('serves the page with a Content-Security-Policy; the data calls refuse a request without the session', async () => {
    const res = await fetch(`${apiUrl}/console`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect((await fetch(`${apiUrl}/console/app.js`)).headers.get('content-type')).toMatch(/^text\/javascript/);
    for (const path of ['/admin/events', '/admin/export-jobs', '/admin/connections', '/admin/sandbox/vendors']) {
      expect((await fetch(`${apiUrl}${path}`)).status).toBe(401);
    }
    expect((await fetch(`${apiUrl}/admin/events`, { headers: { cookie: `${COOKIE}=v1.9999999999.forged.forged` } })).status).toBe(401);
  });

  it('a wrong token shows the error and sets no cookie', async () => {
    await page.goto(`${apiUrl}/console`);
    await page.waitForSelector('#login-form', { visible: true });
    await page.type('#token', 'not-the-admin-token');
    await page.click('#login-form button[type=submit]');
    await page.waitForFunction(() => document.getElementById('login-error')?.textContent?.includes('Wrong admin token'), { timeout: 10_000 });
    expect(await sessionCookie()).toBeUndefined();
    expect(page.url()).toBe(`${apiUrl}/console`); // the token never lands in the URL
  });

  it('logs in through the form, shows a failed event with its error, replays it with one click, and shows it succeed', async () => {
    const { data, id } = await vendorEvent(`Very long name ${'x'.repeat(120)}`);
    expect(await settled(id)).toMatchObject({ status: 'FAILED' });

    await page.goto(`${apiUrl}/console`);
    await page.waitForSelector('#login-form', { visible: true });
    await page.type('#token', TEST_ADMIN_TOKEN);
    await page.click('#login-form button[type=submit]');
    await page.waitForSelector(`tr[data-event-id="${id}"]`, { visible: true, timeout: 15_000 });

    const cookie = await sessionCookie();
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/', secure: false }); // plain http to 127.0.0.1 (CONSOLE_COOKIE_SECURE=auto)
    expect(cookie!.value).not.toContain(TEST_ADMIN_TOKEN);
    expect(await page.evaluate(() => document.cookie)).toBe(''); // HttpOnly: the page's script cannot read it
    expect(await rowStatus(id)).toBe('FAILED');
    const error = await page.$eval(`tr[data-event-id="${id}"] .error-text`, (td) => td.textContent);
    expect(error).toMatch(/The ERP refused it: The vendor name is \d+ characters long; the ERP accepts at most 100/);

    await renameInPleo(data, `Short ${data.id.slice(0, 8)}`);
    await page.click(`tr[data-event-id="${id}"] button.replay`);
    await page.waitForFunction((eventId) => document.querySelector(`tr[data-event-id="${eventId}"] .event-status`)?.textContent === 'SUCCEEDED', { timeout: 30_000, polling: 250 }, id);
    expect(await event(id)).toMatchObject({ status: 'SUCCEEDED', lastError: null });
    expect(await page.$(`tr[data-event-id="${id}"] button.replay`)).toBeNull();

    // the sandbox book holds the vendor now
    await page.click('#tabs button[data-tab=sandbox]');
    await page.waitForFunction((name) => document.getElementById('sandbox-vendors')?.textContent?.includes(name), { timeout: 10_000 }, `Short ${data.id.slice(0, 8)}`);
  });

  it('export runs show the outcome of each item', async () => {
    const [jobId, companyId, posted, failed] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    await db.query(
      `INSERT INTO export_job_runs (job_id, company_id, status, items_total, items_succeeded, items_failed, final_event, finished_at)
       VALUES ($1, $2, 'COMPLETED_WITH_ERRORS', 2, 1, 1, 'completed_with_errors', now())`,
      [jobId, companyId],
    );
    await db.query(
      `INSERT INTO export_item_ledger (company_id, accounting_entry_id, job_id, status, erp_id, erp_number, failure_reason_type, failure_reason)
       VALUES ($1, $2, $4, 'POSTED', 'erp-1', 'JE-77', NULL, NULL), ($1, $3, $4, 'FAILED', NULL, NULL, 'missing_configuration', 'Set EXPORT_CONTRA_ACCOUNT <b>now</b>')`,
      [companyId, posted, failed, jobId],
    );
    await page.click('#tabs button[data-tab=exports]');
    await page.waitForSelector(`tr[data-job-id="${jobId}"]`, { visible: true, timeout: 10_000 });
    await page.click(`tr[data-job-id="${jobId}"] button`);
    await page.waitForFunction((id) => document.querySelector('#exports-table .details-row')?.textContent?.includes(id), { timeout: 10_000 }, failed);
    const items = await page.$eval('#exports-table .details-row', (row) => row.textContent);
    expect(items).toContain('JE-77');
    expect(items).toContain('missing_configuration: Set EXPORT_CONTRA_ACCOUNT <b>now</b>'); // shown as text, not markup
    expect(await page.$('#exports-table .details-row b')).toBeNull();
  });

  it('connections show their status, and Verify shows the result', async () => {
    const admin = adminClient(apiUrl);
    const good = (await admin.create(sandboxConnection(randomUUID(), FAKE_KEY))).json.data;
    const bad = (await admin.create(sandboxConnection(randomUUID(), 'not-the-pleo-key'))).json.data;
    await page.click('#tabs button[data-tab=connections]');
    await page.waitForSelector(`tr[data-connection-id="${bad.id}"] button.verify`, { visible: true, timeout: 10_000 });
    await page.click(`tr[data-connection-id="${good.id}"] button.verify`);
    await page.waitForFunction((name) => document.getElementById('connections-message')?.textContent?.startsWith(`${name}: verified`), { timeout: 20_000 }, good.name);
    await page.click(`tr[data-connection-id="${bad.id}"] button.verify`);
    await page.waitForFunction((name) => document.getElementById('connections-message')?.textContent?.startsWith(`${name}: verification failed`), { timeout: 20_000 }, bad.name);
    const row = await page.$eval(`tr[data-connection-id="${bad.id}"]`, (tr) => tr.textContent);
    expect(row).toMatch(/needs_reauthorisation|Failed/);
  });

  it('bulk replay acts on the failed events the filters select', async () => {
    const one = await vendorEvent(`Very long name ${'y'.repeat(120)}`);
    const other = await vendorEvent(`Very long name ${'z'.repeat(120)}`);
    await Promise.all([settled(one.id), settled(other.id)]);
    await renameInPleo(one.data, `Bulk ${one.data.id.slice(0, 8)}`);
    await renameInPleo(other.data, `Bulk ${other.data.id.slice(0, 8)}`);

    await page.click('#tabs button[data-tab=events]');
    const company = await page.$('#event-filters input[name=companyId]');
    await company!.click({ count: 3 });
    await company!.type(one.data.companyId);
    await page.select('#event-filters select[name=status]', 'FAILED');
    await page.click('#event-filters button[type=submit]');
    // The tab's own (unfiltered) load may still be on screen: wait for the filtered table, where
    // only `one` is listed (a filter that let `other` through times out here).
    await page.waitForFunction(
      (mine, theirs) => !!document.querySelector(`tr[data-event-id="${mine}"]`) && !document.querySelector(`tr[data-event-id="${theirs}"]`),
      { timeout: 10_000 },
      one.id,
      other.id,
    );

    await page.click('#bulk-replay');
    await page.waitForFunction(() => document.getElementById('events-message')?.textContent?.includes('1 failed event(s) queued again'), { timeout: 10_000 });
    expect((await settled(one.id)).status).toBe('SUCCEEDED');
    expect((await event(other.id)).status).toBe('FAILED'); // another company: not selected, not replayed
    await page.select('#event-filters select[name=status]', '');
    await page.click('#event-filters button[type=submit]');
    await page.waitForFunction((eventId) => document.querySelector(`tr[data-event-id="${eventId}"] .event-status`)?.textContent === 'SUCCEEDED', { timeout: 10_000 }, one.id);
  });

  it('a change with the cookie from another origin is refused (a page on another port of the same host: same site)', async () => {
    const { id } = await vendorEvent(`Very long name ${'w'.repeat(120)}`);
    await settled(id);
    const cookie = await sessionCookie();
    const withCookie = { cookie: `${COOKIE}=${cookie!.value}` };
    // the same cookie reads, and changes from the console's own origin
    expect((await fetch(`${apiUrl}/admin/events/${id}`, { headers: withCookie })).status).toBe(200);
    const foreign = await fetch(`${apiUrl}/admin/events/${id}/replay`, { method: 'POST', headers: { ...withCookie, origin: 'https://evil.example' } });
    expect(foreign.status).toBe(403);
    expect((await fetch(`${apiUrl}/admin/events/${id}/replay`, { method: 'POST', headers: withCookie })).status).toBe(403); // no Origin at all
    const before = await event(id);
    expect(before.status).toBe('FAILED');

    // in the browser: a page served by the fake Pleo (another origin, the same site) posts to the api
    const evil = await chromium.browser.newPage();
    try {
      await evil.goto(`${fakeUrl}/_fake/calls`);
      const answer = evil.waitForResponse((r) => r.url().endsWith(`/admin/events/${id}/replay`));
      await evil.evaluate(
        (url) => fetch(url, { method: 'POST', mode: 'no-cors', credentials: 'include' }).then(() => undefined),
        `${apiUrl}/admin/events/${id}/replay`,
      );
      // 403, not 401: the browser did send the session cookie (same site), the api refused the Origin
      expect((await answer).status()).toBe(403);
    } finally {
      await evil.close();
    }
    expect(await event(id)).toEqual(before); // untouched (a replay would have reset and re-run it)

    const own = await fetch(`${apiUrl}/admin/events/${id}/replay`, { method: 'POST', headers: { ...withCookie, origin: apiUrl } });
    expect(own.status).toBe(202);
  });

  it('logs out: the cookie is gone and the data calls answer 401 again', async () => {
    await page.goto(`${apiUrl}/console`);
    await page.waitForSelector('#logout', { visible: true });
    await page.click('#logout');
    await page.waitForSelector('#login-form', { visible: true });
    expect(await sessionCookie()).toBeUndefined();
    expect(await page.evaluate(async () => (await fetch('/admin/events')).status)).toBe(401);
  });
});
