import { ChildProcess, execFile, spawn } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ROOT, freePort } from './processes';

const run = promisify(execFile);
const PG_BIN = '/usr/lib/postgresql/15/bin';

/**
 * A PostgreSQL of a test's own, on a free port, that the test may stop and start at will (the
 * machine's shared server must never be restarted). Runs as the `postgres` OS user, trust auth.
 */
export class ThrowawayPostgres {
  readonly dir: string;
  private constructor(
    readonly port: number,
    private readonly base: string,
  ) {
    this.dir = path.join(base, 'data');
  }

  get url(): string {
    return `postgresql://postgres@127.0.0.1:${this.port}/pleo_erp_sync`;
  }

  static async create(): Promise<ThrowawayPostgres> {
    const base = mkdtempSync(path.join(tmpdir(), 'pg-throwaway-'));
    chmodSync(base, 0o755);
    const { stdout } = await run('id', ['-u', 'postgres']);
    const uid = Number(stdout.trim());
    chownSync(base, uid, uid);
    const pg = new ThrowawayPostgres(await freePort(), base);
    await pg.asPostgres(`${PG_BIN}/initdb`, ['-D', pg.dir, '-A', 'trust', '-U', 'postgres', '--no-sync']);
    await pg.start();
    // the schema, with the project's own migration script
    await run(process.execPath, [path.join(ROOT, 'scripts/db-migrate.mjs')], { env: { ...process.env, DATABASE_URL: pg.url }, cwd: ROOT });
    return pg;
  }

  start(): Promise<unknown> {
    return this.asPostgres(`${PG_BIN}/pg_ctl`, [
      '-D', this.dir, '-l', path.join(this.base, 'log'), '-w', '-t', '60',
      '-o', `-p ${this.port} -k ${this.base} -c listen_addresses=127.0.0.1 -c fsync=off`, 'start',
    ]);
  }

  /** What a minor upgrade or a failover does: every connection is terminated (57P01). */
  stop(mode: 'fast' | 'immediate' = 'fast'): Promise<unknown> {
    return this.asPostgres(`${PG_BIN}/pg_ctl`, ['-D', this.dir, '-m', mode, '-w', '-t', '60', 'stop']);
  }

  async destroy(): Promise<void> {
    await this.stop('immediate').catch(() => undefined);
    rmSync(this.base, { recursive: true, force: true });
  }

  private asPostgres(bin: string, args: string[]) {
    return run('runuser', ['-u', 'postgres', '--', bin, ...args], { cwd: this.base });
  }
}

/** A Redis of a test's own (no persistence), as a child process it can kill and start again. */
export class ThrowawayRedis {
  private child?: ChildProcess;
  private constructor(
    readonly port: number,
    private readonly extraArgs: string[],
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** `extraArgs`: more redis-server options, e.g. ['--maxmemory-policy', 'allkeys-lru'] */
  static async create(extraArgs: string[] = []): Promise<ThrowawayRedis> {
    const redis = new ThrowawayRedis(await freePort(), extraArgs);
    await redis.start();
    return redis;
  }

  async start(): Promise<void> {
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', ...this.extraArgs], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (d) => {
        out += d;
        if (/Ready to accept connections/.test(out)) resolve();
      });
      child.on('exit', (code) => reject(new Error(`redis-server exited (${code}): ${out}`)));
    });
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
}
