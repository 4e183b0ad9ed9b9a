import { randomUUID } from 'node:crypto';
import { ErpError } from '@app/erp';
import { ErpWrites } from '../support/counting-erp';
import { ExportRunnerKit, idsOf, plainItems } from '../support/export-runners';

/**
 * Review finding 7: a run that stops on a retryable ERP error keeps its claim on the entry whose
 * write ended without a known outcome (the ERP may still be committing it): no other run reconciles
 * and posts it again before the lease runs out. Entries it never wrote are released at once.
 */
describe('export: claims of entries whose ERP write has no known outcome', () => {
  const kit = new ExportRunnerKit();
  beforeAll(() => kit.start());
  afterAll(() => kit.close());

  it('are kept until the lease runs out; the others are released', async () => {
    const companyId = randomUUID();
    const items = plainItems(companyId, 2);
    kit.fake.exports.seedJob({ companyId, items });
    let calls = 0;
    const erp = kit.erpDouble(new ErpWrites(), {
      // stored in the ERP, but the answer is lost: a timeout that may have applied
      afterPost: async () => {
        if (++calls === 1) throw new ErpError('timeout', 'The ERP did not answer in time.', { mayHaveApplied: true });
      },
    });

    await expect(kit.runner(erp, { itemConcurrency: 1 }).runCompany(companyId, 'test')).rejects.toBeInstanceOf(ErpError);

    const [written, untouched] = idsOf(items);
    const rows = new Map(
      (await kit.db.query('SELECT accounting_entry_id, claimed_by, lease_until > now() AS live, attempted_at IS NOT NULL AS attempted FROM export_item_ledger WHERE accounting_entry_id = ANY($1::uuid[])', [idsOf(items)])).rows.map((r) => [r.accounting_entry_id, r]),
    );
    expect(rows.get(written)).toMatchObject({ live: true, attempted: true });
    expect(rows.get(written).claimed_by).not.toBeNull();
    expect(rows.get(untouched)).toMatchObject({ claimed_by: null, attempted: false });
  });
});
