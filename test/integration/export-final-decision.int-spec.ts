import { randomUUID } from 'node:crypto';
import { ErpWrites } from '../support/counting-erp';
import { ExportRunnerKit, idsOf, plainItems } from '../support/export-runners';

/**
 * Review finding 6: a job-level `failed` decided for a transient cause (Pleo 5xx on the last
 * attempt) whose send failed as well is not kept and re-sent on the next run: that run decides again
 * and, the cause gone, exports the job. Real PostgreSQL, Redis and fake Pleo.
 */
describe('export: a job-level final decision that was never sent', () => {
  const kit = new ExportRunnerKit();
  beforeAll(() => kit.start());
  afterAll(() => kit.close());

  it('is decided again on the next run, not re-sent: the job is exported once Pleo is back', async () => {
    const companyId = randomUUID();
    const items = plainItems(companyId, 2);
    const job = kit.fake.exports.seedJob({ companyId, items });
    job.status = 'in_progress'; // started by an earlier run: no `started` event to send
    // A Pleo outage: the job's items cannot be read, and the `failed` event cannot be sent either.
    kit.fake.state.faults.push({ operation: 'getExportJobItemsV3', pathIncludes: job.id, times: 1_000, status: 503 });
    kit.fake.state.faults.push({ operation: 'createExportJobEventV3', times: 1_000, status: 503 });
    const writes = new ErpWrites();

    const last = await kit.runner(kit.erpDouble(writes)).runCompany(companyId, 'outage', { lastAttempt: true }).then(() => 'done', (err) => err);
    expect(last).toBeInstanceOf(Error);
    expect(job.status).toBe('in_progress');

    kit.fake.state.faults = []; // Pleo is back; the operator replays the export
    const summary = await kit.runner(kit.erpDouble(writes)).runCompany(companyId, 'replay');

    expect(summary.jobs.map((j) => j.outcome)).toEqual(['completed']);
    expect(job.status).toBe('completed');
    expect([...writes.posts.keys()].sort()).toEqual(idsOf(items).sort());
    const run = (await kit.db.query('SELECT final_event, failure_reason_type FROM export_job_runs WHERE job_id = $1', [job.id])).rows[0];
    expect(run).toEqual({ final_event: 'completed', failure_reason_type: null });
  });
});
