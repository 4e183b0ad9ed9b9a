import SwaggerParser from '@apidevtools/swagger-parser';
import { FakePleo } from '../../apps/fake-pleo/src/fake-pleo.server';
import { WorkerHttpServer } from '../../apps/worker/src/health/worker-http.server';
import { startFakePleo } from '../support/fake-pleo';
import { registeredRoutes } from '../support/fastify-routes';
import { acceptedFields, dtoRoutes, fieldMismatches } from '../support/openapi-fields';
import { CONSOLE_FILES } from '../../apps/api/src/console/console-files';
import { RunningApi, dropQueuePrefix, post, startApi, startWorker, waitFor } from '../support/harness';
import { metricValue } from '../support/prometheus';
import { signedHeaders, vendorData } from '../support/sign';
import { TcpProxy } from '../support/tcp-proxy';
import { TEST_ADMIN_TOKEN, TEST_REDIS_URL, uniquePrefix } from '../support/test-env';

const P = 'pleo_erp_sync_';
const CONSOLE_PAGE_ROUTES = ['/console', ...Object.keys(CONSOLE_FILES.names).filter((f) => f !== 'index.html').map((f) => `/console/${f}`)];
const bearer = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };
const basic = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });

describe('observability: /metrics, the queue dashboard, the OpenAPI document (real PostgreSQL, Redis, worker in-process)', () => {
  const prefix = uniquePrefix();
  let fake: FakePleo;
  let api: RunningApi;
  let worker: Awaited<ReturnType<typeof startWorker>>;

  beforeAll(async () => {
    fake = await startFakePleo();
    api = await startApi({ QUEUE_PREFIX: prefix });
    worker = await startWorker({ QUEUE_PREFIX: prefix, PLEO_API_BASE_URL: fake.url });
  });

  afterAll(async () => {
    await Promise.all([worker.close(), api.close(), fake.close()]);
    await dropQueuePrefix(prefix);
  });

  const scrape = async () => {
    const res = await fetch(`${api.url}/metrics`, { headers: bearer });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return res.text();
  };

  describe('/metrics', () => {
    it('refuses without the admin token, and with a wrong one', async () => {
      expect((await fetch(`${api.url}/metrics`)).status).toBe(401);
      expect((await fetch(`${api.url}/metrics`, { headers: { authorization: 'Bearer not-the-admin-token' } })).status).toBe(401);
    });

    it('is open with METRICS_PUBLIC=true', async () => {
      const open = await startApi({ QUEUE_PREFIX: prefix, METRICS_PUBLIC: 'true' });
      try {
        const res = await fetch(`${open.url}/metrics`);
        expect(res.status).toBe(200);
        expect(await res.text()).toContain(`# TYPE ${P}webhooks_total counter`);
      } finally {
        await open.close();
      }
    });

    it('counters move as a webhook flows: ingest, queue, sync job, ERP and Pleo calls', async () => {
      const before = await scrape();
      const data = vendorData();
      fake.state.addVendor(data as never);
      const body = JSON.stringify({ data, eventType: 'v1.vendor.created', eventId: crypto.randomUUID() });
      const res = await post(`${api.url}/webhooks/pleo`, body, signedHeaders(body));
      expect(res.status).toBe(202);
      const refused = await post(`${api.url}/webhooks/pleo`, body, { 'content-type': 'application/json' });
      expect(refused.status).toBe(401);

      const delta = (text: string, name: string, labels?: Record<string, string>) => metricValue(text, name, labels) - metricValue(before, name, labels);
      const after = await waitFor(async () => {
        const text = await scrape();
        return delta(text, `${P}sync_jobs_total`, { queue: 'vendor-sync', outcome: 'succeeded' }) >= 1 ? text : undefined;
      }, 20_000);

      expect(delta(after, `${P}webhooks_total`, { outcome: 'accepted' })).toBe(1);
      // the unsigned one: counted under its rejection reason
      const rejected = (text: string) =>
        [...text.matchAll(new RegExp(`^${P}webhooks_total\\{outcome="rejected:[a-z_]+"\\} (\\d+)$`, 'gm'))].reduce((n, m) => n + Number(m[1]), 0);
      expect(rejected(after) - rejected(before)).toBe(1);
      expect(delta(after, `${P}http_request_duration_seconds_count`, { method: 'POST', route: '/webhooks/pleo', status: '401' })).toBe(1);
      expect(delta(after, `${P}webhook_ingest_duration_seconds_count`, { outcome: 'accepted' })).toBe(1);
      expect(delta(after, `${P}http_request_duration_seconds_count`, { method: 'POST', route: '/webhooks/pleo', status: '202' })).toBe(1);
      expect(delta(after, `${P}sync_job_duration_seconds_count`, { queue: 'vendor-sync', outcome: 'succeeded' })).toBeGreaterThanOrEqual(1);
      expect(delta(after, `${P}erp_requests_total`, { adapter: 'sandbox', operation: 'createVendor', outcome: 'ok' })).toBeGreaterThanOrEqual(1);
      expect(delta(after, `${P}erp_request_duration_seconds_count`, { adapter: 'sandbox', operation: 'createVendor' })).toBeGreaterThanOrEqual(1);
      expect(delta(after, `${P}pleo_requests_total`, { method: 'GET', status: '200' })).toBeGreaterThanOrEqual(1);
      // the queue gauges are read from Redis on scrape
      expect(after).toMatch(new RegExp(`^${P}queue_jobs\\{queue="vendor-sync",state="waiting"\\} \\d+$`, 'm'));
      expect(after).toMatch(new RegExp(`^${P}queue_jobs\\{queue="export-sync",state="failed"\\} \\d+$`, 'm'));
      // bounded labels: no id of the vendor or the event in any series
      expect(after).not.toContain(data.id);
      expect(fake.specProblems()).toEqual([]);

      // the worker's own counters, on its health port (no token: the port is not published)
      const port = worker.app.get(WorkerHttpServer).port;
      const fromWorker = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(metricValue(fromWorker, `${P}sync_jobs_total`, { queue: 'vendor-sync', outcome: 'succeeded' })).toBeGreaterThanOrEqual(1);
    });
  });

  it('/metrics still answers while Redis is away (no queue series then, a scrape error counted), and recovers', async () => {
    const proxy = TcpProxy.forUrl(TEST_REDIS_URL);
    await proxy.start();
    const cut = await startApi({ QUEUE_PREFIX: prefix, REDIS_URL: proxy.rewrite(TEST_REDIS_URL) });
    const scrapeCut = async () => {
      const res = await fetch(`${cut.url}/metrics`, { headers: bearer });
      expect(res.status).toBe(200);
      return res.text();
    };
    try {
      expect(await scrapeCut()).toMatch(new RegExp(`^${P}queue_jobs\\{queue="vendor-sync",state="waiting"\\}`, 'm'));
      const errorsBefore = metricValue(await scrapeCut(), `${P}queue_scrape_errors_total`);
      await proxy.stop();
      // the counts are cached for 5 s: the first scrape after that reads Redis and fails
      const during = await waitFor(async () => {
        const text = await scrapeCut();
        return metricValue(text, `${P}queue_scrape_errors_total`) > errorsBefore ? text : undefined;
      }, 20_000);
      expect(during).not.toMatch(new RegExp(`^${P}queue_jobs\\{`, 'm'));
      await proxy.start();
      await waitFor(async () => new RegExp(`^${P}queue_jobs\\{queue="vendor-sync"`, 'm').test(await scrapeCut()) || undefined, 30_000);
    } finally {
      await cut.close();
      await proxy.stop();
    }
  });

  describe('/admin/queues (Bull Board)', () => {
    it('refuses without credentials and asks the browser for them; refuses a wrong token', async () => {
      const res = await fetch(`${api.url}/admin/queues`);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
      expect((await fetch(`${api.url}/admin/queues/api/queues`)).status).toBe(401);
      expect((await fetch(`${api.url}/admin/queues`, { headers: basic('admin', 'wrong-token-0123456789') })).status).toBe(401);
      expect((await fetch(`${api.url}/admin/queues/static/js/main.js`)).status).toBe(401);
    });

    it('shows the queues with the token as Basic password or bearer, read-only by default', async () => {
      const page = await fetch(`${api.url}/admin/queues`, { headers: basic('anyone', TEST_ADMIN_TOKEN) });
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<html');
      const res = await fetch(`${api.url}/admin/queues/api/queues?activeQueue=vendor-sync`, { headers: bearer });
      expect(res.status).toBe(200);
      const { queues } = (await res.json()) as { queues: { name: string; readOnlyMode: boolean }[] };
      expect(queues.map((q) => q.name).sort()).toEqual(['export-sync', 'vendor-sync']);
      expect(queues.every((q) => q.readOnlyMode)).toBe(true);
      const retry = await fetch(`${api.url}/admin/queues/api/queues/vendor-sync/retry/failed`, { method: 'PUT', headers: bearer });
      expect(retry.status).toBe(405); // Bull Board: QUEUE_READ_ONLY
    });

    it('with QUEUE_DASHBOARD_READ_ONLY=false it changes queues, but not for a request a foreign page made', async () => {
      const writable = await startApi({ QUEUE_PREFIX: prefix, QUEUE_DASHBOARD_READ_ONLY: 'false' });
      try {
        const url = `${writable.url}/admin/queues/api/queues/vendor-sync/retry/failed`;
        const own = await fetch(url, { method: 'PUT', headers: { ...basic('admin', TEST_ADMIN_TOKEN), origin: writable.url } });
        expect(own.status).toBe(200);
        const foreign = await fetch(url, { method: 'PUT', headers: { ...basic('admin', TEST_ADMIN_TOKEN), origin: 'https://evil.example' } });
        expect(foreign.status).toBe(403);
      } finally {
        await writable.close();
      }
    });
  });

  describe('OpenAPI', () => {
    it('serves a valid OpenAPI document at /docs/openapi.json and Swagger UI at /docs', async () => {
      const res = await fetch(`${api.url}/docs/openapi.json`);
      expect(res.status).toBe(200);
      const doc = (await res.json()) as any;
      await expect(SwaggerParser.validate(structuredClone(doc))).resolves.toBeDefined();
      expect(doc.paths['/webhooks/pleo'].post.parameters.map((p: any) => p.name)).toEqual(['webhook-id', 'webhook-timestamp', 'webhook-signature']);
      expect(doc.paths['/admin/events'].get.security).toEqual([{ admin: [] }]);
      // query DTOs are documented with their validation rules
      const status = doc.paths['/admin/events'].get.parameters.find((p: any) => p.name === 'status');
      expect(status).toMatchObject({ in: 'query', required: false, schema: { enum: expect.arrayContaining(['FAILED']) } });
      // a property the plugin could not type would show up as a reference to "Object"
      expect(JSON.stringify(doc)).not.toContain('#/components/schemas/Object');
      expect(doc.paths['/admin/events'].get.parameters.find((p: any) => p.name === 'limit')).toMatchObject({ required: false, schema: { type: 'integer', maximum: 500 } });
      expect((await fetch(`${api.url}/docs`)).status).toBe(200);
    });

    it('covers every route the app registers (Fastify’s route table), and no route it does not', async () => {
      const doc = (await (await fetch(`${api.url}/docs/openapi.json`)).json()) as any;
      const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>)
        .flatMap(([path, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`))
        .sort();
      const served = registeredRoutes(api.app.getHttpAdapter().getInstance())
        .filter((r) => r.method !== 'HEAD' && r.method !== 'OPTIONS')
        // the documentation itself and the dashboard's own UI/API are not part of the service's API
        .filter((r) => !r.url.startsWith('/docs') && !r.url.startsWith('/admin/queues'))
        // nor are the console's page and static files (its login and logout are documented)
        .filter((r) => !CONSOLE_PAGE_ROUTES.includes(r.url))
        .map((r) => `${r.method} ${r.url.replace(/:(\w+)/g, '{$1}')}`);
      expect(served.length).toBeGreaterThan(5);
      expect([...new Set(served)].sort()).toEqual(documented);
    });

    it('documents, for every route validating a query or body DTO, exactly the fields the DTO accepts (inherited and nested ones too)', async () => {
      const doc = (await (await fetch(`${api.url}/docs/openapi.json`)).json()) as any;
      const routes = dtoRoutes(api.app);
      // the routes that once lost their inherited filter fields are among those checked
      expect(routes.map((r) => `${r.route} ${r.source}`)).toEqual(expect.arrayContaining(['GET /admin/events query', 'POST /admin/events/replay body', 'POST /admin/connections body']));
      expect(acceptedFields(routes.find((r) => r.route === 'GET /admin/events')!.dto)).toEqual(expect.arrayContaining(['eventType', 'companyId', 'receivedFrom', 'receivedBefore']));
      expect(fieldMismatches(doc, routes)).toEqual([]);
    });
  });
});
