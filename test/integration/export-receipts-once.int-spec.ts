import { randomUUID } from 'node:crypto';
import { ErpWrites } from '../support/counting-erp';
import { ExportRunnerKit, expectPostedOnce, idsOf } from '../support/export-runners';
import { exportItem } from '../support/export-items';
import { connectionRecorder, receiptServer } from '../support/recording-servers';

/** Receipts exactly once and fetched safely, through whole export runs (issue #8: R9, S1). */
describe('export: receipts once, by content, from safe URLs only (real PostgreSQL and Redis)', () => {
  const kit = new ExportRunnerKit();

  beforeAll(() => kit.start());
  afterAll(() => kit.close());
  afterEach(() => expect(kit.fake.specProblems()).toEqual([]));

  it('R9: receipts reordered and extended between exports → each file attached once', async () => {
    const companyId = randomUUID();
    const file = (text: string) => ({ content: Buffer.from(`%PDF-1.4 ${text}`).toString('base64'), type: 'application/pdf' });
    const id = randomUUID();
    const writes = new ErpWrites();
    const firstJob = kit.fake.exports.seedJob({ companyId, items: [exportItem({ companyId, accountingEntryId: id, files: [file('a'), file('b')] })] });
    await kit.runUntilDone(kit.runner(kit.erpDouble(writes)), companyId);
    expect(firstJob.status).toBe('completed');
    const again = kit.fake.exports.seedJob({ companyId, items: [exportItem({ companyId, accountingEntryId: id, files: [file('c'), file('b'), file('a')] })] });
    await kit.runUntilDone(kit.runner(kit.erpDouble(writes)), companyId);
    expect(again.status).toBe('completed');
    expect(writes.posts.get(id)).toBe(1);
    expect(writes.attaches.size).toBe(3);
    expect([...writes.attaches.values()]).toEqual([1, 1, 1]);
    expect((await kit.db.query('SELECT count(*)::int AS n FROM export_receipt_ledger WHERE accounting_entry_id = $1', [id])).rows[0].n).toBe(3);
  });

  it('R9: receipts attached by position before the receipt ledger existed are carried over, not sent again', async () => {
    const companyId = randomUUID();
    const id = randomUUID();
    const file = (text: string) => ({ content: Buffer.from(`%PDF-1.4 ${text}`).toString('base64'), type: 'application/pdf' });
    const writes = new ErpWrites();
    const entry = await kit.bookDirectly(id);
    await kit.db.query(`INSERT INTO export_item_ledger (company_id, accounting_entry_id, job_id, status, erp_id, erp_number, attachments_done) VALUES ($1, $2, $3, 'POSTED', $4, $5, 1)`, [companyId, id, randomUUID(), entry.id, entry.number]);
    const job = kit.fake.exports.seedJob({ companyId, items: [exportItem({ companyId, accountingEntryId: id, files: [file('old'), file('new')] })] });
    await kit.runUntilDone(kit.runner(kit.erpDouble(writes)), companyId);
    expect(job.status).toBe('completed');
    expect(writes.attaches.size).toBe(1); // only the second
    expect((await kit.db.query('SELECT count(*)::int AS n FROM export_receipt_ledger WHERE accounting_entry_id = $1', [id])).rows[0].n).toBe(2);
  });

  it('S1: receipt URLs aimed at loopback, the metadata address or redirecting there → receipt_download_failure, entry booked, no connection made', async () => {
    const companyId = randomUUID();
    const recorder = await connectionRecorder();
    const redirector = await receiptServer((req, res) => res.writeHead(302, { location: `http://127.0.0.1:${recorder.port}/r.pdf` }).end());
    try {
      const withReceipt = (url: string) => exportItem({ companyId, files: [{ url, type: 'application/pdf', size: 100 } as never] });
      const list = [
        withReceipt(`http://127.0.0.1:${recorder.port}/r.pdf`),
        withReceipt(`https://127.0.0.1:${recorder.port}/r.pdf`),
        withReceipt('https://169.254.169.254/latest/meta-data/iam/security-credentials/role'),
        withReceipt(`${redirector.url}/r.pdf`),
      ];
      const job = kit.fake.exports.seedJob({ companyId, items: list });
      const writes = new ErpWrites();
      await kit.runUntilDone(kit.runner(kit.erpDouble(writes), { receiptAllowedHttpHosts: [new URL(kit.fake.filesUrl).host, redirector.host] }), companyId);
      for (const id of idsOf(list)) {
        expect(job.items.get(id)).toMatchObject({ status: 'failed', failureReasonType: 'receipt_download_failure', failureReason: expect.stringMatching(/^The entry was booked as JE-\d+, but receipt 1 of 1 could not be downloaded from Pleo\./) });
      }
      expectPostedOnce(writes, idsOf(list)); // booked, only the receipt is missing
      expect(writes.attaches.size).toBe(0);
      expect(recorder.connections).toBe(0);
      expect(redirector.requests).toHaveLength(1); // the redirect was not retried either: it is refused for good
    } finally {
      await Promise.all([recorder.close(), redirector.close()]);
    }
  });

});
