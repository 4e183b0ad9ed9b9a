import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { Spawned, WORKER_MAIN, assertBuilt, spawnNode } from '../support/processes';
import { killAll, processEnv } from '../support/e2e-processes';
import { FakePleoProcess, spawnFakePleo } from '../support/fake-pleo-process';
import { dropQueuePrefix, testDb, waitFor } from '../support/harness';
import { exportItem } from '../support/export-items';
import { uniquePrefix } from '../support/test-env';

const FAKE_KEY = 'e2e-export-key';

/** The built worker and fake Pleo as processes; the worker is killed in the middle of a job. */
describe('export sync across real processes', () => {
  const prefix = uniquePrefix();
  let fake: FakePleoProcess;
  let db: Pool;
  const workers: Spawned[] = [];
  const control = (p: string, body?: unknown) => fake.control(p, body);

  beforeAll(async () => {
    assertBuilt();
    fake = await spawnFakePleo(FAKE_KEY);
    db = testDb();
  });

  afterAll(async () => {
    await killAll([...workers, fake?.process]);
    await db?.end();
    await dropQueuePrefix(prefix);
  });

  it('a worker killed mid-job: after a restart the job finishes, no entry twice, every item reported', async () => {
    const companyId = randomUUID();
    const items = Array.from({ length: 300 }, () => exportItem({ companyId, tax: null, gross: 2500 }));
    const job = (await control('/_fake/export-jobs', { companyId, items })).data;
    // The first report hangs, so the worker is killed after posting the first page, before Pleo hears of it.
    await control('/_fake/faults', { operation: 'updateExportJobItemsV3', pathIncludes: job.id, times: 1, delayMs: 10_000 });
    const env = processEnv(prefix, {
      LOG_LEVEL: 'warn',
      PLEO_API_BASE_URL: fake.url,
      PLEO_API_KEY: FAKE_KEY,
      PLEO_COMPANY_IDS: companyId, // no webhook: the start-up poll finds the job
      EXPORT_WALLET_ACCOUNT: '1910',
      EXPORT_LOCK_TTL_SECONDS: '5',
      JOB_LOCK_SECONDS: '2',
      SYNC_BACKOFF_BASE_SECONDS: '1',
    });
    const first = spawnNode(WORKER_MAIN, env);
    workers.push(first);
    await waitFor(async () => (await control('/_fake/calls')).calls.some((c: any) => c.operationId === 'updateExportJobItemsV3'), 30_000);
    const ids = items.map((i) => String(i.accountingEntryId));
    const postedBeforeKill = Number((await db.query('SELECT count(*) FROM sandbox_entries WHERE reference = ANY($1)', [ids])).rows[0].count);
    expect(postedBeforeKill).toBeGreaterThanOrEqual(100);
    await first.stop('SIGKILL');
    expect((await control(`/_fake/export-jobs/${job.id}`)).updates).toEqual([]); // Pleo heard nothing yet

    workers.push(spawnNode(WORKER_MAIN, env)); // its start-up poll finds the job in progress
    const done = await waitFor(async () => {
      const state = await control(`/_fake/export-jobs/${job.id}`);
      return ['completed', 'completed_with_errors', 'failed'].includes(state.data.status) ? state : undefined;
    }, 45_000);

    expect(done.data.status).toBe('completed');
    expect(done.events.map((e: any) => e.event)).toEqual(['started', 'completed']);
    expect(Object.values(done.items).every((i: any) => i.status === 'successful')).toBe(true);
    const rows = (await db.query('SELECT reference, id FROM sandbox_entries WHERE reference = ANY($1)', [ids])).rows;
    expect(rows).toHaveLength(300); // one entry per item, none twice
    for (const row of rows) expect(done.items[row.reference].externalId).toBe(row.id); // the ERP's id (F-13)
    expect((await control('/_fake/calls')).specProblems).toEqual([]);
  });
});
