#!/usr/bin/env node
// Validates docker-compose.yml and the Dockerfile without a Docker engine: parses the compose file
// (YAML with merge keys), checks that services, dependencies and commands fit together and point at
// files the build really produces, and that each app service's default environment passes the
// service's own configuration validation. Run after `npm run build`.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const YAML = require('yaml');
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const problems = [];
const fail = (msg) => problems.push(msg);
const APP_IMAGE = 'pleo-erp-sync:local';
const TRYTON_IMAGE = 'pleo-erp-sync-tryton:local'; // profile "tryton": Debian's Tryton, its own image

// ${VAR:-default} / ${VAR-default} / ${VAR} with an empty shell environment (the no-.env case), or
// with the given variables (a .env beside the compose file).
const interpolate = (value, vars = {}) =>
  typeof value === 'string'
    ? value.replace(/\$\{([A-Z0-9_]+)(:?)-?([^}]*)\}/g, (_, name, colon, def) => {
        const set = vars[name];
        return set === undefined || (colon && set === '') ? def : set;
      })
    : String(value);

const doc = YAML.parseDocument(readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'), { merge: true });
for (const e of [...doc.errors, ...doc.warnings]) fail(`docker-compose.yml: ${e.message}`);
const compose = doc.toJS({ maxAliasCount: 100 }) ?? {};
const services = compose.services ?? {};

for (const name of ['postgres', 'redis', 'migrate', 'api', 'worker', 'fake-pleo']) {
  if (!services[name]) fail(`service ${name} is missing`);
}
for (const [name, svc] of Object.entries(services)) {
  if (!svc.image && !svc.build) fail(`${name}: neither image nor build`);
  const deps = svc.depends_on ?? {};
  for (const [dep, cond] of Object.entries(Array.isArray(deps) ? Object.fromEntries(deps.map((d) => [d, {}])) : deps)) {
    if (dep === name) fail(`${name} depends on itself`);
    if (!services[dep]) fail(`${name} depends on unknown service ${dep}`);
    const condition = cond?.condition;
    if (condition && !['service_started', 'service_healthy', 'service_completed_successfully'].includes(condition)) {
      fail(`${name}: unknown depends_on condition ${condition}`);
    }
    if (condition === 'service_healthy' && !services[dep]?.healthcheck) fail(`${name} waits for ${dep} to be healthy, but ${dep} has no healthcheck`);
  }
  // Profile services (tryton) build their own image that does not run node.
  if ((svc.build && !svc.profiles) || svc.image === APP_IMAGE) {
    if (!svc.init) fail(`${name}: init: true is missing (node as PID 1 ignores SIGTERM until its handlers exist)`);
    const [bin, file] = svc.command ?? [];
    if (bin !== 'node' || !file) fail(`${name}: command must be ["node", <file>]`);
    else if (!existsSync(path.join(root, file))) fail(`${name}: ${file} does not exist (did the build run?)`);
  }
}

const builders = Object.entries(services).filter(([, svc]) => svc.build && svc.image !== TRYTON_IMAGE);
if (builders.length !== 1 || builders[0][1].image !== APP_IMAGE) {
  fail(`exactly one service must build the app image ${APP_IMAGE} (the others run it): ${builders.map(([n]) => n).join(', ') || 'none'}`);
}
for (const [name, svc] of Object.entries(services)) {
  for (const port of svc.ports ?? []) {
    // The demo's secrets must not be reachable from the network.
    if (!/^127\.0\.0\.1:\d+:\d+$/.test(interpolate(port))) fail(`${name}: port mapping ${port} is not 127.0.0.1:HOST:CONTAINER`);
  }
}
// Compose durations: 30s, 1m, 1m30s (what this file uses; anything else reads as 0 and fails loudly).
const seconds = (d) => {
  const m = /^(?:(\d+)m)?(?:(\d+)s)?$/.exec(String(d ?? ''));
  return m && (m[1] || m[2]) ? Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0) : 0;
};
for (const name of ['api', 'worker']) {
  const svc = services[name];
  const shutdown = Number(interpolate(svc?.environment?.SHUTDOWN_TIMEOUT_SECONDS ?? '25'));
  if (svc && !(seconds(svc.stop_grace_period) >= shutdown + 5)) fail(`${name}: stop_grace_period must be at least SHUTDOWN_TIMEOUT_SECONDS + 5s (${shutdown + 5}s)`);
}
const pgCheck = [services.postgres?.healthcheck?.test ?? []].flat().join(' ');
if (!/pg_isready .*-h \S+/.test(pgCheck)) fail('postgres: the healthcheck must use pg_isready -h (over TCP, not the init server\'s socket)');

// The defaults must be a working configuration: `docker compose up` needs no .env.
const config = require(path.join(root, 'dist/libs/config/src/index.js'));
const envOf = (svc) => Object.fromEntries(Object.entries(svc.environment ?? {}).map(([k, v]) => [k, interpolate(v)]));
for (const [name, cls] of [['api', config.ApiConfig], ['worker', config.WorkerConfig]]) {
  if (!services[name]) continue;
  try {
    config.loadConfig(cls, envOf(services[name]));
  } catch (err) {
    fail(`${name}: default environment is not a valid configuration:\n${err.message}`);
  }
}
if (services.migrate && !envOf(services.migrate).DATABASE_URL) fail('migrate: DATABASE_URL is not set');
// The demo works without accounts: the worker's default Pleo is the fake-pleo service, with its key.
if (services.worker && services['fake-pleo']) {
  const worker = envOf(services.worker);
  const fake = envOf(services['fake-pleo']);
  if (worker.PLEO_API_BASE_URL !== `http://fake-pleo:${fake.FAKE_PLEO_PORT}`) fail('worker: PLEO_API_BASE_URL does not default to the fake-pleo service');
  if (worker.PLEO_API_KEY !== fake.FAKE_PLEO_API_KEY) fail('worker and fake-pleo disagree on the API key');
}

// .env.example, copied to .env, is a working configuration for both processes (README's path
// "running without Docker").
const example = Object.fromEntries(
  readFileSync(path.join(root, '.env.example'), 'utf8')
    .split('\n')
    .filter((l) => /^[A-Z0-9_]+=/.test(l))
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
);
for (const [name, cls] of [['api', config.ApiConfig], ['worker', config.WorkerConfig]]) {
  try {
    config.loadConfig(cls, example);
  } catch (err) {
    fail(`.env.example is not a valid ${name} configuration:\n${err.message}`);
  }
}
// The same .env beside the compose file must not move the containers off the in-network services.
const inNetwork = { DATABASE_URL: '@postgres:', REDIS_URL: '//redis:' };
for (const name of ['migrate', 'api', 'worker']) {
  const env = services[name]?.environment ?? {};
  for (const [key, host] of Object.entries(inNetwork)) {
    if (env[key] !== undefined && !interpolate(env[key], example).includes(host)) fail(`${name}: with .env.example as .env, ${key} leaves the compose network (${interpolate(env[key], example)})`);
  }
}
if (services.worker && !interpolate(services.worker.environment.PLEO_API_BASE_URL, example).startsWith('http://fake-pleo:')) {
  fail('worker: with .env.example as .env, PLEO_API_BASE_URL no longer points at the fake-pleo service');
}
// Every variable either process reads is in .env.example and in the README's configuration table.
const { defaultMetadataStorage } = require('class-transformer/cjs/storage');
const variables = new Set([config.ApiConfig, config.WorkerConfig].flatMap((cls) => defaultMetadataStorage.getExposedProperties(cls, 0)));
const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
for (const name of variables) {
  if (!(name in example)) fail(`.env.example does not mention ${name}`);
  if (!readme.includes(`\`${name}\``)) fail(`README.md does not document ${name}`);
}

// The Dockerfile copies what exists and starts what the build makes.
const dockerfile = readFileSync(path.join(root, 'Dockerfile'), 'utf8');
for (const m of dockerfile.matchAll(/^COPY (?!--from)(.+)$/gm)) {
  const parts = m[1].trim().split(/\s+/);
  for (const src of parts.slice(0, -1)) if (!existsSync(path.join(root, src))) fail(`Dockerfile: COPY source ${src} does not exist`);
}
const cmd = /^CMD \[(.+)\]$/m.exec(dockerfile);
if (!cmd) fail('Dockerfile: no CMD');
else {
  const [, file] = JSON.parse(`[${cmd[1]}]`);
  if (!existsSync(path.join(root, file))) fail(`Dockerfile: CMD runs ${file}, which the build does not produce`);
}
if (!/^FROM node:22[^\s]* AS runtime$/m.test(dockerfile)) fail('Dockerfile: the runtime stage must be on Node 22 LTS');
// A `# syntax=` line makes BuildKit pull a frontend image from Docker Hub on every fresh machine.
if (/^#\s*syntax\s*=/m.test(dockerfile)) fail('Dockerfile: no `# syntax=` line (it pulls from Docker Hub; no feature here needs it)');

if (problems.length) {
  console.error(`docker-compose.yml / Dockerfile check failed:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  process.exit(1);
}
console.log(`docker-compose.yml, Dockerfile and .env.example OK (${Object.keys(services).length} services)`);
