import { BusinessCentralWorld, startBusinessCentral } from '../../../test/support/fake-business-central';

type Json = Record<string, unknown> & { value?: Record<string, unknown>[] };
const json = async (res: Response) => (await res.json()) as Json;
const errorOf = async (res: Response) => (await json(res)).error as { code: string; message: string };
const q = (filter: string) => `$filter=${encodeURIComponent(filter)}`;

describe('fake Business Central: limits, faults, payments, attachments, refusals', () => {
  let bc: BusinessCentralWorld;
  afterEach(async () => {
    await bc.close();
  });

  it('answers 429 to the 6th request in flight, with Retry-After unless switched off, and counts the window', async () => {
    bc = await startBusinessCentral({ latencyMs: 150 });
    await bc.token().then(() => bc.request('GET', 'vendors')); // token cached by the helper
    const six = await Promise.all(Array.from({ length: 6 }, () => bc.request('GET', 'vendors')));
    const statuses = six.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    const refused = six.find((r) => r.status === 429)!;
    expect(refused.headers.get('retry-after')).toBe('1');
    expect((await errorOf(refused)).code).toBe('Application_TooManyRequests');
    bc.fake.limits.settings.retryAfterHeader = false;
    const again = await Promise.all(Array.from({ length: 6 }, () => bc.request('GET', 'vendors')));
    const noHeader = again.find((r) => r.status === 429)!;
    expect(noHeader.headers.get('retry-after')).toBeNull();
    expect(bc.fake.limits.peakConcurrent).toBe(5);
    bc.fake.limits.settings.perWindow = 12; // 1 + 5 + 5 admitted so far: one more fits, the next is over
    const windowFull = await bc.request('GET', 'vendors');
    expect(windowFull.status).toBe(200);
    const over = await bc.request('GET', 'vendors');
    expect(over.status).toBe(429);
    expect(bc.fake.limits.refusals).toEqual({ window: 1, concurrent: 2 });
    expect(bc.violations()).toEqual([]);
  });

  it('fault switches: 503 for the next N requests, 429 without Retry-After, 504 or a dropped connection after the write committed', async () => {
    bc = await startBusinessCentral();
    bc.fake.faults.push({ status: 503, times: 2 });
    expect((await bc.request('GET', 'vendors')).status).toBe(503);
    expect((await bc.request('GET', 'vendors')).status).toBe(503);
    expect((await bc.request('GET', 'vendors')).status).toBe(200);
    bc.fake.faults.push({ status: 429, retryAfterSeconds: null });
    const throttled = await bc.request('GET', 'vendors');
    expect([throttled.status, throttled.headers.get('retry-after')]).toEqual([429, null]);
    bc.fake.faults.push({ method: 'POST', path: '/vendors', afterCommit: '504' });
    const timedOut = await bc.request('POST', 'vendors', { displayName: 'Committed' });
    expect(timedOut.status).toBe(504);
    expect(bc.state().vendors.map((v) => v.displayName)).toEqual(['Committed']);
    bc.fake.faults.push({ method: 'POST', path: '/vendors', afterCommit: 'drop' });
    await expect(bc.request('POST', 'vendors', { displayName: 'Dropped' })).rejects.toThrow();
    expect(bc.state().vendors.map((v) => v.displayName)).toEqual(['Committed', 'Dropped']);
  });

  it('a hanging fault answers nothing and writes nothing; the request ends when the client goes away', async () => {
    bc = await startBusinessCentral();
    bc.fake.faults.push({ method: 'POST', path: '/vendors', hang: true });
    const hung = bc.request('POST', 'vendors', { displayName: 'Hung' }, {}).catch((e: Error) => e);
    const raced = await Promise.race([hung, new Promise((r) => setTimeout(() => r('still waiting'), 300))]);
    expect(raced).toBe('still waiting');
    expect(bc.fake.callsTo('/vendors', 'POST').map((c) => c.status)).toEqual([0]);
    await bc.close(); // the client's socket goes away
    expect(String(await hung)).toMatch(/fetch failed/);
    expect(bc.state().vendors).toEqual([]);
  });

  it('pays a posted invoice with a vendor payment posted through journals({id})/Microsoft.NAV.post: invoice Paid, ledger closed', async () => {
    bc = await startBusinessCentral();
    const vendor = await json(await bc.request('POST', 'vendors', { displayName: 'Acme' }));
    const inv = await json(await bc.request('POST', 'purchaseInvoices', { vendorId: vendor.id, vendorInvoiceNumber: 'INV-9', postingDate: '2026-05-02', purchaseInvoiceLines: [{ lineType: 'Account', lineObjectNumber: '6100', quantity: 1, unitCost: 80, taxCode: 'S25' }] }));
    expect((await bc.request('POST', `purchaseInvoices(${String(inv.id)})/Microsoft.NAV.post`)).status).toBe(204);
    const journals = await json(await bc.request('GET', 'vendorPaymentJournals'));
    expect(journals.value).toEqual([expect.objectContaining({ code: 'PAYMENT', balancingAccountNumber: '1910' })]);
    const pj = journals.value![0];
    const draft = await bc.request('POST', `vendorPaymentJournals(${String(pj.id)})/vendorPayments`, { appliesToInvoiceId: inv.id, amount: 100, postingDate: '2026-05-03', externalDocumentNumber: 'PAY-ae-1', description: 'Pleo payment' });
    expect(draft.status).toBe(201);
    expect(await json(draft)).toEqual(expect.objectContaining({ vendorNumber: 'V00010', appliesToInvoiceNumber: 'PPI00001', lineNumber: 10000 }));
    // the payments page has no bound action; the batch is posted through journals(id)
    expect((await bc.request('POST', `vendorPaymentJournals(${String(pj.id)})/Microsoft.NAV.post`)).status).toBe(404);
    expect((await bc.request('GET', q("code eq 'PAYMENT'").replace(/^/, 'journals?'))).status).toBe(200);
    expect((await bc.request('POST', `journals(${String(pj.id)})/Microsoft.NAV.post`)).status).toBe(204);
    expect((await json(await bc.request('GET', `purchaseInvoices(${String(inv.id)})`))).status).toBe('Paid');
    expect(bc.state().vendorLedger.map((e) => [e.documentType, e.amount, e.remainingAmount, e.open])).toEqual([['Invoice', -100, 0, false], ['Payment', 100, 0, false]]);
    const pay = await json(await bc.request('GET', `generalLedgerEntries?${q("contains(description,'Pleo payment')")}`));
    expect(pay.value!.map((e) => [e.accountNumber, e.debitAmount, e.creditAmount, e.documentType])).toEqual([['2400', 100, 0, 'Payment'], ['1910', 0, 100, 'Payment']]);
    expect((await json(await bc.request('GET', `vendorPaymentJournals(${String(pj.id)})/vendorPayments`))).value).toEqual([]);
    expect(bc.violations()).toHaveLength(1); // the vendorPaymentJournals(...)/Microsoft.NAV.post that BC does not have
  });

  it('stores an attachment created then filled with PATCH attachmentContent (If-Match required)', async () => {
    bc = await startBusinessCentral();
    const vendor = await json(await bc.request('POST', 'vendors', { displayName: 'Acme' }));
    const inv = await json(await bc.request('POST', 'purchaseInvoices', { vendorId: vendor.id }));
    const att = await json(await bc.request('POST', 'documentAttachments', { fileName: 'receipt.pdf', parentType: 'Purchase Invoice', parentId: inv.id }));
    expect(att).toEqual(expect.objectContaining({ fileName: 'receipt.pdf', byteSize: 0, parentId: inv.id }));
    const bytes = Buffer.from('%PDF-1.4 receipt');
    expect((await bc.request('PATCH', `documentAttachments(${String(att.id)})/attachmentContent`, bytes)).status).toBe(400);
    expect((await bc.request('PATCH', `documentAttachments(${String(att.id)})/attachmentContent`, bytes, { 'if-match': '*' })).status).toBe(204);
    const listed = await json(await bc.request('GET', `documentAttachments?${q(`parentId eq ${String(inv.id)} and parentType eq 'Purchase Invoice'`)}`));
    expect(listed.value!.map((a) => [a.fileName, a.byteSize])).toEqual([['receipt.pdf', bytes.length]]);
    const content = await bc.request('GET', `documentAttachments(${String(att.id)})/attachmentContent`);
    expect(Buffer.from(await content.arrayBuffer())).toEqual(bytes);
    const orphan = await bc.request('POST', 'documentAttachments', { fileName: 'x.pdf', parentType: 'Purchase Invoice', parentId: '6f1c2b0e-0000-4000-8000-000000000000' });
    expect(orphan.status).toBe(400);
    expect(bc.violations()).toHaveLength(1);
  });

  it("refuses as BC does: unknown dimension value, a posting date outside the allowed range, a blocked vendor, a bad $filter", async () => {
    bc = await startBusinessCentral();
    const journal = (await json(await bc.request('GET', `journals?${q("code eq 'PLEO'")}`))).value![0];
    const lines = `journals(${String(journal.id)})/journalLines`;
    const badDim = await bc.request('POST', lines, { accountNumber: '7000', amount: 10, documentNumber: 'D1', balancingAccountNumber: '1910', dimensionSetLines: [{ code: 'DEPT', valueCode: 'NOPE' }] });
    expect(badDim.status).toBe(400);
    expect((await errorOf(badDim)).message).toMatch(/"valueCode" does not match to a Dimension Value/);
    expect(bc.state().journalLines).toEqual([]);
    const badAccount = await bc.request('POST', lines, { accountNumber: '9999', amount: 10 });
    expect((await errorOf(badAccount)).message).toMatch(/"accountNumber" does not match to an Account/);
    expect((await bc.request('POST', lines, { accountNumber: '7000', amount: 10, postingDate: '2025-12-31', documentNumber: 'D1', balancingAccountNumber: '1910' })).status).toBe(201);
    bc.company.allowPostingFrom = '2026-01-01';
    const locked = await bc.request('POST', `journals(${String(journal.id)})/Microsoft.NAV.post`);
    expect(locked.status).toBe(400);
    expect(await errorOf(locked)).toEqual({ code: 'Application_DialogException', message: expect.stringMatching(/Posting Date is not within your range of allowed posting dates/) });
    expect(bc.state().journalLines).toHaveLength(1);
    const vendor = await json(await bc.request('POST', 'vendors', { displayName: 'Blocked Ltd', blocked: 'All' }));
    const blocked = await bc.request('POST', 'purchaseInvoices', { vendorId: vendor.id });
    expect((await errorOf(blocked)).message).toMatch(/blocked with type All/);
    const badFilter = await bc.request('GET', `vendors?${q("displayName eq Acme")}`);
    expect(badFilter.status).toBe(400);
    const unknownField = await bc.request('GET', `vendors?${q("vatNumber eq 'x'")}`);
    expect(unknownField.status).toBe(400);
    expect(bc.violations()).toHaveLength(2);
  });
});
