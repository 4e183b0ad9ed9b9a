#!/usr/bin/env node
// Business Central benchmark (issue #11): BENCH_ITEMS journal entries (default 5,000) through the
// built Business Central adapter — postExpenses in batches of BENCH_BATCH_SIZE (default 50, the
// worker's EXPORT_BATCH_SIZE; $batch + one journal post per batch; BENCH_BATCH_SIZE=1 is the
// entry-by-entry postExpense path) — its Redis rate governor (BC's limits) and Redis journal lock,
// into the fake Business Central run as its own process with its limits ON (a sliding window of
// BENCH_BC_PER_WINDOW requests per BENCH_BC_WINDOW_SECONDS, 5 in flight → 429).
// Prints wall time against the floor the limits allow (calls needed ÷ the window's quota), calls
// per item, 429s the fake sent, the bench process's peak memory (VmHWM) and the fake's.
//
//   npm run bench:bc                                  (real limits: 6,000 per 300 s; needs Redis)
//   BENCH_BC_WINDOW_SECONDS=30 npm run bench:bc       (time-compressed: the same 6,000 quota in 30 s,
//                                                     10× the real rate — NOT the real limits)
//   BENCH_ITEMS=500 BENCH_CONCURRENCY=5 BENCH_BC_LATENCY_MS=0 …
//   BENCH_BC_BATCH_COUNTS=request        (the fake and the governor count a $batch once, not per operation)
//   BENCH_BC_OP_LATENCY_MS=20            (the fake adds this per operation inside a $batch)
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const erp = (p) => require(path.join(root, 'dist/libs/erp/src', p));
const { BusinessCentralErpAdapter } = erp('adapters/business-central/bc-erp.adapter.js');
const { BcTokens } = erp('adapters/business-central/bc-token.js');
const { RedisBcLock } = erp('adapters/business-central/bc-lock.js');
const { parseBcSettings } = erp('adapters/business-central/bc-settings.js');
const { RateGovernor } = erp('governor/rate-governor.js');
const { ErpError } = erp('erp-errors.js');
const IORedis = require('ioredis');

const N = Number(process.env.BENCH_ITEMS ?? 5000);
const WINDOW_S = Number(process.env.BENCH_BC_WINDOW_SECONDS ?? 300);
const PER_WINDOW = Number(process.env.BENCH_BC_PER_WINDOW ?? 6000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 5);
const LATENCY_MS = Number(process.env.BENCH_BC_LATENCY_MS ?? 0);
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const BATCH_SIZE = Number(process.env.BENCH_BATCH_SIZE ?? 50);
const BATCH_COUNTS = process.env.BENCH_BC_BATCH_COUNTS ?? 'operation';
const OP_LATENCY_MS = Number(process.env.BENCH_BC_OP_LATENCY_MS ?? 0);

const peakKiB = (pid) => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);

function startFake() {
  const env = { ...process.env, FAKE_BC_PORT: '0', FAKE_BC_HOST: '127.0.0.1', FAKE_BC_CONTROL: '1', FAKE_BC_CLIENT_ID: randomUUID(), FAKE_BC_CLIENT_SECRET: randomUUID(), FAKE_BC_LATENCY_MS: String(LATENCY_MS), FAKE_BC_BATCH_COUNTS: BATCH_COUNTS, FAKE_BC_BATCH_OPERATION_LATENCY_MS: String(OP_LATENCY_MS) };
  const child = spawn(process.execPath, [path.join(root, 'dist/apps/fake-business-central/src/main.js')], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  process.on('exit', () => child.kill('SIGKILL'));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.includes('fake Business Central listening'));
      if (line) resolve({ child, info: JSON.parse(line), secret: env.FAKE_BC_CLIENT_SECRET });
    });
    child.on('exit', (code) => reject(new Error(`fake Business Central exited ${code}`)));
  });
}

function entry(i) {
  const gross = 10 + (i % 500);
  const tax = Math.round(gross * 20) / 100; // 25 % inclusive: tax = gross/5
  return {
    reference: randomUUID(),
    externalReference: `B-${i}`,
    mode: 'journal',
    state: 'posted',
    date: '2026-11-20',
    description: `Expense ${i}`,
    total: { value: gross.toFixed(2), currency: 'EUR' },
    contraAccount: '1910',
    lines: [{ account: '7100', net: { value: (gross - tax).toFixed(2), currency: 'EUR' }, tax: { code: 'S25', mode: 'inclusive', amount: { value: tax.toFixed(2), currency: 'EUR' } }, dimensions: [{ group: 'dept', value: 'sales' }] }],
  };
}

async function main() {
  const { child, info, secret } = await startFake();
  const control = async (p, body) => (await fetch(`${info.url}/__control/${p}`, body === undefined ? undefined : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).json();
  const windowMs = WINDOW_S * 1000;
  await control('limits', { perWindow: PER_WINDOW, windowMs, concurrent: 5 });

  const redis = new IORedis(REDIS_URL);
  const prefix = `bench-bc-${randomUUID().slice(0, 8)}`;
  const s = parseBcSettings({ tenantId: info.tenantId, clientId: info.clientId, environment: info.environment, companyId: info.companyId, journalCode: 'PLEO', apiUrl: info.apiBaseUrl, tokenUrl: info.tokenUrl });
  const tokens = new BcTokens({ tenantId: s.tenantId, clientId: s.clientId, clientSecret: secret, tokenUrl: s.tokenUrl }, null, fetch);
  // the governor waits its turn inline for up to a window (a worker would instead be re-queued)
  const governor = new RateGovernor(redis, { prefix, maxInlineWaitMs: windowMs + 1000 });
  const limits = { windows: [{ limit: PER_WINDOW, windowMs }], concurrent: 5 };
  const adapter = new BusinessCentralErpAdapter(s, { tokens, fetch: governor.fetchFor('bench', limits), lock: new RedisBcLock(redis, prefix, { maxWaitMs: 10 * windowMs }), connectionKey: 'bench', batchCounts: BATCH_COUNTS });
  const ctx = { correlationId: 'bench-bc' };

  const entries = Array.from({ length: N }, (_, i) => entry(i));
  const batches = Array.from({ length: Math.ceil(N / BATCH_SIZE) }, (_, i) => entries.slice(i * BATCH_SIZE, (i + 1) * BATCH_SIZE));
  let next = 0;
  let completed = 0;
  let retries = 0;
  const started = performance.now();
  const post = async (batch) => {
    if (BATCH_SIZE === 1) return [{ status: 'posted', posted: await adapter.postExpense(batch[0], ctx) }];
    return adapter.postExpenses(batch, ctx);
  };
  const work = async () => {
    while (next < batches.length) {
      const taken = batches[next++];
      let batch = taken;
      for (;;) {
        try {
          const results = await post(batch);
          const failed = results.find((r) => r.status === 'failed');
          if (failed) throw new Error(`${failed.reference}: ${failed.error.message}`);
          // unknown outcome: retried (postExpenses looks each up first, as the export does after reconciling)
          const unknown = results.filter((r) => r.status === 'unknown');
          if (!unknown.length) break;
          retries++;
          batch = batch.filter((e) => unknown.some((u) => u.reference === e.reference));
          await new Promise((r) => setTimeout(r, unknown[0].error.retryAfterMs ?? 1000));
        } catch (err) {
          if (!(err instanceof ErpError) || !err.retryable) throw err;
          retries++;
          await new Promise((r) => setTimeout(r, err.retryAfterMs ?? 1000));
        }
      }
      completed += taken.length;
      if (Math.floor(completed / (N / 10)) !== Math.floor((completed - taken.length) / (N / 10))) console.error(`${completed}/${N} after ${((performance.now() - started) / 1000).toFixed(1)} s`);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, work));
  const wallS = (performance.now() - started) / 1000;

  const calls = await control('calls');
  const state = await control('state');
  const requests = calls.calls.filter((c) => !c.inBatch && c.status !== 429);
  const operations = calls.calls.filter((c) => c.inBatch).length;
  const batchRequests = requests.filter((c) => c.path.endsWith('/$batch')).length;
  // what counts toward BC's window: each operation of a $batch (default), or the $batch once
  const apiCalls = BATCH_COUNTS === 'request' ? requests.length : requests.length - batchRequests + operations;
  const got429 = calls.calls.filter((c) => !c.inBatch && c.status === 429).length;
  const journalPosts = requests.filter((c) => c.path.endsWith('/Microsoft.NAV.post')).length;
  const posted = new Set(state.generalLedgerEntries.map((e) => e.documentNumber)).size;
  // the floor: calls ÷ quota × window; strictly, a sliding window lets the first quota go at once
  const floorS = (apiCalls / PER_WINDOW) * WINDOW_S;
  const strictFloorS = Math.max(0, (apiCalls - PER_WINDOW) / PER_WINDOW) * WINDOW_S;
  const result = {
    items: N,
    posted,
    limits: `${PER_WINDOW} requests per ${WINDOW_S} s, 5 in flight${WINDOW_S === 300 ? ' (BC’s real limits)' : ` (time-compressed ${300 / WINDOW_S}×: NOT the real limits)`}`,
    itemConcurrency: CONCURRENCY,
    batchSize: BATCH_SIZE,
    batchCounts: BATCH_COUNTS,
    fakeLatencyMs: LATENCY_MS,
    fakeOperationLatencyMs: OP_LATENCY_MS,
    wallSeconds: Number(wallS.toFixed(1)),
    apiCalls,
    callsPerItem: Number((apiCalls / N).toFixed(3)),
    httpRequests: requests.length,
    requestsPerItem: Number((requests.length / N).toFixed(3)),
    batchRequests,
    batchOperations: operations,
    journalPosts,
    floorSeconds: Number(floorS.toFixed(1)),
    wallOverFloor: Number((wallS / floorS).toFixed(2)),
    wallOverStrictFloor: strictFloorS > 0 ? Number((wallS / strictFloorS).toFixed(2)) : null,
    strictFloorSeconds: Number(strictFloorS.toFixed(1)),
    itemsPerSecond: Number((N / wallS).toFixed(1)),
    received429: got429,
    fakeRefusals: calls.refusals,
    peakConcurrent: calls.peakConcurrent,
    retries,
    benchPeakRssMiB: Math.round(peakKiB(process.pid) / 1024),
    fakePeakRssMiB: Math.round(peakKiB(child.pid) / 1024),
    violations: (await control('violations')).violations.length,
    cpus: os.cpus().length,
    pressureCpu: readFileSync('/proc/pressure/cpu', 'utf8').trim(),
  };
  console.log(JSON.stringify(result, null, 2));
  await redis.quit();
  child.kill('SIGTERM');
  if (posted !== N || result.violations) process.exitCode = 1;
}

const deadline = Number(process.env.BENCH_TIMEOUT_SECONDS ?? 3600);
setTimeout(() => {
  console.error(`gave up after ${deadline} s`);
  process.exit(2);
}, deadline * 1000).unref();

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
