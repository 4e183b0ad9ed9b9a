import { randomUUID } from 'node:crypto';
import { ExportLedgerRepository } from '@app/database';
import { RunInterrupted } from '@app/runtime';
import { ErpWrites } from '../support/counting-erp';
import { exportItem } from '../support/export-items';
import { ExportRunnerKit } from '../support/export-runners';

/** Exactly-once ledger edge cases (review finding 3): ids in any letter case, real PostgreSQL and Redis. */
describe('export ledger: ids in any letter case', () => {
  const kit = new ExportRunnerKit();
  beforeAll(() => kit.start());
  afterAll(() => kit.close());

  it('claim() answers in the ids it was given (an upper-case uuid is a valid uuid and passes validateItem)', async () => {
    const ledger = kit.get(ExportLedgerRepository);
    const id = randomUUID().toUpperCase();
    const rows = await ledger.claim(randomUUID(), randomUUID(), randomUUID(), 60_000, [id], 'sandbox:default');
    // What happens: the map is keyed by PostgreSQL's lower-case text, so processPage sees the entry as "taken".
    expect([...rows.keys()]).toEqual([id]);
  });

  it('a company id in two spellings is one ledger: the second spelling finds the entry held, not a new row', async () => {
    const ledger = kit.get(ExportLedgerRepository);
    const company = randomUUID();
    const entry = randomUUID();
    expect([...(await ledger.claim(company.toUpperCase(), randomUUID(), randomUUID(), 60_000, [entry], 'sandbox:default')).keys()]).toEqual([entry]);
    expect((await ledger.claim(company, randomUUID(), randomUUID(), 60_000, [entry], 'sandbox:default')).size).toBe(0);
  });

  it('an item whose accountingEntryId is upper case is exported, not interrupted as "held by another run" on every try', async () => {
    const companyId = randomUUID();
    const item = exportItem({ companyId, tax: null, gross: 1000, accountingEntryId: randomUUID().toUpperCase() });
    const job = kit.fake.exports.seedJob({ companyId, items: [item] });
    const writes = new ErpWrites();
    const outcomes: unknown[] = [];
    for (let i = 0; i < 3; i++) {
      outcomes.push(await kit.runner(kit.erpDouble(writes)).runCompany(companyId, `try-${i}`).then(() => 'done', (err) => err));
      if (outcomes[i] === 'done') break;
    }
    // What happens: RunInterrupted(lock_lost) each time (the queue delays it 2 s without spending an
    // attempt, for ever), nothing posted, the company's later jobs wait behind it until Pleo expires it.
    expect(outcomes.map((o) => (o instanceof RunInterrupted ? `RunInterrupted:${o.why}` : o))).toEqual(['done']);
    expect(job.status).toBe('completed');
  });
});
