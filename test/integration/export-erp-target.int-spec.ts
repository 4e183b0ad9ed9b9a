import { randomUUID } from 'node:crypto';
import { ExportLedgerRepository, ReceiptLedgerRepository, VendorLinkRepository } from '@app/database';
import { ExportRunnerKit } from '../support/export-runners';

/**
 * Review finding 2: the item ledger, the receipt ledger and the vendor links are about one ERP
 * target (kind + connection). What is known for one target is not taken as known in another.
 * Real PostgreSQL (the switch end to end is in connection-switch.int-spec.ts).
 */
describe('ledgers and vendor links are scoped by ERP target', () => {
  const kit = new ExportRunnerKit();
  beforeAll(() => kit.start());
  afterAll(() => kit.close());

  const [A, B] = ['sandbox:11111111-aaaa-4aaa-8aaa-111111111111', 'sandbox:22222222-bbbb-4bbb-8bbb-222222222222'];

  it('a row POSTED for target A, claimed for target B, starts over there: attempted (reconcile first), no ERP id', async () => {
    const ledger = kit.get(ExportLedgerRepository);
    const key = { companyId: randomUUID(), accountingEntryId: randomUUID() };
    const owner = randomUUID();
    await ledger.claim(key.companyId, randomUUID(), owner, 60_000, [key.accountingEntryId], A);
    expect(await ledger.markAttempted(key, owner, 60_000)).toBe(true);
    expect(await ledger.markPosted(key, owner, { id: 'a-1', number: 'A-1' })).toBe(true);
    await ledger.release(key.companyId, owner, [key.accountingEntryId]);

    // the same target: POSTED as it is
    expect((await ledger.claim(key.companyId, randomUUID(), owner, 60_000, [key.accountingEntryId], A)).get(key.accountingEntryId)).toMatchObject({ status: 'POSTED', erpId: 'a-1' });
    await ledger.release(key.companyId, owner, [key.accountingEntryId]);

    const inB = (await ledger.claim(key.companyId, randomUUID(), owner, 60_000, [key.accountingEntryId], B)).get(key.accountingEntryId);
    expect(inB).toMatchObject({ status: 'POSTING', erpId: null, erpNumber: null, attachmentsDone: 0 });
    expect(inB!.attemptedAt).toBeInstanceOf(Date);
  });

  it('a row from before targets were recorded is taken as the current target’s (no second post after the upgrade)', async () => {
    const ledger = kit.get(ExportLedgerRepository);
    const key = { companyId: randomUUID(), accountingEntryId: randomUUID() };
    await kit.db.query(`INSERT INTO export_item_ledger (company_id, accounting_entry_id, job_id, status, erp_id, erp_number) VALUES ($1, $2, $3, 'POSTED', 'old-1', 'OLD-1')`, [key.companyId, key.accountingEntryId, randomUUID()]);
    const row = (await ledger.claim(key.companyId, randomUUID(), randomUUID(), 60_000, [key.accountingEntryId], B)).get(key.accountingEntryId);
    expect(row).toMatchObject({ status: 'POSTED', erpId: 'old-1' });
  });

  it('receipts attached in target A are not "attached" in target B', async () => {
    const receipts = kit.get(ReceiptLedgerRepository);
    const key = { companyId: randomUUID(), accountingEntryId: randomUUID() };
    await receipts.recordAttached(key, 'f'.repeat(64), 'a-1', A);
    expect([...(await receipts.attachedHashes(key, A, 'a-1'))]).toEqual(['f'.repeat(64)]);
    expect([...(await receipts.attachedHashes(key, B, 'b-1'))]).toEqual([]);
    await receipts.recordAttached(key, 'f'.repeat(64), 'b-1', B); // recorded for B as well (not swallowed as a duplicate)
    expect([...(await receipts.attachedHashes(key, B, 'b-1'))]).toEqual(['f'.repeat(64)]);
  });

  it('a vendor link made in target A is no link in target B; a link from before targets counts for its kind', async () => {
    const links = kit.get(VendorLinkRepository);
    const pleoVendorId = randomUUID();
    await links.save({ pleoVendorId, companyId: randomUUID(), erpKind: 'sandbox', erpVendorId: '42', erpCode: 'V-42', erpTarget: A });
    expect(await links.find(pleoVendorId, { erpTarget: A, erpKind: 'sandbox' })).toMatchObject({ erpVendorId: '42' });
    expect(await links.find(pleoVendorId, { erpTarget: B, erpKind: 'sandbox' })).toBeNull();

    await kit.db.query(`UPDATE vendor_links SET erp_target = '' WHERE pleo_vendor_id = $1`, [pleoVendorId]);
    expect(await links.find(pleoVendorId, { erpTarget: B, erpKind: 'sandbox' })).toMatchObject({ erpVendorId: '42' });
    expect(await links.find(pleoVendorId, { erpTarget: 'tryton:default', erpKind: 'tryton' })).toBeNull();
  });
});
