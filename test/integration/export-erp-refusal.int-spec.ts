import { randomUUID } from 'node:crypto';
import { ErpError } from '@app/erp';
import { ErpWrites } from '../support/counting-erp';
import { ExportRunnerKit, plainItems } from '../support/export-runners';

/**
 * Review finding 8: an ERP refusal of the connection's credentials (`auth`) or set-up
 * (`configuration`) in the middle of a job is job-level — the page stops, the job fails with the job
 * reason type, and (for a stored connection) the error reaches ConnectionResolver.run, which marks
 * the connection needs_reauthorisation. Real PostgreSQL, Redis and fake Pleo.
 */
describe('export: the ERP refuses the connection mid-job', () => {
  const kit = new ExportRunnerKit();
  beforeAll(() => kit.start());
  afterAll(() => kit.close());

  /** An ERP that books the first entry, then refuses every later post with `kind`. */
  const refusingAfterFirst = (kind: 'auth' | 'configuration') => {
    const writes = new ErpWrites();
    let calls = 0;
    const erp = kit.erpDouble(writes, {
      beforePost: async () => {
        if (++calls > 1) throw new ErpError(kind, kind === 'auth' ? 'The ERP refused the access token (401).' : 'The ERP organisation has no journal for expenses.');
      },
    });
    return { erp, writes, calls: () => calls };
  };

  it.each([
    ['auth', 'accounting_system_authentication_failure'],
    ['configuration', 'invalid_configuration'],
  ] as const)('%s: one refused call stops the job, which fails with %s (not item by item)', async (kind, type) => {
    const companyId = randomUUID();
    const job = kit.fake.exports.seedJob({ companyId, items: plainItems(companyId, 6) });
    const { erp, writes, calls } = refusingAfterFirst(kind);

    const summary = await kit.runner(erp, { itemConcurrency: 1 }).runCompany(companyId, 'test');

    expect(summary.jobs.map((j) => j.outcome)).toEqual(['failed']);
    expect(calls()).toBe(2);
    expect(writes.totalPosts).toBe(1);
    expect({ status: job.status, failureReasonType: job.failureReasonType }).toEqual({ status: 'failed', failureReasonType: type });
  });

  it('a stored connection: the job is failed in Pleo and the refusal escapes to the resolver (which marks the connection)', async () => {
    const companyId = randomUUID();
    const job = kit.fake.exports.seedJob({ companyId, items: plainItems(companyId, 4) });
    const later = kit.fake.exports.seedJob({ companyId, items: plainItems(companyId, 1), createdAt: new Date(Date.now() + 60_000).toISOString() });
    const { erp, calls } = refusingAfterFirst('auth');

    const outcome = await kit.runner(erp, { itemConcurrency: 1, connectionId: randomUUID() }).runCompany(companyId, 'test').catch((err) => err);

    expect(outcome).toBeInstanceOf(ErpError);
    expect((outcome as ErpError).kind).toBe('auth');
    expect(calls()).toBe(2);
    expect({ status: job.status, failureReasonType: job.failureReasonType }).toEqual({ status: 'failed', failureReasonType: 'accounting_system_authentication_failure' });
    // the company's next job is not run into the same refusal: it waits for the re-authorisation
    expect(later.status).toBe('pending');
  });
});
