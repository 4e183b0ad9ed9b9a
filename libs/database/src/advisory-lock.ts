import { Pool, PoolClient } from 'pg';

/** Another process held the lock for the whole wait: retry later (not a database outage). */
export class AdvisoryLockTimeout extends Error {
  constructor(readonly key: string, waitedMs: number) {
    super(`Another worker is busy with the same item (${key}) for over ${Math.round(waitedMs / 1000)} s; retrying later.`);
    this.name = 'AdvisoryLockTimeout';
  }
}

/** The lock's connection died while the work ran: the lock may have been taken by someone else. */
export class AdvisoryLockLost extends Error {
  constructor(readonly key: string, cause: Error) {
    super(`lost the database connection holding the lock ${key}: ${cause.message}`, { cause });
    this.name = 'AdvisoryLockLost';
  }
}

export interface AdvisoryLockOptions {
  /** how long to keep trying before AdvisoryLockTimeout */
  waitMs?: number;
  pollMs?: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `work` while holding a PostgreSQL advisory lock on `key`, across every process that uses
 * the same database. Waiting is a loop of `pg_try_advisory_lock` that holds no connection between
 * tries (a blocking pg_advisory_lock would hold one idle, and its wait would hit query_timeout and
 * look like a database outage). Once taken, the lock lives on one pooled connection until `work`
 * ends; if the process dies, PostgreSQL drops the connection and the lock with it. If that
 * connection dies under `work` (a database restart), AdvisoryLockLost is thrown afterwards: the
 * work is retried rather than trusted to have run alone.
 */
export async function withAdvisoryLock<T>(
  pool: Pool,
  key: string,
  work: () => Promise<T>,
  { waitMs = 60_000, pollMs = 250 }: AdvisoryLockOptions = {},
): Promise<T> {
  const started = Date.now();
  let client: PoolClient;
  for (;;) {
    const candidate = await pool.connect();
    const taken = await candidate
      .query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS ok', [key])
      .then((r) => r.rows[0]?.ok === true)
      .catch((err: unknown) => {
        candidate.release(true);
        throw err;
      });
    if (taken) {
      client = candidate;
      break;
    }
    candidate.release();
    if (Date.now() - started >= waitMs) throw new AdvisoryLockTimeout(key, Date.now() - started);
    await sleep(pollMs);
  }
  let lost: Error | undefined;
  const onError = (err: Error) => (lost ??= err);
  client.on('error', onError);
  let broken = false;
  try {
    const result = await work();
    if (lost) throw new AdvisoryLockLost(key, lost);
    return result;
  } finally {
    if (!lost) {
      await client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [key]).catch(() => (broken = true));
    }
    client.removeListener('error', onError);
    // A connection that died, or whose unlock failed, may still hold the lock: destroy it.
    client.release(lost || broken ? true : undefined);
  }
}

/** Runs `work` under the lock if it is free (within `waitMs`); undefined (work not run) otherwise. */
export async function tryWithAdvisoryLock<T>(pool: Pool, key: string, work: () => Promise<T>, waitMs = 0): Promise<T | undefined> {
  try {
    return await withAdvisoryLock(pool, key, work, { waitMs });
  } catch (err) {
    if (err instanceof AdvisoryLockTimeout) return undefined;
    throw err;
  }
}
