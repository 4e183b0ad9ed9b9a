import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { Pool } from 'pg';
import { Queue } from 'bullmq';
import { QueueName, jobIdForEvent } from '@app/queue';
import { dropQueuePrefix, inspectQueue, post, testDb, waitFor } from '../support/harness';
import { API_MAIN, ROOT, Spawned, WORKER_MAIN, assertBuilt, freePort, spawnNode } from '../support/processes';
import { signedHeaders, vendorCreatedBody } from '../support/sign';
import { TEST_ADMIN_TOKEN, TEST_DATABASE_URL, TEST_REDIS_URL, TEST_WEBHOOK_SECRET, uniquePrefix } from '../support/test-env';

const run = promisify(execFile);

describe('the built api and worker processes', () => {
  const prefix = uniquePrefix();
  let env: Record<string, string>;
  let api: Spawned;
  let baseUrl: string;
  let db: Pool;
  let queue: Queue;

  beforeAll(async () => {
    assertBuilt();
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    env = {
      DATABASE_URL: TEST_DATABASE_URL,
      REDIS_URL: TEST_REDIS_URL,
      PLEO_WEBHOOK_SECRETS: TEST_WEBHOOK_SECRET,
      ADMIN_API_TOKEN: TEST_ADMIN_TOKEN,
      QUEUE_PREFIX: prefix,
      PORT: String(port),
      LOG_LEVEL: 'info',
      PLEO_API_KEY: 'not-used-here',
      PLEO_API_BASE_URL: 'http://127.0.0.1:9',
    };
    api = spawnNode(API_MAIN, env);
    await api.waitForOutput(/Nest application successfully started/);
    db = testDb();
    queue = inspectQueue(QueueName.VendorSync, prefix);
  });

  afterAll(async () => {
    await api?.stop('SIGKILL');
    await Promise.all([db?.end(), queue?.close()]);
    await dropQueuePrefix(prefix);
  });

  it('refuses to start on bad configuration, with one message listing every problem', async () => {
    const bad = spawnNode(API_MAIN, { PORT: 'x', PLEO_WEBHOOK_SECRETS: 'nope' });
    expect(await bad.exited).toBe(1);
    const message = bad.stderr();
    expect(message).toMatch(/^Invalid configuration:/);
    for (const name of ['DATABASE_URL', 'REDIS_URL', 'PORT', 'PLEO_WEBHOOK_SECRETS', 'ADMIN_API_TOKEN']) {
      expect(message).toContain(`${name}:`);
    }
    const worker = spawnNode(WORKER_MAIN, { OUTBOX_GRACE_SECONDS: '-1' });
    expect(await worker.exited).toBe(1);
    expect(worker.stderr()).toContain('OUTBOX_GRACE_SECONDS');
  });

  it('R4: with NODE_ENV=production the processes refuse the demo secrets and plain-http Pleo URLs, naming each setting', async () => {
    const demo = {
      ...env,
      NODE_ENV: 'production',
      PLEO_WEBHOOK_SECRETS: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      ADMIN_API_TOKEN: 'local-admin-token-change-me',
      PLEO_API_BASE_URL: 'http://fake-pleo:4010',
    };
    const api = spawnNode(API_MAIN, demo);
    expect(await api.exited).toBe(1);
    expect(api.stderr()).toMatch(/^Invalid configuration:/);
    for (const name of ['PLEO_WEBHOOK_SECRETS', 'ADMIN_API_TOKEN']) expect(api.stderr()).toContain(`${name}: the public demo`);
    const worker = spawnNode(WORKER_MAIN, demo);
    expect(await worker.exited).toBe(1);
    expect(worker.stderr()).toContain('PLEO_API_BASE_URL: must be https://');
    // DEMO_MODE=true is the explicit allowance (the compose demo): it starts, warning loudly.
    const allowed = spawnNode(API_MAIN, { ...demo, DEMO_MODE: 'true', PORT: String(await freePort()) });
    await allowed.waitForOutput(/DEMO_MODE=true with NODE_ENV=production/);
    await allowed.waitForOutput(/Nest application successfully started/);
    expect(await allowed.stop('SIGTERM')).toBe(0);
  });

  it('npm run webhook:send posts a signed sample that the api accepts and queues', async () => {
    const { stdout } = await run(
      process.execPath,
      [path.join(ROOT, 'scripts/webhook-send.mjs'), path.join(ROOT, 'test/fixtures/vendor-created.json'), '--fresh', '--url', `${baseUrl}/webhooks/pleo`],
      { env: { PATH: process.env.PATH ?? '', PLEO_WEBHOOK_SECRETS: TEST_WEBHOOK_SECRET }, cwd: '/' },
    );
    expect(stdout).toMatch(/^202 Accepted {2}webhook-id: msg_/);
    const { id, status } = JSON.parse(stdout.split('\n')[1]);
    expect(status).toBe('QUEUED');
    expect(await queue.getJob(jobIdForEvent(id))).toBeDefined();
  });

  it('logs one JSON line per request with the webhook id and outcome, and never a secret or signature', async () => {
    const body = vendorCreatedBody();
    const good = signedHeaders(body);
    const bad = signedHeaders(body, { secret: 'whsec_' + Buffer.from('wrong-secret-wrong-secret-wrong!!').toString('base64') });
    expect((await post(`${baseUrl}/webhooks/pleo`, body, good)).status).toBe(202);
    expect((await post(`${baseUrl}/webhooks/pleo`, body, bad)).status).toBe(401);
    await fetch(`${baseUrl}/admin/events`, { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });

    const lines = () =>
      api
        .stdout()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l));
    // the last request's line: lines are written in buffered chunks (issue #14), each chunk whole and in order
    await waitFor(async () => lines().some((l) => l.req?.url === '/admin/events'));
    const forGood = lines().filter((l) => l.req?.webhookId === good['webhook-id']);
    const forBad = lines().filter((l) => l.req?.webhookId === bad['webhook-id']);
    expect(forGood).toEqual([expect.objectContaining({ outcome: 'accepted', res: { statusCode: 202 } })]);
    expect(forBad).toEqual([expect.objectContaining({ outcome: 'rejected:invalid_signature', res: { statusCode: 401 } })]);

    const everything = api.stdout() + api.stderr();
    for (const secretish of [
      TEST_WEBHOOK_SECRET,
      TEST_WEBHOOK_SECRET.slice(6),
      TEST_ADMIN_TOKEN,
      good['webhook-signature'].slice(3),
      bad['webhook-signature'].slice(3),
    ]) {
      expect(everything).not.toContain(secretish);
    }
  });

  it('writes log lines in chunks: a lone line reaches stdout within about a second, and none written just before SIGTERM is lost (issue #14)', async () => {
    const port = await freePort();
    const own = spawnNode(API_MAIN, { ...env, PORT: String(port) });
    await own.waitForOutput(/Nest application successfully started/);
    const lineFor = (webhookId: string) => own.stdout().split('\n').find((l) => l.includes(`"webhookId":"${webhookId}"`));
    const send = async () => {
      const body = vendorCreatedBody();
      const headers = signedHeaders(body);
      expect((await post(`http://127.0.0.1:${port}/webhooks/pleo`, body, headers)).status).toBe(202);
      return headers['webhook-id'];
    };

    const lone = await send();
    const answered = Date.now();
    await waitFor(async () => lineFor(lone), 5000);
    expect(Date.now() - answered).toBeLessThan(1600); // the 1 s flush interval, plus polling and a loaded machine

    const last = await send();
    expect(await own.stop('SIGTERM')).toBe(0);
    expect(JSON.parse(lineFor(last)!)).toMatchObject({ msg: 'request completed', outcome: 'accepted', res: { statusCode: 202 } });
  });

  it('the worker boots, sweeps stored events onto the queue, and both stop cleanly on SIGTERM', async () => {
    // A row the API stored but never queued (as when Redis was down).
    const webhookId = `msg_${Date.now()}`;
    const body = JSON.parse(vendorCreatedBody());
    const { rows } = await db.query(
      `INSERT INTO webhook_events (webhook_id, event_id, event_type, company_id, subject_id, payload, status, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, 'RECEIVED', now() - interval '1 hour') RETURNING id`,
      [webhookId, body.eventId, body.eventType, body.data.companyId, body.data.id, body],
    );
    const worker = spawnNode(WORKER_MAIN, { ...env, OUTBOX_GRACE_SECONDS: '30', WORKER_QUEUES: 'none' });
    await waitFor(async () => queue.getJob(jobIdForEvent(rows[0].id)), 15_000);
    await worker.waitForOutput(/re-enqueued \d+ stored event/);
    expect(await worker.stop('SIGTERM')).toBe(0);
    expect(await api.stop('SIGTERM')).toBe(0);
  });
});
