import { Pool } from 'pg';

/**
 * Runs `work` while holding a PostgreSQL advisory lock on `key`, across every process that uses
 * the same database. The lock lives on one pooled connection for the duration; if the process
 * dies, PostgreSQL drops the connection and the lock with it.
 */
export async function withAdvisoryLock<T>(pool: Pool, key: string, work: () => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [key]);
    try {
      return await work();
    } finally {
      await client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [key]).catch(() => (broken = true));
    }
  } catch (err) {
    broken = true;
    throw err;
  } finally {
    // A connection whose unlock failed may still hold the lock: destroy it rather than pool it.
    client.release(broken ? true : undefined);
  }
}
