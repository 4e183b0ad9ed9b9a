import { BusinessCentralWorld, startBusinessCentral } from '../../../test/support/fake-business-central';

type Answer = { id: string; status: number; headers: Record<string, string>; body?: Record<string, unknown> & { error?: { code: string; message: string } } };
const answers = async (res: Response) => ((await res.json()) as { responses: Answer[] }).responses;

describe('fake Business Central: OData JSON $batch', () => {
  let bc: BusinessCentralWorld;
  let lines: string;
  const line = (amount: number, accountNumber = '7100') => ({
    accountType: 'G/L Account',
    accountNumber,
    postingDate: '2026-11-20',
    documentNumber: 'B-1',
    externalDocumentNumber: 'X1',
    amount,
    description: 'Batch [X1]',
    balanceAccountType: 'G/L Account',
    balancingAccountNumber: '1910',
  });
  const post = (id: string, body: unknown, extra: Record<string, unknown> = {}) => ({ id, method: 'POST', url: lines, headers: { 'content-type': 'application/json' }, body, ...extra });

  beforeEach(async () => {
    bc = await startBusinessCentral();
    const journal = ((await (await bc.request('GET', `journals?$filter=${encodeURIComponent("code eq 'PLEO'")}`)).json()) as { value: { id: string }[] }).value[0];
    lines = `companies(${bc.company.id})/journals(${journal.id})/journalLines`;
  });
  afterEach(async () => {
    await bc.close();
  });

  it('runs each operation as its own request: one answer per operation, in order, a refused one alone', async () => {
    const res = await bc.batch({ requests: [post('1', line(10)), post('2', line(20, '9999')), { id: '3', method: 'GET', url: `${lines}?$filter=${encodeURIComponent("externalDocumentNumber eq 'X1'")}` }] });
    expect(res.status).toBe(200);
    const [made, refused, listed] = await answers(res);
    expect(made).toMatchObject({ id: '1', status: 201, body: { amount: 10 } });
    expect(made.headers.etag).toBeTruthy();
    expect(refused.status).toBe(400);
    expect(refused.body!.error!.message).toMatch(/accountNumber/);
    expect(listed).toMatchObject({ id: '3', status: 200 });
    expect((listed.body!.value as unknown[]).length).toBe(1);
    expect(bc.fake.calls.filter((c) => !c.inBatch).map((c) => c.path)).toEqual([expect.stringContaining('/journals?'), expect.stringMatching(/\/api\/v2\.0\/\$batch$/)]);
    expect(bc.fake.calls.filter((c) => c.inBatch).map((c) => [c.method, c.status])).toEqual([['POST', 201], ['POST', 400], ['GET', 200]]);
    expect(bc.violations()).toEqual([]);
  });

  it('Isolation: snapshot undoes every write when one operation fails; dependsOn a failed request answers 424', async () => {
    const res = await bc.batch({ requests: [post('1', line(10)), post('2', line(20, '9999')), post('3', line(30), { dependsOn: ['2'] })] }, { isolation: 'snapshot' });
    expect((await answers(res)).map((a) => a.status)).toEqual([201, 400, 424]);
    expect(bc.state().journalLines).toEqual([]);
    const ok = await bc.batch({ requests: [post('1', line(10)), post('2', line(20), { dependsOn: ['1'] })] }, { isolation: 'snapshot' });
    expect((await answers(ok)).map((a) => a.status)).toEqual([201, 201]);
    expect(bc.state().journalLines).toHaveLength(2);
  });

  it('refuses a malformed batch as a whole (recorded): over 100 operations, an unknown property, a body without content type, a shared atomicity group, a foreign URL', async () => {
    const many = Array.from({ length: 101 }, (_, i) => ({ id: String(i), method: 'GET', url: lines }));
    const cases: [unknown, RegExp][] = [
      [{ requests: many }, /at most 100 operations/],
      [{ requests: [{ id: '1', method: 'GET', url: lines, extra: 1 }] }, /unknown properties/],
      [{ requests: [{ id: '1', method: 'POST', url: lines, body: line(1) }] }, /Content-Type/],
      [{ requests: [post('1', line(1), { atomicityGroup: 'g' }), post('2', line(2), { atomicityGroup: 'g' })] }, /same change set/],
      [{ requests: [{ id: '1', method: 'GET', url: 'http://elsewhere/api/v2.0/companies' }] }, /service root/],
      [{ requests: [{ id: '1', method: 'GET', url: '$0/dimensionSetLines' }] }, /not served by this fake/],
    ];
    for (const [body, message] of cases) {
      const res = await bc.batch(body);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(message);
    }
    expect(bc.state().journalLines).toEqual([]);
    expect(bc.violations()).toHaveLength(cases.length);
    bc.fake.violations.length = 0;
  });

  it('counts every operation toward the window by default (or the batch once when told), and is one request in flight', async () => {
    await bc.token().then(() => bc.request('GET', 'vendors'));
    bc.fake.limits.settings.perWindow = 5; // 2 used (the journal, vendors): a batch of 4 does not fit, nothing of it is done
    const over = await bc.batch({ requests: [1, 2, 3, 4].map((n) => post(String(n), line(n))) });
    expect(over.status).toBe(429);
    expect(bc.state().journalLines).toEqual([]);
    const fits = await bc.batch({ requests: [1, 2, 3].map((n) => post(String(n), line(n))) });
    expect(fits.status).toBe(200);
    expect((await bc.request('GET', 'vendors')).status).toBe(429); // 2 + 3 = 5: the window is full
    bc.fake.batchCounts = 'request';
    bc.fake.limits.settings.perWindow = 7;
    expect((await bc.batch({ requests: [1, 2, 3, 4, 5].map((n) => post(String(n), line(n))) })).status).toBe(200);
    expect(bc.fake.limits.peakConcurrent).toBe(1);
    expect(bc.violations()).toEqual([]);
  });

  it('faults: 503 for the batch before anything; 504 after its operations committed; a fault on one operation is that operation\'s answer', async () => {
    bc.fake.faults.push({ path: '/$batch', status: 503 });
    expect((await bc.batch({ requests: [post('1', line(1))] })).status).toBe(503);
    expect(bc.state().journalLines).toEqual([]);
    bc.fake.faults.push({ path: '/$batch', afterCommit: '504' });
    expect((await bc.batch({ requests: [post('1', line(1))] })).status).toBe(504);
    expect(bc.state().journalLines).toHaveLength(1);
    bc.fake.faults.push({ method: 'POST', path: '/journalLines', afterCommit: '504' });
    const res = await bc.batch({ requests: [post('1', line(2)), post('2', line(3))] });
    expect((await answers(res)).map((a) => a.status)).toEqual([504, 201]);
    expect(bc.state().journalLines).toHaveLength(3);
  });
});
