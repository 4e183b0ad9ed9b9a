#!/usr/bin/env node
// Export benchmark (issue #4): one export job of BENCH_ITEMS items (default 5,000) through the fake
// Pleo (in this process) and the sandbox ERP, run by the built worker process. Prints items/s end
// to end (job started → final event), Pleo calls per item and the worker's peak memory (VmHWM),
// for a small and the full job size so that "memory flat in job size" can be checked.
//
//   npm run bench:export                      (needs PostgreSQL and Redis as for the tests)
//   BENCH_ITEMS=20000 npm run bench:export
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import path from 'node:path';
import { freshExportDatabase, peakKiB, root } from './bench-support.mjs';

const require = createRequire(import.meta.url);
const { FakePleo } = require(path.join(root, 'dist/apps/fake-pleo/src/fake-pleo.server.js'));
const IORedis = require('ioredis');

const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/pleo_erp_sync_bench';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const SIZES = [Math.min(1000, Number(process.env.BENCH_ITEMS ?? 5000)), Number(process.env.BENCH_ITEMS ?? 5000)];
const API_KEY = 'bench-pleo-key';

const amount = (value) => ({ inSupplierCurrency: { value, currency: 'EUR' }, inWalletCurrency: { value, currency: 'EUR' } });
function item(companyId, i) {
  const id = randomUUID();
  const gross = 1000 + (i % 5000);
  const tax = Math.round(gross / 5);
  return {
    _links: {}, accountingEntryId: id, companyId, date: '2026-11-20T10:15:00Z', type: 'card_purchase', amount: amount(gross),
    supplier: { name: `Supplier ${i % 97}` }, user: { id: randomUUID(), name: 'Maja Hansen' }, note: `Expense ${i}`,
    contraAccount: { id: randomUUID(), name: 'Pleo EUR', code: '1910' },
    additionalInformation: { reconciliationId: `B-${i}` },
    accountingEntryLines: [{
      accountingEntryLineId: randomUUID(), lineAmount: amount(gross), netAmount: amount(gross), // TaxTypeV3 inclusive: net includes tax
      account: { id: randomUUID(), name: 'Meals', code: '7100' },
      tax: { id: randomUUID(), rate: 0.25, type: 'inclusive', amount: amount(tax), code: 'S25' },
      tags: [{ id: randomUUID(), groupCode: 'DEPT', code: 'SALES' }],
    }],
  };
}


async function runOnce(fake, n) {
  const companyId = randomUUID();
  const job = fake.exports.seedJob({ companyId, items: Array.from({ length: n }, (_, i) => item(companyId, i)) });
  const prefix = `bench-${randomUUID().slice(0, 8)}`;
  const callsBefore = fake.state.calls.length;
  const worker = spawn(process.execPath, ['dist/apps/worker/src/main.js'], {
    cwd: root,
    env: {
      PATH: process.env.PATH, DATABASE_URL, REDIS_URL, QUEUE_PREFIX: prefix, LOG_LEVEL: 'warn',
      PLEO_API_BASE_URL: fake.url, PLEO_API_KEY: API_KEY, PLEO_COMPANY_IDS: companyId,
      ...(process.env.EXPORT_ITEM_CONCURRENCY && { EXPORT_ITEM_CONCURRENCY: process.env.EXPORT_ITEM_CONCURRENCY }),
      ...(process.env.WORKER_NODE_OPTIONS && { NODE_OPTIONS: process.env.WORKER_NODE_OPTIONS }),
      EXPORT_WALLET_ACCOUNT: '1910', EXPORT_CONTRA_ACCOUNT: '2990', EXPORT_OUT_OF_POCKET_ACCOUNT: '2890', EXPORT_AP_ACCOUNT: '2400',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  let started = 0;
  let peak = 0;
  for (;;) {
    peak = Math.max(peak, peakKiB(worker.pid));
    const status = fake.exports.jobs.get(job.id).status;
    if (!started && status !== 'pending') started = performance.now();
    if (['completed', 'completed_with_errors', 'failed'].includes(status)) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const seconds = (performance.now() - started) / 1000;
  peak = Math.max(peak, peakKiB(worker.pid));
  worker.kill('SIGTERM');
  await new Promise((r) => worker.on('exit', r));
  const redis = new IORedis(REDIS_URL);
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
  const done = fake.exports.jobs.get(job.id);
  return {
    n,
    status: done.status,
    itemsPerSecond: Math.round(n / seconds),
    seconds: seconds.toFixed(2),
    pleoCallsPerItem: ((fake.state.calls.length - callsBefore) / n).toFixed(3),
    puts: done.updates.length,
    peakMiB: (peak / 1024).toFixed(0),
  };
}

async function main() {
  await freshExportDatabase(DATABASE_URL);
  const fake = new FakePleo({ apiKey: API_KEY, control: true });
  await fake.listen(0);
  try {
    const results = [];
    for (const n of SIZES) results.push(await runOnce(fake, n));
    console.log(`\nmachine: ${os.cpus().length} × ${os.cpus()[0].model}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}; sandbox ERP (no latency), EXPORT_ITEM_CONCURRENCY default\n`);
    console.log('| items | outcome | seconds | items/s | Pleo calls per item | PUT calls | worker peak RSS MiB |');
    console.log('|---:|---|---:|---:|---:|---:|---:|');
    for (const r of results) console.log(`| ${r.n} | ${r.status} | ${r.seconds} | ${r.itemsPerSecond} | ${r.pleoCallsPerItem} | ${r.puts} | ${r.peakMiB} |`);
    const problems = fake.specProblems();
    console.log(`\nspec problems: ${problems.length}`);
  } finally {
    await fake.close();
  }
}

main().then(() => process.exit(0), (err) => {
  console.error(err);
  process.exit(1);
});
