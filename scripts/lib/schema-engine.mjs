// Prisma's real migration engine, compiled to WebAssembly (@prisma/schema-engine-wasm), so that
// migrations can be applied and written without downloading Prisma's native engine binaries
// (air-gapped installs, CI without internet). Same `_prisma_migrations` table as `prisma migrate deploy`.
import { readFile, readdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
const { PrismaPg } = require('@prisma/adapter-pg');
const { bindMigrationAwareSqlAdapterFactory } = require('@prisma/driver-adapter-utils');

export const projectRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
export const schemaPath = path.join(projectRoot, 'prisma', 'schema.prisma');
export const migrationsDir = path.join(projectRoot, 'prisma', 'migrations');
export const emptyFilters = { externalTables: [], externalEnums: [] };

export async function loadSchemaEngine({ connectionString, datamodels, onLog = () => {} }) {
  const pkgDir = path.dirname(require.resolve('@prisma/schema-engine-wasm'));
  const bg = await import(pathToFileURL(path.join(pkgDir, 'schema_engine_bg.js')).href);
  const bytes = await readFile(path.join(pkgDir, 'schema_engine_bg.wasm'));
  const { instance } = await WebAssembly.instantiate(bytes, { './schema_engine_bg.js': bg });
  bg.__wbg_set_wasm(instance.exports);
  instance.exports.__wbindgen_start();
  // The engine asks the server for its version when it starts, so even a diff between two schema
  // files needs a reachable PostgreSQL; it reads no tables and needs no shadow database.
  const adapter = bindMigrationAwareSqlAdapterFactory(new PrismaPg({ connectionString }));
  return bg.SchemaEngine.new({ datamodels }, onLog, adapter);
}

export async function readMigrationsList() {
  const lockPath = path.join(migrationsDir, 'migration_lock.toml');
  const entries = existsSync(migrationsDir) ? await readdir(migrationsDir, { withFileTypes: true }) : [];
  const dirs = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
  const migrationDirectories = [];
  for (const dir of dirs) {
    const file = path.join(migrationsDir, dir, 'migration.sql');
    const content = existsSync(file)
      ? { tag: 'ok', value: await readFile(file, 'utf8') }
      : { tag: 'error', value: `missing ${file}` };
    migrationDirectories.push({ path: dir, migrationFile: { path: 'migration.sql', content } });
  }
  return {
    baseDir: migrationsDir,
    lockfile: {
      path: 'migration_lock.toml',
      content: existsSync(lockPath) ? await readFile(lockPath, 'utf8') : null,
    },
    shadowDbInitScript: '',
    migrationDirectories,
  };
}
