#!/usr/bin/env node
// The benchmark's side-by-side peer (issue #14): a minimal hand-written ingest doing the same
// durable work as the api's webhook route — Standard Webhooks check (native HMAC, constant-time
// compare, tolerance), JSON parse and envelope check, one INSERT … ON CONFLICT DO NOTHING committed
// per webhook (the redelivery answered 200 with the stored row), one BullMQ add, 202 after commit —
// with nothing else: no framework pipeline, no access log, no group commit. Started by
// bench/ingest.bench.mjs as a child process; settings from the environment.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const Fastify = require('fastify');
const { Pool } = require('pg');
const { Queue } = require('bullmq');

const { PORT, DATABASE_URL, REDIS_URL, QUEUE_PREFIX, WEBHOOK_SECRET } = process.env;
const key = Buffer.from(WEBHOOK_SECRET.replace(/^whsec_/, ''), 'base64');
const pool = new Pool({ connectionString: DATABASE_URL, max: 20 });
pool.on('error', () => {});
const redis = new URL(REDIS_URL);
const queue = new Queue('vendor-sync', { connection: { host: redis.hostname, port: Number(redis.port || 6379) }, prefix: QUEUE_PREFIX });
queue.on('error', () => {});

const app = Fastify({ bodyLimit: 1024 * 1024 });

// STAGE_TIMINGS (BENCH_STAGE_TIMINGS): the api's own instrument, from its build, measures the peer
// the same way (arrival → answer written, event-loop stalls, GC), so the two can be compared.
const timings = process.env.STAGE_TIMINGS
  ? require('../dist/apps/api/src/webhooks/ingest-stage-timings.js').createIngestStageTimings(true)
  : undefined;
if (timings) {
  app.addHook('preHandler', (req, reply, done) => (timings.link(req, timings.start(reply.elapsedTime)), done()));
  app.addHook('onResponse', (req, _reply, done) => (timings.finish(req), done()));
}
app.removeContentTypeParser('application/json');
app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

const fail = (reply, status, error) => reply.code(status).send({ statusCode: status, error });

app.post('/webhooks/pleo', async (req, reply) => {
  const id = req.headers['webhook-id'];
  const ts = req.headers['webhook-timestamp'];
  const sig = req.headers['webhook-signature'];
  if (typeof id !== 'string' || typeof ts !== 'string' || typeof sig !== 'string') return fail(reply, 401, 'missing_headers');
  if (!/^\d{1,12}$/.test(ts) || Math.abs(Date.now() / 1000 - Number(ts)) > 300) return fail(reply, 401, 'invalid_timestamp');
  const expected = Buffer.from(createHmac('sha256', key).update(`${id}.${ts}.`).update(req.body).digest('base64'));
  let matched = false;
  for (const entry of sig.split(' ')) {
    const candidate = Buffer.from(entry.slice(3));
    if (entry.startsWith('v1,') && candidate.length === expected.length && timingSafeEqual(candidate, expected)) matched = true;
  }
  if (!matched) return fail(reply, 401, 'invalid_signature');
  let body;
  try {
    body = JSON.parse(req.body);
  } catch {
    return fail(reply, 400, 'invalid_body');
  }
  if (typeof body?.eventId !== 'string' || typeof body.eventType !== 'string' || typeof body.data !== 'object' || !body.data) {
    return fail(reply, 400, 'invalid_body');
  }
  let row;
  try {
    const { rows } = await pool.query({
      name: 'insert',
      text: `INSERT INTO webhook_events (webhook_id, event_id, event_type, company_id, subject_id, payload, status)
             VALUES ($1, $2, $3, $4, $5, $6::jsonb, 'QUEUED') ON CONFLICT (webhook_id) DO NOTHING RETURNING id`,
      values: [id, body.eventId, body.eventType, body.data.companyId ?? null, body.data.id ?? null, JSON.stringify(body)],
    });
    if (!rows.length) {
      const existing = await pool.query({ name: 'existing', text: 'SELECT id, status FROM webhook_events WHERE webhook_id = $1', values: [id] });
      return reply.code(200).send({ ...existing.rows[0], duplicate: true });
    }
    row = rows[0];
  } catch {
    return fail(reply.header('retry-after', '30'), 503, 'storage_unavailable');
  }
  let status = 'QUEUED';
  try {
    await queue.add(body.eventType, { webhookEventId: row.id }, { jobId: `event-${row.id}` });
  } catch {
    status = 'RECEIVED';
    await pool.query("UPDATE webhook_events SET status = 'RECEIVED' WHERE id = $1", [row.id]).catch(() => {});
  }
  return reply.code(202).send({ id: row.id, status });
});

app.get('/ready', async () => ({ ok: true }));

await app.listen({ port: Number(PORT), host: '127.0.0.1' });
const stop = async () => {
  await app.close();
  await Promise.all([pool.end(), queue.close()]);
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
