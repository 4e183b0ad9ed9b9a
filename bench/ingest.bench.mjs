#!/usr/bin/env node
// Ingest benchmark: the real webhook path (signature → validation → PostgreSQL insert → BullMQ
// enqueue → status update → access log) of the built API process, loaded with unique signed
// requests, next to a bare endpoint (GET /health/live) of the same server in the same run.
//
//   npm run bench:ingest            (needs PostgreSQL and Redis as for the tests)
//   BENCH_SECONDS=20 BENCH_CONNECTIONS=64 npm run bench:ingest
//
// Goal (issue #2): ≥ 2,000 accepted webhooks/s, and p99 ≤ 25 ms at a steady 500 req/s.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const autocannon = require('autocannon');
const { Webhook } = require('standardwebhooks');
const { Client } = require('pg');
const { Queue } = require('bullmq');

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/pleo_erp_sync_bench';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const SECRET = 'whsec_' + Buffer.from('benchmark-secret-benchmark-secret').toString('base64');
const PREFIX = `bench-${randomUUID().slice(0, 8)}`;

const sh = (cmd, args, env) =>
  new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { cwd: root, env: { ...process.env, ...env }, stdio: 'inherit' });
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}`))));
  });

async function freePort() {
  const s = net.createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

/** Unique vendor-created webhooks, signed up front so the load generator spends no CPU on HMAC. */
function signedRequests(count) {
  const signer = new Webhook(SECRET);
  const now = new Date();
  const ts = String(Math.floor(now.getTime() / 1000));
  return Array.from({ length: count }, () => {
    const body = JSON.stringify({
      data: {
        id: randomUUID(), companyId: '5b1f7a52-3c8e-4d0a-9a11-2f5c1e0b9d77', name: 'Pleo Technologies GmbH', country: 'DE',
        registrationNumber: '', taxRegistrationNumber: 'DE36538686', code: null, state: 'DRAFT', defaultCurrency: 'EUR',
        createdAt: '2025-02-21T10:05:43.530450712Z', updatedAt: '2025-02-21T10:05:43.530450712Z', deletedAt: null,
      },
      eventType: 'v1.vendor.created',
      eventId: randomUUID(),
    });
    const id = `msg_${randomUUID().replace(/-/g, '')}`;
    return {
      method: 'POST',
      path: '/webhooks/pleo',
      body,
      headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': ts, 'webhook-signature': signer.sign(id, now, body) },
    };
  });
}

function load(url, opts, requests) {
  let i = 0;
  return autocannon({
    url,
    duration: SECONDS,
    connections: CONNECTIONS,
    ...opts,
    ...(requests && { requests: [{ setupRequest: () => requests[i++ % requests.length] }] }),
  });
}

function summary(label, r, okStatus) {
  const ok = r.statusCodeStats?.[okStatus]?.count ?? 0;
  const others = Object.entries(r.statusCodeStats ?? {}).filter(([c]) => Number(c) !== okStatus);
  return {
    label,
    okPerSec: Math.round(ok / SECONDS),
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.errors + r.timeouts + others.reduce((n, [, s]) => n + s.count, 0),
  };
}

async function main() {
  await sh(process.execPath, ['scripts/db-migrate.mjs'], { DATABASE_URL });
  const db = new Client({ connectionString: DATABASE_URL });
  await db.connect();
  await db.query('TRUNCATE webhook_events');

  const port = await freePort();
  const api = spawn(process.execPath, ['dist/apps/api/src/main.js'], {
    cwd: root,
    env: { PATH: process.env.PATH, DATABASE_URL, REDIS_URL, QUEUE_PREFIX: PREFIX, PORT: String(port), PLEO_WEBHOOK_SECRETS: SECRET, ADMIN_API_TOKEN: 'bench-admin-token-0123456789', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try { if ((await fetch(`${base}/health/ready`)).ok) break; } catch { /* starting */ }
    if (i > 100) throw new Error('api did not become ready');
    await new Promise((r) => setTimeout(r, 100));
  }

  try {
    // Enough unique webhooks that none repeats during the run (a repeat would be a cheap duplicate).
    const requests = signedRequests(Math.max(60_000, SECONDS * 6_000));
    let next = 0;
    const slice = (n) => requests.slice(next, (next += n));
    // Warm-up, not measured: JIT, the connection pools, prepared statements.
    await load(`${base}/health/live`, { duration: 2 });
    await load(base, { duration: 3, overallRate: 500, connections: 10 }, slice(1_500));
    const pause = () => new Promise((r) => setTimeout(r, 2_000));
    const results = [];
    // Steady 500/s first (the latency goal), then saturation (the throughput goal).
    results.push(summary('bare GET /health/live @500/s', await load(`${base}/health/live`, { overallRate: 500, connections: 10 }), 200));
    await pause();
    results.push(summary('ingest POST /webhooks/pleo @500/s', await load(base, { overallRate: 500, connections: 10 }, slice(SECONDS * 600)), 202));
    await pause();
    results.push(summary('bare GET /health/live, max', await load(`${base}/health/live`, {}), 200));
    await pause();
    results.push(summary('ingest POST /webhooks/pleo, max', await load(base, {}, slice(SECONDS * 4_000)), 202));

    const { rows } = await db.query('SELECT status, count(*)::int AS n FROM webhook_events GROUP BY status');
    console.log(`\nmachine: ${os.cpus().length} × ${os.cpus()[0].model}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}`);
    console.log(`${SECONDS} s per phase, ${CONNECTIONS} connections for max phases, 10 for the 500/s phases\n`);
    console.log('| phase | ok/s | p50 ms | p99 ms | errors |');
    console.log('|---|---:|---:|---:|---:|');
    for (const r of results) console.log(`| ${r.label} | ${r.okPerSec} | ${r.p50} | ${r.p99} | ${r.errors} |`);
    console.log(`\ningest / bare throughput at saturation: ${(results[3].okPerSec / results[2].okPerSec).toFixed(2)}`);
    console.log(`rows stored: ${rows.map((r) => `${r.status} ${r.n}`).join(', ')}`);
  } finally {
    api.kill('SIGTERM');
    await db.end();
    const connection = { url: REDIS_URL };
    for (const name of ['vendor-sync', 'export-sync']) {
      const q = new Queue(name, { connection, prefix: PREFIX });
      await q.obliterate({ force: true }).catch(() => {});
      await q.close();
    }
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
