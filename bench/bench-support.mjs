// What the export benchmarks (sandbox ERP, Xero) share: the repository root, running a node
// script, a process's peak memory, and a fresh benchmark database.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const { Client } = require('pg');

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Runs `node <args>` in the repository root with extra environment; rejects on a non-zero exit. */
const sh = (args, extra) =>
  new Promise((resolve, reject) => {
    const p = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...extra }, stdio: 'inherit' });
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${args.join(' ')} exited ${code}`))));
  });

/** A process's peak resident memory (KiB); 0 once it is gone. */
export const peakKiB = (pid) => {
  try {
    return Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
};

/**
 * Migrates the benchmark database and empties what an export run writes — and the events other
 * benchmarks left, which the worker's outbox sweeper would otherwise queue.
 */
export async function freshExportDatabase(databaseUrl) {
  await sh(['scripts/db-migrate.mjs'], { DATABASE_URL: databaseUrl });
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  await db.query('TRUNCATE webhook_events, export_item_ledger, export_job_runs, sandbox_entries CASCADE');
  await db.end();
}
