import { randomUUID } from 'node:crypto';
import { PleoApiError, PleoExportClient, PleoHttp, ApiKeyAuth } from '@app/pleo';
import { FakePleo } from '../../apps/fake-pleo/src/fake-pleo.server';
import { exportItem } from '../support/export-items';
import { startFakePleo } from '../support/fake-pleo';
import { TEST_PLEO_API_KEY } from '../support/test-env';

/** The fake plays Pleo's Export API rules; these tests hold it to them (through our own client). */
describe('fake Pleo: Export API v3 behaviour', () => {
  let fake: FakePleo;
  let pleo: PleoExportClient;
  let http: PleoHttp;

  beforeAll(async () => {
    fake = await startFakePleo();
    http = new PleoHttp({ baseUrl: fake.url, timeoutMs: 5_000, maxRetries: 0, retryBaseMs: 10 }, new ApiKeyAuth(TEST_PLEO_API_KEY));
    pleo = new PleoExportClient(http, 2); // small pages: pagination is exercised
  });
  afterAll(() => fake.close());
  afterEach(() => expect(fake.specProblems()).toEqual([]));

  const apiError = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (err) {
      expect(err).toBeInstanceOf(PleoApiError);
      return { status: (err as PleoApiError).status, type: (err as PleoApiError).type };
    }
    throw new Error('expected a Pleo API error');
  };
  const newJob = (n = 3) => {
    const companyId = randomUUID();
    return fake.exports.seedJob({ companyId, items: Array.from({ length: n }, () => exportItem({ companyId })) });
  };
  const collect = async <T>(gen: AsyncGenerator<T>) => {
    const out: T[] = [];
    for await (const x of gen) out.push(x);
    return out;
  };

  it('pages through job items and export items', async () => {
    const job = newJob(5);
    expect(await collect(pleo.jobItems(job.id))).toHaveLength(5);
    const pages = await collect(pleo.exportItemPages(job.id));
    expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
  });

  it('takes item updates with per-item errors, refuses more than 100 (413)', async () => {
    const job = newJob(2);
    await pleo.sendJobEvent({ jobId: job.id, event: 'started' });
    const [first] = job.items.keys();
    const { errors } = await pleo.updateItems(job.id, [
      { accountingEntryId: first, status: 'successful', externalId: 'JE-1' },
      { accountingEntryId: randomUUID(), status: 'successful' },
    ]);
    expect(errors).toEqual([expect.objectContaining({ type: 'ACCOUNTING_ENTRY_DOES_NOT_EXIST' })]);
    expect(job.items.get(first)).toMatchObject({ status: 'successful', externalId: 'JE-1' });
    const tooMany = Array.from({ length: 101 }, () => ({ accountingEntryId: randomUUID(), status: 'failed' as const }));
    expect(await apiError(http.request('PUT', `v3/export-jobs/${job.id}/items`, { body: tooMany }))).toEqual({ status: 413, type: 'EXPORT_JOB_ITEMS_UPDATE_LIMIT' });
  });

  it('follows the job lifecycle: 422 for invalid transitions and for updates or reads after completion', async () => {
    const job = newJob(1);
    expect(await apiError(pleo.sendJobEvent({ jobId: job.id, event: 'completed' }))).toEqual({ status: 422, type: 'INVALID_EXPORT_JOB_STATUS_CHANGE' });
    await pleo.sendJobEvent({ jobId: job.id, event: 'started' });
    expect(await apiError(pleo.sendJobEvent({ jobId: job.id, event: 'started' }))).toMatchObject({ status: 422 });
    const [id] = job.items.keys();
    await pleo.updateItems(job.id, [{ accountingEntryId: id, status: 'successful' }]);
    await pleo.sendJobEvent({ jobId: job.id, event: 'completed' });
    expect((await pleo.getJob(job.id))?.status).toBe('completed');
    expect(await apiError(pleo.updateItems(job.id, [{ accountingEntryId: id, status: 'failed' }]))).toEqual({ status: 422, type: 'EXPORT_JOB_STATUS_UNPROCESSABLE' });
    expect(await apiError(collect(pleo.exportItemPages(job.id)))).toEqual({ status: 422, type: 'EXPORT_JOB_STATUS_UNPROCESSABLE' });
  });

  it('allows one job in progress per company (409)', async () => {
    const job = newJob(1);
    await pleo.sendJobEvent({ jobId: job.id, event: 'started' });
    const create = http.request('POST', 'v3/export-jobs', { body: { companyId: job.companyId, accountingEntryIds: [randomUUID()] } });
    expect(await apiError(create)).toEqual({ status: 409, type: 'EXPORT_ALREADY_IN_PROGRESS' });
  });

  it('expires a job one hour after its last update: failed with job_expired, items abandoned', async () => {
    const job = newJob(2);
    await pleo.sendJobEvent({ jobId: job.id, event: 'started' });
    fake.exports.clockOffsetMs = 59 * 60_000;
    expect((await pleo.getJob(job.id))?.status).toBe('in_progress');
    fake.exports.clockOffsetMs = 61 * 60_000;
    const expired = await http.request<{ data: Record<string, unknown> }>('GET', `v3/export-jobs/${job.id}`);
    fake.exports.clockOffsetMs = 0;
    expect(expired?.data).toMatchObject({ status: 'failed', failureReasonType: 'job_expired', expiredAt: expect.any(String) });
    expect((await collect(pleo.jobItems(job.id))).map((i) => i.status)).toEqual(['abandoned', 'abandoned']);
  });

  it('serves receipt files at their URLs, without credentials', async () => {
    const companyId = randomUUID();
    const content = Buffer.from('%PDF-1.4 test');
    const job = fake.exports.seedJob({ companyId, items: [exportItem({ companyId, files: [{ content: content.toString('base64'), type: 'application/pdf' }] })] });
    const [page] = await collect(pleo.exportItemPages(job.id));
    const file = page[0].files![0];
    expect(file).toMatchObject({ type: 'application/pdf', size: content.length });
    expect(await pleo.downloadFile(file.url, 5_000)).toEqual(content);
  });
});
