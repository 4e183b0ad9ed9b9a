import { BusinessCentralWorld, startBusinessCentral } from '../../../test/support/fake-business-central';

type Json = Record<string, unknown> & { value?: Record<string, unknown>[] };
const json = async (res: Response) => (await res.json()) as Json;

describe('fake Business Central: auth, vendors, journals, purchase invoices', () => {
  let bc: BusinessCentralWorld;
  beforeEach(async () => {
    bc = await startBusinessCentral();
  });
  afterEach(async () => {
    await bc.close();
  });

  it('issues client-credentials tokens on the Entra URL layout and refuses a wrong secret with invalid_client', async () => {
    const form = (secret: string) => new URLSearchParams({ grant_type: 'client_credentials', client_id: bc.clientId, client_secret: secret, scope: 'https://api.businesscentral.dynamics.com/.default' });
    const ok = await fetch(bc.env.BC_TOKEN_URL.replace('{tenant}', bc.tenantId), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form(bc.clientSecret) });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual(expect.objectContaining({ token_type: 'Bearer', expires_in: 3599, access_token: expect.any(String) }));
    const bad = await fetch(bc.fake.tokenUrl(bc.tenantId), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form('wrong') });
    expect(bad.status).toBe(401);
    expect(await bad.json()).toEqual(expect.objectContaining({ error: 'invalid_client' }));
    expect(bc.violations()).toEqual([]);
  });

  it('refuses requests without a valid token, and expired tokens', async () => {
    const none = await fetch(`${bc.companyUrl}/vendors`);
    expect(none.status).toBe(401);
    expect(((await json(none)).error as Json).code).toBe('Authentication_InvalidCredentials');
    expect(bc.violations()).toHaveLength(1); // no Authorization header at all is a malformed request
    expect((await bc.request('GET', 'vendors')).status).toBe(200);
    bc.fake.identity.expireAll();
    const expired = await bc.request('GET', 'vendors');
    expect(expired.status).toBe(401);
    expect(((await json(expired)).error as Json).message).toMatch(/expired/);
  });

  it('numbers vendors from the series, finds them with $filter, and refuses duplicate numbers with 409', async () => {
    const a = await json(await bc.request('POST', 'vendors', { displayName: 'Acme GmbH', taxRegistrationNumber: 'DE123456789', currencyCode: 'EUR', country: 'DE' }));
    const b = await json(await bc.request('POST', 'vendors', { displayName: 'Acme GmbH' }));
    expect([a.number, b.number]).toEqual(['V00010', 'V00020']);
    expect(a['@odata.etag']).toMatch(/^W\/"/);
    const byName = await json(await bc.request('GET', `vendors?$filter=${encodeURIComponent("displayName eq 'acme gmbh'")}`));
    expect(byName.value).toHaveLength(2); // BC allows duplicate names; its collation ignores case
    const byTax = await json(await bc.request('GET', `vendors?$filter=${encodeURIComponent("taxRegistrationNumber eq 'DE123456789' and startswith(number,'V0001')")}`));
    expect(byTax.value!.map((v) => v.id)).toEqual([a.id]);
    const dup = await bc.request('POST', 'vendors', { number: 'V00010', displayName: 'Other' });
    expect(dup.status).toBe(409);
    expect(((await json(dup)).error as Json).code).toBe('Internal_EntityWithSameKeyExists');
    expect(bc.violations()).toEqual([]);
  });

  it('refuses unknown and read-only properties with BadRequest and records them as violations', async () => {
    const unknown = await bc.request('POST', 'vendors', { displayName: 'X', vatNumber: 'DE1' });
    expect(unknown.status).toBe(400);
    expect((await json(unknown)).error).toEqual({ code: 'BadRequest', message: expect.stringMatching(/property 'vatNumber' does not exist/) });
    const readOnly = await bc.request('POST', 'vendors', { displayName: 'X', balance: 3 });
    expect(readOnly.status).toBe(400);
    expect(((await json(readOnly)).error as Json).message).toMatch(/Control 'balance' is read-only/);
    const tooLong = await bc.request('POST', 'vendors', { displayName: 'x'.repeat(101) });
    expect(tooLong.status).toBe(400);
    expect(bc.violations()).toHaveLength(3);
    expect(bc.state().vendors).toEqual([]);
  });

  it('requires If-Match on PATCH and answers 412 to a stale ETag', async () => {
    const v = await json(await bc.request('POST', 'vendors', { displayName: 'Acme' }));
    expect((await bc.request('PATCH', `vendors(${String(v.id)})`, { email: 'a@acme.test' })).status).toBe(400);
    const ok = await bc.request('PATCH', `vendors(${String(v.id)})`, { email: 'a@acme.test' }, { 'if-match': String(v['@odata.etag']) });
    expect(ok.status).toBe(200);
    const stale = await bc.request('PATCH', `vendors(${String(v.id)})`, { email: 'b@acme.test' }, { 'if-match': String(v['@odata.etag']) });
    expect(stale.status).toBe(412);
    expect(((await json(stale)).error as Json).code).toBe('Request_EntityChanged');
    expect(bc.violations()).toHaveLength(1);
  });

  it('posts a whole journal into balanced G/L entries and empties it; an unbalanced document is refused', async () => {
    const journal = (await json(await bc.request('GET', `journals?$filter=${encodeURIComponent("code eq 'PLEO'")}`))).value![0];
    const lines = `journals(${String(journal.id)})/journalLines`;
    const line = await json(await bc.request('POST', lines, { accountNumber: '6110', postingDate: '2026-05-01', documentNumber: 'PLEO-1', externalDocumentNumber: 'ae-1', amount: 125, description: 'Chair', taxCode: 'S25', balanceAccountType: 'G/L Account', balancingAccountNumber: '1910', dimensionSetLines: [{ code: 'DEPT', valueCode: 'SALES' }] }));
    expect(line.lineNumber).toBe(10000);
    expect((await bc.request('POST', lines, { accountNumber: '7000', postingDate: '2026-05-01', documentNumber: 'PLEO-2', amount: 40, description: 'Taxi' })).status).toBe(201);
    const refused = await bc.request('POST', `journals(${String(journal.id)})/Microsoft.NAV.post`);
    expect(refused.status).toBe(400);
    expect(((await json(refused)).error as Json).message).toMatch(/PLEO-2 is out of balance by 40\.00/);
    expect(bc.state().generalLedgerEntries).toEqual([]);
    const second = (await json(await bc.request('GET', `${lines}?$filter=${encodeURIComponent("documentNumber eq 'PLEO-2'")}`))).value![0];
    expect((await bc.request('PATCH', `${lines}(${String(second.id)})`, { balancingAccountNumber: '1910' }, { 'if-match': '*' })).status).toBe(200);
    expect((await bc.request('POST', `journals(${String(journal.id)})/Microsoft.NAV.post`)).status).toBe(204);
    expect((await json(await bc.request('GET', lines))).value).toEqual([]);
    const entries = bc.state().generalLedgerEntries;
    expect(entries.map((e) => [e.accountNumber, e.debitAmount, e.creditAmount])).toEqual([
      ['6110', 100, 0],
      ['2610', 25, 0],
      ['1910', 0, 125],
      ['7000', 40, 0],
      ['1910', 0, 40],
    ]);
    expect(entries[0]).toEqual(expect.objectContaining({ documentNumber: 'PLEO-1', externalDocumentNumber: 'ae-1', dimensions: [{ code: 'DEPT', valueCode: 'SALES' }] }));
    const viaApi = await json(await bc.request('GET', `generalLedgerEntries?$filter=${encodeURIComponent("documentNumber eq 'PLEO-1'")}`));
    expect(viaApi.value).toHaveLength(3);
    expect(bc.violations()).toEqual([]);
  });

  it('creates a purchase invoice with deep-inserted lines, posts it into a posted invoice and the vendor ledger', async () => {
    const vendor = await json(await bc.request('POST', 'vendors', { displayName: 'Acme GmbH', currencyCode: 'EUR' }));
    const created = await bc.request('POST', 'purchaseInvoices', {
      vendorNumber: vendor.number, invoiceDate: '2026-05-01', postingDate: '2026-05-01', vendorInvoiceNumber: 'INV-1',
      purchaseInvoiceLines: [{ lineType: 'Account', lineObjectNumber: '6300', description: 'SaaS', quantity: 1, unitCost: 100, taxCode: 'RC25' }, { lineType: 'Account', lineObjectNumber: '6100', description: 'Paper', quantity: 2, unitCost: 10, taxCode: 'S25' }],
    });
    expect(created.status).toBe(201);
    const inv = await json(created);
    expect(inv).toEqual(expect.objectContaining({ number: 'PI00001', status: 'Draft', vendorName: 'Acme GmbH', totalAmountExcludingTax: 120, totalTaxAmount: 5, totalAmountIncludingTax: 125 }));
    expect(inv.purchaseInvoiceLines).toHaveLength(2);
    const readOnly = await bc.request('POST', 'purchaseInvoices', { vendorNumber: vendor.number, vendorName: 'Acme GmbH' });
    expect(readOnly.status).toBe(400);
    expect((await bc.request('POST', `purchaseInvoices(${String(inv.id)})/Microsoft.NAV.post`)).status).toBe(204);
    const posted = await json(await bc.request('GET', `purchaseInvoices(${String(inv.id)})?$expand=purchaseInvoiceLines`));
    expect(posted).toEqual(expect.objectContaining({ number: 'PPI00001', status: 'Open' }));
    expect((await bc.request('POST', `purchaseInvoices(${String(inv.id)})/Microsoft.NAV.post`)).status).toBe(400);
    const entries = bc.state().generalLedgerEntries;
    const net = (acc: string) => entries.filter((e) => e.accountNumber === acc).reduce((s, e) => s + Number(e.debitAmount) - Number(e.creditAmount), 0);
    expect([net('6300'), net('6100'), net('2610'), net('2620'), net('2400')]).toEqual([100, 20, 30, -25, -125]);
    expect(bc.state().vendorLedger).toEqual([expect.objectContaining({ vendorNumber: 'V00010', documentNumber: 'PPI00001', amount: -125, open: true })]);
    const again = await json(await bc.request('POST', 'purchaseInvoices', { vendorId: vendor.id, vendorInvoiceNumber: 'INV-1', purchaseInvoiceLines: [{ lineType: 'Account', lineObjectNumber: '6100', quantity: 1, unitCost: 1 }] }));
    const dupPost = await bc.request('POST', `purchaseInvoices(${String(again.id)})/Microsoft.NAV.post`);
    expect(((await json(dupPost)).error as Json).message).toMatch(/already exists for this vendor/);
    expect(bc.violations()).toEqual([bc.violations()[0]]);
    expect(bc.violations()[0]).toMatch(/vendorName/);
  });
});
