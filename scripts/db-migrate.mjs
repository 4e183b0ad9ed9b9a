#!/usr/bin/env node
// Applies prisma/migrations to DATABASE_URL, exactly like `prisma migrate deploy`, but offline.
// Creates the database first when it does not exist yet.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { loadSchemaEngine, readMigrationsList, schemaPath, emptyFilters } from './lib/schema-engine.mjs';

const require = createRequire(import.meta.url);
const { Client } = require('pg');

// A server that is still starting (compose starts migrate as soon as the healthcheck passes, a
// fresh machine's PostgreSQL may still be booting) refuses or says "starting up": wait for it.
const TRANSIENT = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', '57P03']);
const CONNECT_WAIT_MS = Number(process.env.DB_CONNECT_WAIT_SECONDS ?? 60) * 1000;

async function connectWithRetry(connectionString) {
  const deadline = Date.now() + CONNECT_WAIT_MS;
  for (let attempt = 1; ; attempt++) {
    const client = new Client({ connectionString, connectionTimeoutMillis: 10_000 });
    try {
      await client.connect();
      return client;
    } catch (err) {
      await client.end().catch(() => {});
      const transient = TRANSIENT.has(err?.code) || /timeout/i.test(err?.message ?? '');
      if (!transient || Date.now() >= deadline) throw err;
      console.log(`database not reachable yet (${err.code ?? err.message}), retrying (attempt ${attempt})`);
      await new Promise((resolve) => setTimeout(resolve, Math.min(500 * attempt, 3000)));
    }
  }
}

async function ensureDatabase(connectionString) {
  const url = new URL(connectionString);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!name) throw new Error('DATABASE_URL names no database');
  url.pathname = '/postgres';
  const admin = await connectWithRetry(url.toString());
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount === 0) {
      await admin.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
      console.log(`created database ${name}`);
    }
  } finally {
    await admin.end();
  }
}

async function main() {
  if (process.env.DATABASE_URL === undefined && typeof process.loadEnvFile === 'function') {
    try { process.loadEnvFile('.env'); } catch { /* no .env: rely on the environment */ }
  }
  const connectionString = process.env.DATABASE_URL;
  if (!connectionString) throw new Error('DATABASE_URL is not set');
  await ensureDatabase(connectionString);
  const engine = await loadSchemaEngine({
    connectionString,
    datamodels: [[schemaPath, await readFile(schemaPath, 'utf8')]],
  });
  const migrationsList = await readMigrationsList();
  const { appliedMigrationNames } = await engine.applyMigrations({ migrationsList, filters: emptyFilters });
  const total = migrationsList.migrationDirectories.length;
  console.log(
    appliedMigrationNames.length
      ? `applied ${appliedMigrationNames.length} migration(s): ${appliedMigrationNames.join(', ')}`
      : `database is up to date (${total} migration(s))`,
  );
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(`db:migrate failed: ${err?.message ?? err}`);
    process.exit(1);
  },
);
