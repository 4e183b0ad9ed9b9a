import { randomUUID } from 'node:crypto';
import IORedis from 'ioredis';
import { Pool } from 'pg';
import { Spawned, WORKER_MAIN, assertBuilt, spawnNode } from '../support/processes';
import { FakePleoProcess, spawnFakePleo } from '../support/fake-pleo-process';
import { killAll, processEnv } from '../support/e2e-processes';
import { dropQueuePrefix, testDb, waitFor } from '../support/harness';
import { exportItem } from '../support/export-items';
import { TEST_REDIS_URL, uniquePrefix } from '../support/test-env';

const FAKE_KEY = 'e2e-shutdown-key';

/** O3: SIGTERM stops a running export at a safe point and another worker finishes it at once. */
describe('export sync: SIGTERM mid-job (real processes)', () => {
  const prefix = uniquePrefix();
  let fake: FakePleoProcess;
  let db: Pool;
  let redis: IORedis;
  const workers: Spawned[] = [];
  const control = (p: string, body?: unknown) => fake.control(p, body);

  beforeAll(async () => {
    assertBuilt();
    fake = await spawnFakePleo(FAKE_KEY);
    db = testDb();
    redis = new IORedis(TEST_REDIS_URL);
  });

  afterAll(async () => {
    await killAll([...workers, fake?.process]);
    await db?.end();
    await redis?.quit();
    await dropQueuePrefix(prefix);
  });

  it('O3: SIGTERM mid-job → the item in hand finishes and is reported, the lock is released at once, another worker finishes the job, nothing twice', async () => {
    const companyId = randomUUID();
    const items = Array.from({ length: 300 }, () => exportItem({ companyId, tax: null, gross: 2500 }));
    const ids = items.map((i) => String(i.accountingEntryId));
    const job = (await control('/_fake/export-jobs', { companyId, items })).data;
    const env = processEnv(prefix, {
      LOG_LEVEL: 'warn',
      PLEO_API_BASE_URL: fake.url,
      PLEO_API_KEY: FAKE_KEY,
      PLEO_COMPANY_IDS: companyId, // no webhook: the start-up poll finds the job
      EXPORT_WALLET_ACCOUNT: '1910',
      EXPORT_ITEM_CONCURRENCY: '1',
      // Long enough that neither the lock's TTL nor BullMQ's stalled check can explain a quick hand-over.
      EXPORT_LOCK_TTL_SECONDS: '60',
      JOB_LOCK_SECONDS: '30',
    });
    const posted = async () => Number((await db.query('SELECT count(*) FROM sandbox_entries WHERE reference = ANY($1)', [ids])).rows[0].count);
    const first = spawnNode(WORKER_MAIN, env);
    workers.push(first);
    await waitFor(async () => (await posted()) >= 20, 60_000);

    const stoppedAt = Date.now();
    expect(await first.stop('SIGTERM')).toBe(0);
    expect(Date.now() - stoppedAt).toBeLessThan(15_000);
    expect(await redis.exists(`${prefix}:export-lock:${companyId}`)).toBe(0);
    const postedByFirst = await posted();
    expect(postedByFirst).toBeLessThan(300);
    // Everything it posted was reported to Pleo before it exited, and no claim was left behind.
    const afterStop = await control(`/_fake/export-jobs/${job.id}`);
    expect(Object.values(afterStop.items).filter((i: any) => i.status === 'successful')).toHaveLength(postedByFirst);
    expect((await db.query('SELECT count(*)::int AS n FROM export_item_ledger WHERE accounting_entry_id = ANY($1) AND claimed_by IS NOT NULL', [ids])).rows[0].n).toBe(0);

    const secondStartedAt = Date.now();
    workers.push(spawnNode(WORKER_MAIN, env));
    const done = await waitFor(async () => {
      const state = await control(`/_fake/export-jobs/${job.id}`);
      return ['completed', 'completed_with_errors', 'failed'].includes(state.data.status) ? state : undefined;
    }, 60_000);
    expect(Date.now() - secondStartedAt).toBeLessThan(30_000); // not after the stalled-job check
    expect(done.data.status).toBe('completed');
    expect(done.events.map((e: any) => e.event)).toEqual(['started', 'completed']);
    expect(Object.values(done.items).every((i: any) => i.status === 'successful')).toBe(true);
    const rows = (await db.query('SELECT reference, id FROM sandbox_entries WHERE reference = ANY($1)', [ids])).rows;
    expect(rows).toHaveLength(300);
    for (const row of rows) expect(done.items[row.reference].externalId).toBe(row.id);
    expect((await control('/_fake/calls')).specProblems).toEqual([]);
  });
});
