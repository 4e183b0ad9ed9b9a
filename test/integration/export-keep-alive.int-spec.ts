import { randomUUID } from 'node:crypto';
import { PleoExportClient } from '@app/pleo';
import { sleep } from '@app/runtime';
import { ErpWrites } from '../support/counting-erp';
import { ExportRunnerKit, idsOf, plainItems } from '../support/export-runners';

/**
 * F-9 / FP-6: Pleo may not count item updates as activity, so a job can expire under a run. The run
 * must then end cleanly with Pleo's job_expired (never hang, never claim completed), and it reports
 * results often enough to keep a job alive where updates do count.
 */
describe('export keep-alive against Pleo’s expiry (real PostgreSQL and Redis, fake Pleo clock)', () => {
  const kit = new ExportRunnerKit();

  beforeAll(() => kit.start());
  afterAll(() => kit.close());
  afterEach(() => {
    kit.fake.exports.putRefreshesExpiry = true;
    kit.fake.exports.clockOffsetMs = 0;
  });

  it('F-9/FP-6: item updates do not refresh expiry and the clock passes the hour mid-run → the run ends with Pleo’s job_expired, never completed', async () => {
    const companyId = randomUUID();
    const list = plainItems(companyId, 4);
    const job = kit.fake.exports.seedJob({ companyId, items: list });
    kit.fake.exports.putRefreshesExpiry = false;
    const writes = new ErpWrites();
    let posts = 0;
    const erp = kit.erpDouble(writes, {
      beforePost: async () => {
        if (++posts === 2) kit.fake.exports.clockOffsetMs = 61 * 60_000; // the run took longer than Pleo allows
      },
    });

    await kit.runUntilDone(kit.runner(erp, { itemConcurrency: 1 }), companyId, 45_000);

    expect(kit.fake.exports.view(job)).toMatchObject({ status: 'failed', failureReasonType: 'job_expired' });
    expect(job.events.map((e) => e.event)).not.toContain('completed');
    expect(job.events.map((e) => e.event)).not.toContain('completed_with_errors');
    const runs = (await kit.db.query('SELECT * FROM export_job_runs WHERE job_id = $1', [job.id])).rows;
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ finished_at: expect.any(Date) });
    expect(runs[0].final_event ?? 'none').not.toMatch(/^completed/); // Pleo ended it: nothing of ours to send
    expect(runs[0].failure_reason_type).toBe('job_expired');
    expect(writes.totalPosts).toBeLessThanOrEqual(idsOf(list).length);
  }, 60_000);

  it('F-9: results are reported at least every quarter of expiresIn, even far below 100 and with a long report interval', async () => {
    const companyId = randomUUID();
    const list = plainItems(companyId, 6);
    const job = kit.fake.exports.seedJob({ companyId, items: list });
    await kit.get(PleoExportClient).sendJobEvent({ jobId: job.id, event: 'started' });
    kit.fake.exports.clockOffsetMs = 60 * 60_000 - 12_000; // Pleo gives the job 12 s more: report every 3 s
    const writes = new ErpWrites();
    const erp = kit.erpDouble(writes, { beforePost: () => sleep(1_000) });

    await kit.runUntilDone(kit.runner(erp, { itemConcurrency: 1, reportIntervalMs: 3_600_000 }), companyId, 45_000);

    expect(job.updates.length).toBeGreaterThanOrEqual(2); // 6 results, ~6 s of posting: not one PUT at the end
    expect(kit.fake.exports.view(job)).toMatchObject({ status: 'completed' });
  }, 60_000);
});
