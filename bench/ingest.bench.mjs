#!/usr/bin/env node
// Ingest benchmark (issues #2, #14): the real webhook path of the built api process (signature →
// validation → PostgreSQL insert → BullMQ enqueue → access log) side by side with a peer — a
// minimal hand-written Fastify + pg + BullMQ ingest doing the same durable work
// (bench/ingest-peer.mjs) — both child processes of this one, loaded the same way in the same run
// with unique signed requests. Phases: a steady 10 req/s and 500 req/s (latency), then saturation
// at BENCH_CONNECTIONS connections (throughput); ours and the peer alternate within each phase.
//
//   npm run bench:ingest            (needs PostgreSQL and Redis as for the tests)
//   BENCH_SECONDS=20 BENCH_ROUNDS=3 npm run bench:ingest
//   BENCH_CPU_PROF=/tmp/prof npm run bench:ingest   (the api writes a .cpuprofile there on exit)
//   BENCH_RATE_LOAD=autocannon npm run bench:ingest   (the 10 and 500 req/s phases as before issue #14's
//     third pass: autocannon's per-second quota per connection and its latency "correction"; the
//     default, paced, sends at a steady rate and counts each answer once — bench/paced-load.mjs)
//   BENCH_STAGE_TIMINGS=1 BENCH_PHASES=500 BENCH_ROUNDS=3 npm run bench:ingest
//     (where the time of a request goes inside each process, phase by phase: the api's stages
//      from arrival to answer, and both sides' event-loop stalls and GC pauses; see
//      apps/api/src/webhooks/ingest-stage-timings.ts. BENCH_PHASES: 10, 500, max, comma-separated)
//
// CPU per accepted webhook (robust on a busy machine, where req/s is noise): for every phase, the
// CPU time that each side's own process, its PostgreSQL backends (told apart by application_name)
// and Redis spent (/proc/<pid>/schedstat, ns), divided by its 202 answers. What the idle process
// burns anyway (timers, pollers: measured in the pause before the phase) is reported apart and
// taken out, so that a slow phase on a busy machine is not charged for its length. Redis is a
// server of the benchmark's own (unless BENCH_REDIS_URL is given) so that no other client's work
// is counted.
//
// Goal (issue #14): at least the peer's accepted/s (goal 1.5×), p99 ≤ 25 ms at 500 req/s, and no
// rise of p50 at 10 req/s.
import { execFileSync, spawn } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pacedLoad } from './paced-load.mjs';

const require = createRequire(import.meta.url);
const autocannon = require('autocannon');
const { Client } = require('pg');
const { Queue } = require('bullmq');

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 1);
const CPU_PROF = process.env.BENCH_CPU_PROF;
const STAGE_TIMINGS = process.env.BENCH_STAGE_TIMINGS === '1';
const PACED = (process.env.BENCH_RATE_LOAD ?? 'paced') === 'paced';
const PHASES = (process.env.BENCH_PHASES ?? '10,500,max').split(',').map((p) => p.trim());
const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/pleo_erp_sync_bench_ingest';
let REDIS_URL = process.env.BENCH_REDIS_URL;
const PAUSE_MS = 2_000;
const TICK_US = 1e6 / Number(execFileSync('getconf', ['CLK_TCK']).toString().trim() || 100);
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

const pressure = () =>
  ['cpu', 'io']
    .map((k) => {
      try {
        const some = readFileSync(`/proc/pressure/${k}`, 'utf8').split('\n')[0];
        return `${k}: ${some.replace(/ total=\d+/, '')}`;
      } catch {
        return `${k}: n/a`;
      }
    })
    .join('; ');

/** CPU time of a process in µs (schedstat's ns run time, else utime + stime); 0 once it is gone. */
function cpuMicros(pid) {
  try {
    return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]) / 1e3;
  } catch {
    /* no schedstat: ticks below */
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from the 3rd on
    return (Number(fields[11]) + Number(fields[12])) * TICK_US;
  } catch {
    return 0;
  }
}

/** The database connection string with an application_name, so a side's backends can be found. */
const withAppName = (url, name) => `${url}${url.includes('?') ? '&' : '?'}application_name=${name}`;

/**
 * CPU of one side while it is loaded: its own process, its PostgreSQL backends (those alive at the
 * start, plus any opened during the phase: their whole life lies inside it) and the Redis server.
 */
async function cpuMeter(db, side, redisPid) {
  const backends = async () =>
    (await db.query('SELECT pid FROM pg_stat_activity WHERE application_name = $1', [side.appName])).rows.map((r) => r.pid);
  const sample = (pids) => ({
    proc: cpuMicros(side.pid),
    pg: new Map(pids.map((pid) => [pid, cpuMicros(pid)])),
    redis: redisPid ? cpuMicros(redisPid) : NaN,
  });
  const before = sample(await backends());
  return async () => {
    const afterPids = await backends();
    const after = sample(afterPids);
    let pg = 0;
    for (const [pid, us] of after.pg) pg += us - (before.pg.get(pid) ?? 0);
    return { proc: after.proc - before.proc, pg, redis: after.redis - before.redis };
  };
}

async function startRedis() {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction'], {
    stdio: 'ignore',
  });
  const url = `redis://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    const up = await new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => (s.end(), resolve(true)));
      s.on('error', () => resolve(false));
    });
    if (up) break;
    if (i > 100) throw new Error('redis-server did not start');
    await new Promise((r) => setTimeout(r, 50));
  }
  const exited = new Promise((r) => child.on('exit', r));
  return { url, pid: child.pid, kill: () => child.kill('SIGTERM'), stop: async () => (child.kill('SIGTERM'), await exited) };
}

/** Unique vendor-created webhooks, signed up front so the load generator spends no CPU on HMAC. */
function signedRequests(count) {
  const key = Buffer.from(SECRET.slice('whsec_'.length), 'base64');
  const ts = String(Math.floor(Date.now() / 1000));
  return Array.from({ length: count }, () => {
    const body = JSON.stringify({
      data: {
        id: randomUUID(), companyId: '5b1f7a52-3c8e-4d0a-9a11-2f5c1e0b9d77', name: 'Pleo Technologies GmbH', country: 'DE',
        registrationNumber: '', taxRegistrationNumber: 'DE365386860', code: null, state: 'DRAFT', defaultCurrency: 'EUR',
        createdAt: '2025-02-21T10:05:43.530450712Z', updatedAt: '2025-02-21T10:05:43.530450712Z', deletedAt: null,
      },
      eventType: 'v1.vendor.created',
      eventId: randomUUID(),
    });
    const id = `msg_${randomUUID().replace(/-/g, '')}`;
    const signature = `v1,${createHmac('sha256', key).update(`${id}.${ts}.${body}`).digest('base64')}`;
    return {
      method: 'POST',
      path: '/webhooks/pleo',
      body,
      headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': ts, 'webhook-signature': signature },
    };
  });
}

function load(url, opts, requests) {
  if (PACED && opts.overallRate) return pacedLoad(url, { rate: opts.overallRate, seconds: opts.duration ?? SECONDS, connections: CONNECTIONS }, requests);
  let i = 0;
  return autocannon({
    url,
    duration: SECONDS,
    connections: CONNECTIONS,
    ...opts,
    requests: [{ setupRequest: () => requests[i++ % requests.length] }],
  });
}

/**
 * CPU µs per accepted webhook, by where it was spent, net of what the same processes burnt while
 * idle (`idle` over one pause, scaled by `pauses`, the phase's length in pauses). `idleApi`: the
 * process's own idle burn in µs per second.
 */
function perWebhook(cpu, idle, pauses, ok) {
  const net = (key) => (Number.isFinite(cpu[key]) ? cpu[key] - Math.max(0, idle[key]) * pauses : NaN);
  const per = (us) => (ok ? us / ok : NaN);
  const [proc, pg, redis] = [net('proc'), net('pg'), net('redis')];
  return {
    proc: per(proc),
    pg: per(pg),
    redis: per(redis),
    total: per(proc + pg + (Number.isFinite(redis) ? redis : 0)),
    idleApi: idle.proc / (PAUSE_MS / 1e3),
  };
}

function summary(r) {
  const ok = r.statusCodeStats?.[202]?.count ?? 0;
  const others = Object.entries(r.statusCodeStats ?? {}).filter(([c]) => Number(c) !== 202);
  return {
    okPerSec: Math.round(ok / (r.duration || SECONDS)),
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.errors + others.reduce((n, [, s]) => n + s.count, 0), // autocannon counts timeouts among errors
    paced: r.fromSchedule && { fromScheduleP99: r.fromSchedule.p99, autocannonStyleP99: r.autocannonStyleP99 },
    why: [r.timeouts && `${r.timeouts} timeouts`, r.errors - r.timeouts > 0 && `${r.errors - r.timeouts} socket errors`, ...others.map(([c, s]) => `${s.count}× ${c}`)]
      .filter(Boolean)
      .join(', '),
  };
}

async function startProcess(name, args, env, readyPath) {
  const port = await freePort();
  const appName = `bench-${name}-${PREFIX}`;
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { PATH: process.env.PATH, DATABASE_URL: withAppName(DATABASE_URL, appName), REDIS_URL, PORT: String(port), ...env },
    stdio: ['ignore', 'ignore', 'inherit', ...(STAGE_TIMINGS ? ['ipc'] : [])],
  });
  /** The process's stage timings since the last call (BENCH_STAGE_TIMINGS). */
  const timings = () =>
    new Promise((resolve) => {
      const onMessage = (msg) => {
        if (msg?.type !== 'ingest-stage-timings') return;
        child.off('message', onMessage);
        resolve(msg.summary);
      };
      child.on('message', onMessage);
      child.send({ type: 'ingest-stage-timings' });
    });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${base}${readyPath}`)).ok) break;
    } catch {
      /* starting */
    }
    if (i > 300) throw new Error(`${name} did not become ready`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const exited = new Promise((r) => child.on('exit', r));
  return { name, base, pid: child.pid, appName, timings, stop: async () => (child.kill('SIGTERM'), await exited) };
}

async function main() {
  await sh(process.execPath, ['scripts/db-migrate.mjs'], { DATABASE_URL });
  const db = new Client({ connectionString: DATABASE_URL });
  await db.connect();
  await db.query('TRUNCATE webhook_events');
  const redis = REDIS_URL ? undefined : await startRedis();
  REDIS_URL ??= redis.url;
  process.on('exit', () => redis?.kill()); // also when a start-up below fails

  const pressureBefore = pressure();
  const ours = await startProcess(
    'ours',
    [...(CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF}`] : []), 'dist/apps/api/src/main.js'],
    {
      QUEUE_PREFIX: `${PREFIX}-ours`,
      PLEO_WEBHOOK_SECRETS: SECRET,
      ADMIN_API_TOKEN: 'bench-admin-token-0123456789',
      LOG_LEVEL: 'info',
      INGEST_STAGE_TIMINGS: String(STAGE_TIMINGS),
    },
    '/health/ready',
  );
  const peer = await startProcess(
    'peer',
    ['bench/ingest-peer.mjs'],
    { QUEUE_PREFIX: `${PREFIX}-peer`, WEBHOOK_SECRET: SECRET, ...(STAGE_TIMINGS ? { STAGE_TIMINGS: '1' } : {}) },
    '/ready',
  );
  const targets = [ours, peer];

  try {
    // Enough unique webhooks that none repeats during the run (a repeat would be a cheap duplicate).
    // autocannon's rate limiting overshoots a little: every phase gets half as many again.
    const margin = (n) => Math.ceil(n * 1.5) + 100;
    const phases = [
      { key: '10', label: '10 req/s', opts: { overallRate: 10, connections: 10 }, count: SECONDS * 10 },
      { key: '500', label: '500 req/s', opts: { overallRate: 500, connections: 10 }, count: SECONDS * 500 },
      { key: 'max', label: `max, ${CONNECTIONS} connections`, opts: {}, count: SECONDS * 6_000 },
    ].filter((p) => PHASES.includes(p.key));
    const perTarget = ROUNDS * phases.reduce((n, p) => n + margin(p.count), 0) + 3_000;
    const pool = { ours: signedRequests(perTarget), peer: signedRequests(perTarget) };
    const next = { ours: 0, peer: 0 };
    const slice = (t, n) => pool[t.name].slice(next[t.name], (next[t.name] += n));
    const pause = () => new Promise((r) => setTimeout(r, PAUSE_MS));
    // Warm-up, not measured: JIT, connection pools, prepared statements.
    for (const t of targets) await load(t.base, { duration: 3, overallRate: 500, connections: 10 }, slice(t, 1_500));

    const rows = [];
    for (let round = 1; round <= ROUNDS; round++) {
      for (const [i, phase] of phases.entries()) {
        const order = (i + round) % 2 ? [peer, ours] : [ours, peer];
        const result = {};
        for (const t of order) {
          const idleMeter = await cpuMeter(db, t, redis?.pid);
          await pause();
          const idle = await idleMeter();
          const meter = await cpuMeter(db, t, redis?.pid);
          if (STAGE_TIMINGS) await t.timings(); // starts over
          const startedAt = performance.now();
          const r = await load(t.base, phase.opts, slice(t, margin(phase.count)));
          const cpu = await meter();
          const seconds = (performance.now() - startedAt) / 1e3;
          const stages = STAGE_TIMINGS ? await t.timings() : undefined;
          result[t.name] = { ...summary(r), stages, cpu: perWebhook(cpu, idle, seconds / (PAUSE_MS / 1e3), r.statusCodeStats?.[202]?.count ?? 0) };
        }
        rows.push({ round, phase: phase.label, ...result });
      }
    }
    const pressureAfter = pressure();

    const { rows: stored } = await db.query('SELECT status, count(*)::int AS n FROM webhook_events GROUP BY status');
    console.log(`\nmachine: ${os.cpus().length} × ${os.cpus()[0].model}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}`);
    console.log(`pressure before: ${pressureBefore}\npressure after:  ${pressureAfter}`);
    console.log(`${SECONDS} s per phase and side, ${ROUNDS} round(s); ok = 202 answers; fixed-rate phases: ${PACED ? 'paced (bench/paced-load.mjs)' : 'autocannon'}\n`);
    console.log('| round | phase | ours ok/s | ours p50 / p99 ms | peer ok/s | peer p50 / p99 ms | ours ÷ peer ok/s | errors (ours/peer) |');
    console.log('|---:|---|---:|---:|---:|---:|---:|---:|');
    for (const r of rows) {
      const ratio = r.peer.okPerSec ? (r.ours.okPerSec / r.peer.okPerSec).toFixed(2) : '–';
      console.log(
        `| ${r.round} | ${r.phase} | ${r.ours.okPerSec} | ${r.ours.p50} / ${r.ours.p99} | ${r.peer.okPerSec} | ${r.peer.p50} / ${r.peer.p99} | ${ratio} | ${r.ours.errors}/${r.peer.errors} |`,
      );
    }
    console.log('\nCPU µs per accepted webhook (CPU time ÷ 202 answers, net of idle burn; api/peer process, its PostgreSQL backends, Redis):\n');
    console.log('| round | phase | ours api | peer | api ÷ peer | ours pg | peer pg | ours redis | peer redis | ours total | peer total | total ÷ | idle µs/s ours/peer |');
    console.log('|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const r of rows) {
      const [o, p] = [r.ours.cpu, r.peer.cpu];
      const f = (v) => (Number.isFinite(v) ? Math.round(v) : '–');
      const q = (a, b) => (Number.isFinite(a / b) && b > 0 ? (a / b).toFixed(2) : '–');
      console.log(
        `| ${r.round} | ${r.phase} | ${f(o.proc)} | ${f(p.proc)} | ${q(o.proc, p.proc)} | ${f(o.pg)} | ${f(p.pg)} | ${f(o.redis)} | ${f(p.redis)} | ${f(o.total)} | ${f(p.total)} | ${q(o.total, p.total)} | ${f(o.idleApi)} / ${f(p.idleApi)} |`,
      );
    }
    if (rows.some((r) => r.ours.paced)) {
      console.log('\nPaced phases (steady rate, every answer one sample), p99 ms three ways: of the answer (as above), from the moment the request was due (adds waits for a free connection and the load generator\'s own delays), and as autocannon would report these same answers in a rate-limited run:\n');
      console.log('| round | phase | ours p99 | ours from due | ours autocannon-style | peer p99 | peer from due | peer autocannon-style |');
      console.log('|---:|---|---:|---:|---:|---:|---:|---:|');
      for (const r of rows.filter((x) => x.ours.paced)) {
        const [o, p] = [r.ours, r.peer];
        console.log(`| ${r.round} | ${r.phase} | ${o.p99} | ${o.paced.fromScheduleP99} | ${o.paced.autocannonStyleP99} | ${p.p99} | ${p.paced.fromScheduleP99} | ${p.paced.autocannonStyleP99} |`);
      }
    }
    if (STAGE_TIMINGS) printStageTimings(rows);
    console.log(`(Redis: ${redis ? 'a server of its own, started by the benchmark' : `${REDIS_URL}, shared: not measured`})`);
    for (const r of rows) {
      for (const side of ['ours', 'peer']) if (r[side].why) console.log(`errors, round ${r.round}, ${r.phase}, ${side}: ${r[side].why}`);
    }
    console.log(`\nrows stored: ${stored.map((r) => `${r.status} ${r.n}`).join(', ')}`);
  } finally {
    await Promise.all(targets.map((t) => t.stop()));
    await db.end();
    if (redis) await redis.stop();
    else await dropQueues();
  }
}

/** BENCH_STAGE_TIMINGS: the api's stages and both sides' event loop and GC, phase by phase. */
function printStageTimings(rows) {
  const f = (v) => (Number.isFinite(v) ? (Math.round(v * 10) / 10).toString() : '–');
  console.log('\nInside the process (ms; server time = arrival at Fastify → answer written; "slow 1 %" = mean over the slowest 1 % of requests by server time):\n');
  console.log('| round | phase | side | server p50 / p99 | client p99 | GC pauses n / total / max | in slow 1 % | loop stalls ≥ 5 ms n / total / max | in slow 1 % | loop delay p99 / max | loop busy % |');
  console.log('|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    for (const side of ['ours', 'peer']) {
      const s = r[side].stages;
      if (!s) continue;
      console.log(
        `| ${r.round} | ${r.phase} | ${side} | ${f(s.total.p50)} / ${f(s.total.p99)} | ${r[side].p99} | ${s.gc.count} / ${f(s.gc.totalMs)} / ${f(s.gc.maxMs)} | ${f(s.gc.slowestOverlapMs)} | ` +
          `${s.stalls.count} / ${f(s.stalls.totalMs)} / ${f(s.stalls.maxMs)} | ${f(s.stalls.slowestOverlapMs)} | ${f(s.loop.delayP99Ms)} / ${f(s.loop.delayMaxMs)} | ${f(s.loop.utilisation)} |`,
      );
    }
  }
  const steps = rows.find((r) => r.ours.stages)?.ours.stages.steps.map((s) => s.stage) ?? [];
  console.log('\nThe api, step by step (ms from the previous stage: p50 / p99 / mean in the slowest 1 %):\n');
  console.log(`| round | phase | ${steps.join(' | ')} | batch size p50 / p99 / slow 1 % |`);
  console.log(`|---:|---|${steps.map(() => '---:').join('|')}|---:|`);
  for (const r of rows) {
    const s = r.ours.stages;
    if (!s) continue;
    const cells = s.steps.map((x) => `${f(x.p50)} / ${f(x.p99)} / **${f(x.slowestMean)}**`);
    console.log(`| ${r.round} | ${r.phase} | ${cells.join(' | ')} | ${f(s.batchSize.p50)} / ${f(s.batchSize.p99)} / ${f(s.batchSize.slowestMean)} |`);
  }
}

async function dropQueues() {
  const connection = { url: REDIS_URL };
  for (const prefix of [`${PREFIX}-ours`, `${PREFIX}-peer`]) {
    for (const name of ['vendor-sync', 'export-sync']) {
      const q = new Queue(name, { connection, prefix });
      await q.obliterate({ force: true }).catch(() => {});
      await q.close();
    }
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
