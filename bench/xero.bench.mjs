#!/usr/bin/env node
// Xero export benchmark (issue #10): one export job of BENCH_ITEMS items (default 5,000) from the fake
// Pleo into the fake Xero with Xero's real limits on (60 calls/min, 5 in flight, 5,000/day per
// tenant), run by the built worker process (ERP_ADAPTER=xero: export job runner → batches of
// EXPORT_BATCH_SIZE → postExpenses → the connection's Redis rate governor). Both fakes run in this
// process; every Xero call is counted by the fake Xero. Prints wall time against the floor the
// limits allow (calls the fake counted ÷ 60 per minute, and the fewest calls the batch size
// permits), calls per item, 429s, the worker's peak RSS and wall/floor (goal ≤ 1.15).
//
//   npm run bench:xero                        (needs PostgreSQL and Redis as for the tests)
//   BENCH_ITEMS=1000 EXPORT_BATCH_SIZE=100 npm run bench:xero
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import path from 'node:path';
import { freshExportDatabase, peakKiB, root } from './bench-support.mjs';

const require = createRequire(import.meta.url);
const { FakePleo } = require(path.join(root, 'dist/apps/fake-pleo/src/fake-pleo.server.js'));
const { FakeXero } = require(path.join(root, 'dist/apps/fake-xero/src/fake-xero.server.js'));
const { FakeXeroOrg } = require(path.join(root, 'dist/apps/fake-xero/src/fake-xero-org.js'));
const IORedis = require('ioredis');

const env = process.env;
const DATABASE_URL = env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/pleo_erp_sync_bench_xero';
const REDIS_URL = env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const N = Number(env.BENCH_ITEMS ?? 5000);
const VENDORS = Number(env.BENCH_VENDORS ?? 120);
const BATCH = Number(env.EXPORT_BATCH_SIZE ?? 50);
/** share of items by kind: card spend, out-of-pocket (manual journal), unpaid AP bill; plus a few paid bills and receipts */
const MIX = { card: 0.7, outOfPocket: 0.15, bill: 0.15 };
const PAID_BILLS = Number(env.BENCH_PAID_BILLS ?? 10);
const RECEIPTS = Number(env.BENCH_RECEIPTS ?? 20);
const API_KEY = 'bench-pleo-key';
const CLIENT_ID = 'bench-xero-client';
const GBP = 'GBP';
const PER_MINUTE = 60;
const XERO_BATCH = 50; // the adapter's elements per Xero request

const amount = (value) => ({ inSupplierCurrency: { value, currency: GBP }, inWalletCurrency: { value, currency: GBP } });
const DEPARTMENTS = ['Sales', 'Engineering', 'Marketing'];
const ACCOUNTS = ['429', '463', '493', '400'];

/** An ExportItemV3: `kind` is card | outOfPocket | bill | paidBill. */
function item(companyId, i, kind, vendor, receipt) {
  const id = randomUUID();
  const gross = 600 + ((i * 37) % 20000); // pence, tax-inclusive
  const tax = Math.round(gross / 6); // INPUT2 20 % inclusive
  const ap = kind === 'bill' || kind === 'paidBill';
  return {
    _links: {}, accountingEntryId: id, companyId, date: '2026-11-20T10:15:00Z',
    type: kind === 'outOfPocket' ? 'out_of_pocket' : kind === 'bill' ? 'invoice' : kind === 'paidBill' ? 'card_invoice' : 'card_purchase',
    amount: amount(gross), supplier: { name: vendor.name }, user: { id: randomUUID(), name: 'Maja Hansen' }, note: `Expense ${i}`,
    ...(kind !== 'outOfPocket' && { contraAccount: { id: randomUUID(), name: 'Pleo GBP', code: '090' } }),
    ...(ap && { bookkeeping: { method: 'accounts_payable' }, vendor: { id: vendor.id, name: vendor.name, defaultCurrency: GBP, externalId: vendor.contactId, code: vendor.id } }),
    ...(receipt && { files: [{ content: Buffer.from(`%PDF-1.4 receipt ${i} ${id}`).toString('base64'), type: 'application/pdf' }] }),
    additionalInformation: {
      reconciliationId: `B-${i}`,
      ...(ap && { invoiceInformation: { invoiceNumber: `INV-${i}-${id.slice(0, 6)}`, invoiceDate: '2026-11-18T00:00:00Z', dueDate: '2026-12-18T00:00:00Z', status: kind === 'paidBill' ? 'paid' : 'awaiting_payment' } }),
    },
    accountingEntryLines: [{
      accountingEntryLineId: randomUUID(), lineAmount: amount(gross), netAmount: amount(gross),
      account: { id: randomUUID(), name: 'Expenses', code: ACCOUNTS[i % ACCOUNTS.length] },
      tax: { id: randomUUID(), rate: 0.2, type: 'inclusive', amount: amount(tax), code: 'INPUT2' },
      tags: [{ id: randomUUID(), groupCode: 'Department', code: DEPARTMENTS[i % DEPARTMENTS.length] }],
    }],
  };
}

/** The items, interleaved as Pleo lists them (kinds mixed on every page), and how many of each kind. */
function items(companyId, vendors) {
  const counts = { card: 0, outOfPocket: 0, bill: 0, paidBill: 0, receipts: 0 };
  const list = Array.from({ length: N }, (_, i) => {
    const r = (i * 0.6180339887) % 1; // evenly spread, deterministic
    let kind = r < MIX.card ? 'card' : r < MIX.card + MIX.outOfPocket ? 'outOfPocket' : 'bill';
    if (kind === 'bill' && counts.paidBill < PAID_BILLS && i % 7 === 0) kind = 'paidBill';
    const receipt = kind === 'card' && counts.receipts < RECEIPTS && i % 11 === 0;
    counts[kind]++;
    if (receipt) counts.receipts++;
    return item(companyId, i, kind, vendors[(i * 7919) % vendors.length], receipt);
  });
  return { list, counts };
}

/** Vendors synced earlier (vendor sync): Xero contacts with ContactNumber = Pleo vendor id, known to Pleo by ContactID. */
function seedVendors(org) {
  return Array.from({ length: VENDORS }, (_, i) => {
    const id = randomUUID();
    const contactId = randomUUID();
    const name = `Bench Supplier ${i} Ltd`;
    org.contacts.set(contactId, { ContactID: contactId, ContactNumber: id, Name: name, ContactStatus: 'ACTIVE', DefaultCurrency: GBP, IsSupplier: true, IsCustomer: false, HasAttachments: false, UpdatedDateUTC: '/Date(1763600000000+0000)/' });
    return { id, contactId, name };
  });
}

/** The fewest Xero calls the limits and the batch size permit: every kind in full batches of 50
 *  (or of EXPORT_BATCH_SIZE when smaller), a paid bill two writes, a receipt one upload, plus the
 *  adapter's reads (token, bank accounts, tracking categories, the card-spend contact). */
function minimalCalls(c) {
  const perCall = Math.min(XERO_BATCH, BATCH);
  const batched = ['card', 'outOfPocket', 'bill'].reduce((sum, k) => sum + Math.ceil(c[k] / perCall), 0);
  return batched + 2 * c.paidBill + c.receipts + 3;
}

const pressure = () => {
  try {
    return readFileSync('/proc/pressure/cpu', 'utf8').trim().replace(/\n/g, ' | ');
  } catch {
    return 'n/a';
  }
};

async function main() {
  await freshExportDatabase(DATABASE_URL);

  const pleo = new FakePleo({ apiKey: API_KEY, control: true });
  await pleo.listen(0);
  const xero = new FakeXero({ control: true }); // Xero's real limits
  const org = xero.addOrg(new FakeXeroOrg());
  xero.identity.addClient({ clientId: CLIENT_ID, clientSecret: 'bench-xero-secret' });
  await xero.listen(0);
  const refreshToken = xero.identity.issueRefreshToken(CLIENT_ID, [org.tenantId]);

  const companyId = randomUUID();
  const vendors = seedVendors(org);
  const { list, counts } = items(companyId, vendors);
  const job = pleo.exports.seedJob({ companyId, items: list });
  const prefix = `bench-xero-${randomUUID().slice(0, 8)}`;
  const pressureBefore = pressure();
  const worker = spawn(process.execPath, ['dist/apps/worker/src/main.js'], {
    cwd: root,
    env: {
      PATH: env.PATH, DATABASE_URL, REDIS_URL, QUEUE_PREFIX: prefix, LOG_LEVEL: env.BENCH_LOG_LEVEL ?? 'warn',
      PLEO_API_BASE_URL: pleo.url, PLEO_API_KEY: API_KEY, PLEO_COMPANY_IDS: companyId, RECEIPT_ALLOWED_HTTP_HOSTS: new URL(pleo.filesUrl).host,
      ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      ERP_ADAPTER: 'xero', XERO_CLIENT_ID: CLIENT_ID, XERO_CLIENT_SECRET: 'bench-xero-secret', XERO_REFRESH_TOKEN: refreshToken, XERO_TENANT_ID: org.tenantId,
      XERO_API_BASE_URL: xero.apiUrl, XERO_IDENTITY_URL: xero.url,
      EXPORT_WALLET_ACCOUNT: '090', EXPORT_OUT_OF_POCKET_ACCOUNT: '814', EXPORT_CONTRA_ACCOUNT: '090', EXPORT_AP_ACCOUNT: '800',
      EXPORT_BATCH_SIZE: String(BATCH),
      ...(env.EXPORT_ITEM_CONCURRENCY && { EXPORT_ITEM_CONCURRENCY: env.EXPORT_ITEM_CONCURRENCY }),
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  let started = 0;
  let firstXero = 0;
  let peak = 0;
  let lastReport = 0;
  try {
    for (;;) {
      peak = Math.max(peak, peakKiB(worker.pid));
      const status = pleo.exports.jobs.get(job.id).status;
      if (!started && status !== 'pending') started = performance.now();
      if (!firstXero && xero.calls.length) firstXero = performance.now();
      if (['completed', 'completed_with_errors', 'failed'].includes(status)) break;
      if (worker.exitCode !== null) throw new Error(`the worker exited (${worker.exitCode})`);
      if (performance.now() - lastReport > 30_000) {
        lastReport = performance.now();
        const done = pleo.exports.jobs.get(job.id).updates.reduce((n, u) => n + u, 0);
        console.error(`… ${status}: ${xero.calls.length} Xero calls, ${done} item updates, 429s ${JSON.stringify(xero.limits.refusals)}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    peak = Math.max(peak, peakKiB(worker.pid));
    worker.kill('SIGTERM');
    await new Promise((r) => (worker.exitCode !== null ? r() : worker.on('exit', r)));
  }
  const wallSeconds = (performance.now() - started) / 1000;
  const pressureAfter = pressure();
  const redis = new IORedis(REDIS_URL);
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();

  const done = pleo.exports.jobs.get(job.id);
  const finals = [...done.items.values()];
  const failed = finals.filter((i) => i.status === 'failed');
  const rateFailed = failed.filter((i) => /rate|limit|429|slow down/i.test(String(i.failureReason)));
  const api = xero.calls; // Accounting API calls (the token endpoint is not counted by Xero's limits)
  const byOp = api.reduce((m, c) => ((m[c.operationId ?? c.path] = (m[c.operationId ?? c.path] ?? 0) + 1), m), {});
  const admitted = api.filter((c) => c.status !== 429).length;
  const got429 = api.filter((c) => c.status === 429).length;
  const floorSeconds = (admitted / PER_MINUTE) * 60;
  // Xero's minute is rolling: the first 60 calls may go at once, call n no earlier than ⌊(n − 1) ÷ 60⌋ minutes
  const rollingFloorSeconds = Math.floor(Math.max(0, admitted - 1) / PER_MINUTE) * 60;
  const minCalls = minimalCalls(counts);
  const minFloorSeconds = (minCalls / PER_MINUTE) * 60;
  const booked = org.bankTransactions.size + org.invoices.size + org.manualJournals.size;

  console.log(`\nmachine: ${os.cpus().length} × ${os.cpus()[0].model}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}; shared with other engineers' builds and tests`);
  console.log(`/proc/pressure/cpu before: ${pressureBefore}`);
  console.log(`/proc/pressure/cpu after:  ${pressureAfter}`);
  console.log(`items: ${N} = ${counts.card} card spend (${counts.receipts} with a receipt) + ${counts.outOfPocket} out-of-pocket + ${counts.bill} unpaid bills + ${counts.paidBill} paid bills over ${VENDORS} vendors; EXPORT_BATCH_SIZE ${BATCH}`);
  console.log(`job: ${done.status}; successful ${finals.filter((i) => i.status === 'successful').length}, failed ${failed.length} (for rate limits: ${rateFailed.length}); Xero documents ${booked}, attachments ${[...org.attachments.values()].flat().length}`);
  console.log(`Xero calls by operation: ${JSON.stringify(byOp)}`);
  console.log(`Pleo calls: ${pleo.state.calls.length}; PUT updates: ${done.updates.length} (largest ${Math.max(0, ...done.updates)} items)\n`);
  console.log('| items | wall s | Xero calls (admitted) | floor s (calls ÷ 60/min) | wall / floor | rolling floor s (⌊(calls − 1) ÷ 60⌋ min) | wall / rolling floor | fewest calls for the batch size | floor s for those | wall / that floor | calls per item | 429s | peak in flight | worker peak RSS MiB |');
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  console.log(
    `| ${N} | ${wallSeconds.toFixed(1)} | ${admitted} | ${floorSeconds.toFixed(0)} | ${(wallSeconds / floorSeconds).toFixed(2)} | ${rollingFloorSeconds.toFixed(0)} | ${(wallSeconds / rollingFloorSeconds).toFixed(2)} | ${minCalls} | ${minFloorSeconds.toFixed(0)} | ${(wallSeconds / minFloorSeconds).toFixed(2)} | ${(admitted / N).toFixed(3)} | ${got429} ${JSON.stringify(xero.limits.refusals)} | ${xero.limits.peakConcurrent} | ${(peak / 1024).toFixed(0)} |`,
  );
  console.log(`Pleo calls by operation: ${JSON.stringify(pleo.state.calls.reduce((m, c) => ((m[c.operationId ?? c.path] = (m[c.operationId ?? c.path] ?? 0) + 1), m), {}))}`);
  console.log(`\nXero spec problems: ${xero.specProblems().length}; Pleo spec problems: ${pleo.specProblems().length}`);
  if (firstXero) console.log(`(job started → first Xero call: ${((firstXero - started) / 1000).toFixed(1)} s)`);
  await Promise.all([pleo.close(), xero.close()]);
  if (failed.length) console.log(`failures (first 5): ${JSON.stringify(failed.slice(0, 5).map((f) => f.failureReason))}`);
}

main().then(() => process.exit(0), (err) => {
  console.error(err);
  process.exit(1);
});
