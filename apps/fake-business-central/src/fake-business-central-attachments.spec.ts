import { BusinessCentralWorld, startBusinessCentral } from '../../../test/support/fake-business-central';

type Json = Record<string, unknown> & { value?: Record<string, unknown>[] };
const json = async (res: Response) => (await res.json()) as Json;
const q = (filter: string) => `$filter=${encodeURIComponent(filter)}`;
const line = (documentNumber: string) => ({ accountNumber: '7100', postingDate: '2026-11-20', documentNumber, amount: 50, description: 'Lunch', balancingAccountNumber: '1910' });

/** Receipts on journal entries: attachments (incoming documents), as API v2.0 has them. */
describe('fake Business Central: attachments (incoming documents)', () => {
  let bc: BusinessCentralWorld;
  afterEach(async () => {
    await bc.close();
  });

  it('a journal line keeps its attachment when posted: every G/L entry of the document shows it; documentAttachments refuses Journal', async () => {
    bc = await startBusinessCentral();
    const [journal] = (await json(await bc.request('GET', `journals?${q("code eq 'PLEO'")}`))).value!;
    const made = await json(await bc.request('POST', `journals(${String(journal.id)})/journalLines`, line('DOC-1')));
    const refused = await bc.request('POST', 'documentAttachments', { fileName: 'r.pdf', parentType: 'Journal', parentId: made.id });
    expect(refused.status).toBe(400);
    expect(((await json(refused)).error as { message: string }).message).toContain('Document type Journal is not supported');
    const att = await json(await bc.request('POST', 'attachments', { fileName: 'r.pdf', parentType: 'Journal', parentId: made.id }));
    expect(att).toMatchObject({ parentId: made.id, parentType: 'Journal', byteSize: 0 });
    expect((await bc.request('PATCH', `attachments(${String(att.id)})/attachmentContent`, Buffer.from('%PDF'), { 'if-match': '*' })).status).toBe(204);
    expect((await bc.request('POST', `journals(${String(journal.id)})/Microsoft.NAV.post`)).status).toBe(204);
    const entries = (await json(await bc.request('GET', `generalLedgerEntries?${q("documentNumber eq 'DOC-1'")}`))).value!;
    expect(entries).toHaveLength(2);
    for (const e of entries) {
      const listed = (await json(await bc.request('GET', `attachments?${q(`parentId eq ${String(e.id)} and parentType eq 'Journal'`)}`))).value!;
      expect(listed.map((a) => [a.id, a.fileName, a.byteSize])).toEqual([[att.id, 'r.pdf', 4]]);
    }
    expect(bc.violations()).toHaveLength(0); // an application refusal is BC's answer, not a malformed request
  });

  it('attaches to a posted G/L entry under its document; an unknown parent gives an unlinked attachment; Vendor is refused', async () => {
    bc = await startBusinessCentral();
    const [journal] = (await json(await bc.request('GET', `journals?${q("code eq 'PLEO'")}`))).value!;
    await bc.request('POST', `journals(${String(journal.id)})/journalLines`, line('DOC-2'));
    await bc.request('POST', `journals(${String(journal.id)})/Microsoft.NAV.post`);
    const [first, second] = (await json(await bc.request('GET', `generalLedgerEntries?${q("documentNumber eq 'DOC-2'")}`))).value!;
    await bc.request('POST', 'attachments', { fileName: 'a.pdf', parentType: 'Journal', parentId: first.id });
    const viaSecond = (await json(await bc.request('GET', `attachments?${q(`parentId eq ${String(second.id)}`)}`))).value!;
    expect(viaSecond.map((a) => a.fileName)).toEqual(['a.pdf']);
    const orphan = await json(await bc.request('POST', 'attachments', { fileName: 'b.pdf', parentType: 'Journal', parentId: '6f1c2b0e-0000-4000-8000-000000000000' }));
    expect(orphan).toMatchObject({ parentId: '00000000-0000-0000-0000-000000000000', parentType: ' ' });
    const vendor = await json(await bc.request('POST', 'vendors', { displayName: 'Acme' }));
    expect((await bc.request('POST', 'attachments', { fileName: 'c.pdf', parentType: 'Vendor', parentId: vendor.id })).status).toBe(400);
  });
});
