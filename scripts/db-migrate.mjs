#!/usr/bin/env node
// Applies prisma/migrations to DATABASE_URL, exactly like `prisma migrate deploy`, but offline.
// Creates the database first when it does not exist yet.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { loadSchemaEngine, readMigrationsList, schemaPath, emptyFilters } from './lib/schema-engine.mjs';

const require = createRequire(import.meta.url);
const { Client } = require('pg');

async function ensureDatabase(connectionString) {
  const url = new URL(connectionString);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!name) throw new Error('DATABASE_URL names no database');
  url.pathname = '/postgres';
  const admin = new Client({ connectionString: url.toString(), connectionTimeoutMillis: 10_000 });
  await admin.connect();
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
