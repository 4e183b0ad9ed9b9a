import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from './processes';

const run = promisify(execFile);
const SCRIPTS = path.join(ROOT, 'scripts/tryton');

export interface LiveTryton {
  url: string;
  database: string;
  user: string;
  password: string;
  /** where its SQLite database and log live */
  dataDir: string;
  stop(): Promise<void>;
}

/**
 * A real trytond for one test file: `scripts/tryton/start.sh` with a fresh copy of the seeded
 * database in a temp dir, on a free port. null (the caller skips, loudly) only when the setup script
 * says Tryton cannot be installed on this machine — never in CI.
 */
export async function startTryton(): Promise<LiveTryton | null> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tryton-'));
  try {
    // The first run on a machine installs and seeds (minutes); later runs copy the cached database.
    const { stdout } = await run(path.join(SCRIPTS, 'start.sh'), [dir], { timeout: 15 * 60_000 });
    const url = stdout.trim().split('\n').pop()!;
    const pid = Number(readFileSync(path.join(dir, 'trytond.pid'), 'utf8'));
    return {
      url,
      database: 'pleo',
      user: 'admin',
      password: 'admin',
      dataDir: dir,
      async stop() {
        try {
          process.kill(pid, 'SIGTERM');
          for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      },
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    if ((err as { code?: number }).code === 3 && !process.env.CI) {
      console.warn(`\n!!! TRYTON TESTS SKIPPED: ${(err as { stderr?: string }).stderr?.trim()}\n`);
      return null;
    }
    throw err;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
