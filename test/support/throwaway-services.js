// PostgreSQL and Redis for the integration tests on a machine that runs neither (a fresh clone:
// `npm ci && npm test`). Used by global-setup.js: when nothing answers at TEST_DATABASE_URL /
// TEST_REDIS_URL on this machine, a throwaway server is started there from the binaries installed
// (PostgreSQL's initdb + pg_ctl, Redis' redis-server), and stopped by global-teardown.js. A server
// that answers is always used as it is, never stopped or restarted (others may share it).
const { execFileSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

function reachable(host, port, timeoutMs = 1500) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: host.replace(/^\[|\]$/g, ''), port });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function waitReachable(host, port, timeoutMs) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await reachable(host, port)) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

/** A program on PATH, or (PostgreSQL) in Debian's /usr/lib/postgresql/<version>/bin, newest first. */
function findBinary(name, extraDirs = []) {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), ...extraDirs];
  return dirs.map((d) => path.join(d, name)).find((f) => {
    try {
      fs.accessSync(f, fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

function debianPostgresDirs() {
  try {
    return fs
      .readdirSync('/usr/lib/postgresql')
      .sort((a, b) => Number(b) - Number(a))
      .map((v) => `/usr/lib/postgresql/${v}/bin`);
  } catch {
    return [];
  }
}

function hasOsUser(name) {
  try {
    execFileSync('id', ['-u', name], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Starts a throwaway PostgreSQL on `port` (trust auth, `user` as superuser); returns its stop(). */
function startPostgres(port, user) {
  const dirs = debianPostgresDirs();
  const initdb = findBinary('initdb', dirs);
  const pgCtl = initdb && findBinary('pg_ctl', [path.dirname(initdb), ...dirs]);
  if (!initdb || !pgCtl) return { missing: 'PostgreSQL server binaries (initdb, pg_ctl): install PostgreSQL ≥ 13, e.g. `apt-get install postgresql`' };
  // initdb refuses to run as root: as root, run PostgreSQL as the postgres OS user.
  const asRoot = process.getuid?.() === 0;
  const runuser = asRoot && findBinary('runuser', ['/usr/sbin', '/sbin']);
  if (asRoot && !(hasOsUser('postgres') && runuser)) return { missing: 'an OS user "postgres" and runuser, to run PostgreSQL as (initdb refuses root)' };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pleo-erp-sync-test-pg-'));
  const data = path.join(dir, 'data');
  const run = (bin, args) =>
    execFileSync(asRoot ? runuser : bin, asRoot ? ['-u', 'postgres', '--', bin, ...args] : args, { stdio: 'pipe', timeout: 120_000 });
  try {
    if (asRoot) execFileSync('chown', ['postgres:postgres', dir]);
    run(initdb, ['-D', data, '-U', user, '--auth=trust', '-E', 'UTF8', '--no-sync']);
    const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
    run(pgCtl, ['-D', data, '-l', path.join(dir, 'postgres.log'), '-o', options, '-w', '-t', '60', 'start']);
  } catch (err) {
    const log = fs.existsSync(path.join(dir, 'postgres.log')) ? fs.readFileSync(path.join(dir, 'postgres.log'), 'utf8').slice(-2000) : '';
    fs.rmSync(dir, { recursive: true, force: true });
    throw new Error(`starting a throwaway PostgreSQL on port ${port} failed: ${err.stderr?.toString() || err.message}${log}`);
  }
  return {
    stop: () => {
      try {
        run(pgCtl, ['-D', data, '-m', 'fast', '-w', 'stop']);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** Starts a throwaway Redis on `port` (no persistence) as a child process; returns its stop(). */
function startRedis(port) {
  const bin = findBinary('redis-server');
  if (!bin) return { missing: 'redis-server: install Redis ≥ 6.2, e.g. `apt-get install redis-server`' };
  const child = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'], {
    stdio: 'ignore',
  });
  return { child, stop: () => child.kill('SIGTERM') };
}

/**
 * Makes sure PostgreSQL and Redis answer at the tests' URLs; returns the stop() of what it started.
 * Throws one message naming exactly what is missing.
 */
async function ensureTestServices({ databaseUrl, redisUrl, log = console.log }) {
  const started = [];
  const problems = [];
  const db = new URL(databaseUrl);
  const dbPort = Number(db.port || 5432);
  if (!(await reachable(db.hostname, dbPort))) {
    if (!LOCAL_HOSTS.has(db.hostname)) problems.push(`PostgreSQL: nothing answers at ${db.hostname}:${dbPort} (TEST_DATABASE_URL), and it is not this machine`);
    else {
      const pg = startPostgres(dbPort, decodeURIComponent(db.username || 'postgres'));
      if (pg.missing) problems.push(`PostgreSQL: nothing answers at ${db.hostname}:${dbPort} (TEST_DATABASE_URL), and no throwaway one can be started: missing ${pg.missing}`);
      else {
        started.push(pg.stop);
        log(`started a throwaway PostgreSQL on ${db.hostname}:${dbPort} for this test run`);
      }
    }
  }
  const redis = new URL(redisUrl);
  const redisPort = Number(redis.port || 6379);
  if (!(await reachable(redis.hostname, redisPort))) {
    if (!LOCAL_HOSTS.has(redis.hostname)) problems.push(`Redis: nothing answers at ${redis.hostname}:${redisPort} (TEST_REDIS_URL), and it is not this machine`);
    else {
      const r = startRedis(redisPort);
      if (r.missing) problems.push(`Redis: nothing answers at ${redis.hostname}:${redisPort} (TEST_REDIS_URL), and no throwaway one can be started: missing ${r.missing}`);
      else if (!(await waitReachable(redis.hostname, redisPort, 15_000))) {
        r.stop();
        problems.push(`Redis: a throwaway redis-server on port ${redisPort} did not come up within 15 s`);
      } else {
        started.push(r.stop);
        log(`started a throwaway Redis on ${redis.hostname}:${redisPort} for this test run`);
      }
    }
  }
  const stopAll = () => {
    for (const stop of started.reverse()) {
      try {
        stop();
      } catch (err) {
        console.error(`stopping a throwaway test server failed: ${err.message}`);
      }
    }
  };
  if (problems.length) {
    stopAll();
    throw new Error(`The integration tests need PostgreSQL and Redis:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
  return stopAll;
}

module.exports = { ensureTestServices, reachable };
