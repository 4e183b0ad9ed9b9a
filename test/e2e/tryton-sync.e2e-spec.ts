import { randomUUID } from 'node:crypto';
import { Spawned, WORKER_MAIN, assertBuilt, spawnNode } from '../support/processes';
import { killAll, processEnv, sendVendorCreated, spawnApi } from '../support/e2e-processes';
import { FakePleoProcess, spawnFakePleo } from '../support/fake-pleo-process';
import { dropQueuePrefix, post, waitFor } from '../support/harness';
import { exportItem, exportJobWebhook } from '../support/export-items';
import { germanVatNumber } from '../support/erp-contract';
import { signedHeaders, vendorData } from '../support/sign';
import { uniquePrefix } from '../support/test-env';
import { LiveTryton, startTryton } from '../support/tryton';
import { TrytonRpcClient } from '../../libs/erp/src/adapters/tryton/tryton-rpc.client';

const FAKE_KEY = 'e2e-tryton-key';
type Row = Record<string, any> & { id: number };

/** The built api and worker (ERP_ADAPTER=tryton) against a live Tryton; every check reads Tryton. */
describe('sync into a live Tryton across real processes', () => {
  const prefix = uniquePrefix();
  let tryton: LiveTryton | null;
  let rpc: TrytonRpcClient;
  let fake: FakePleoProcess;
  let api: Spawned;
  let apiUrl: string;
  let workerEnv: Record<string, string>;
  const workers: Spawned[] = [];

  const control = (p: string, body?: unknown) => fake.control(p, body);
  const read = (model: string, domain: unknown[], fields: string[]) => rpc.call<Row[]>(`model.${model}.search_read`, [domain, 0, null, null, fields, {}]);
  const booked = (reference: string) => read('account.move', [['description', 'like', `[pleo:${reference}|%`]], ['state', 'lines', 'description']);
  const invoices = (reference: string) => read('account.invoice', [['description', 'like', `[pleo:${reference}|%`]], ['state', 'tax_amount', 'total_amount', 'taxes']);
  const startWorker = (env = workerEnv) => {
    const w = spawnNode(WORKER_MAIN, env);
    workers.push(w);
    return w;
  };
  const finished = (jobId: string, timeoutMs = 120_000) => fake.finished(jobId, timeoutMs);

  beforeAll(async () => {
    assertBuilt();
    tryton = await startTryton();
    if (!tryton) return;
    rpc = new TrytonRpcClient({ url: tryton.url, database: tryton.database, user: tryton.user, password: tryton.password, fetch });
    fake = await spawnFakePleo(FAKE_KEY);
    ({ url: apiUrl, process: api } = await spawnApi(processEnv(prefix)));
    workerEnv = {
      ...processEnv(prefix), PLEO_API_BASE_URL: fake.url, RECEIPT_ALLOWED_HTTP_HOSTS: `127.0.0.1:${fake.filesPort}`, PLEO_API_KEY: FAKE_KEY, JOB_LOCK_SECONDS: '2', SYNC_BACKOFF_BASE_SECONDS: '1', EXPORT_LOCK_TTL_SECONDS: '5',
      ERP_ADAPTER: 'tryton', TRYTON_URL: tryton.url, TRYTON_DATABASE: tryton.database, TRYTON_USER: tryton.user, TRYTON_PASSWORD: tryton.password,
      EXPORT_WALLET_ACCOUNT: '1910', EXPORT_OUT_OF_POCKET_ACCOUNT: '2890', EXPORT_CONTRA_ACCOUNT: '2990', EXPORT_AP_ACCOUNT: '2400',
    };
  }, 20 * 60_000);

  afterAll(async () => {
    await killAll([...workers, api, fake?.process]);
    await tryton?.stop();
    await dropQueuePrefix(prefix);
  });

  afterEach(async () => {
    if (tryton) expect((await control('/_fake/calls')).specProblems).toEqual([]);
  });

  const live = (name: string, fn: () => Promise<void>, timeout = 300_000) => it(name, async () => (tryton ? fn() : console.warn(`skipped (no Tryton): ${name}`)), timeout);

  live('vendor → party with its VAT id; an export (card, out-of-pocket, AP + payment, reverse charge, tags, a wrong tax) → booked in Tryton', async () => {
    const worker = startWorker();
    await worker.waitForOutput(/processing vendor-sync/, 30_000);
    const vendor = vendorData({ taxRegistrationNumber: germanVatNumber() });
    await control('/_fake/vendors', vendor);
    expect((await sendVendorCreated(apiUrl, vendor)).status).toBe(202);
    const activation = await waitFor(async () => (await control('/_fake/calls')).activations.find((a: any) => a.vendorId === vendor.id), 60_000);
    const [party] = await read('party.party', [['identifiers.code', '=', `pleo:${vendor.id}`]], ['code', 'name', 'identifiers']);
    expect(activation).toMatchObject({ externalId: String(party.id), code: party.code });
    const ids = await read('party.identifier', [['party', '=', party.id]], ['type', 'code']);
    expect(ids).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'eu_vat', code: vendor.taxRegistrationNumber })]));

    const companyId = vendor.companyId;
    const receipt = { content: Buffer.from(`%PDF-1.4 ${randomUUID()}`).toString('base64'), type: 'application/pdf' };
    const pleoVendor = { id: vendor.id, name: vendor.name, defaultCurrency: 'EUR' };
    const items = {
      card: exportItem({ companyId, files: [receipt] }),
      outOfPocket: exportItem({ companyId, type: 'out_of_pocket', contraAccount: null, gross: 10700, tax: { rate: 0.07, amount: 700, code: 'R7' } }),
      ap: { ...exportItem({ companyId, type: 'card_invoice', bookkeeping: 'accounts_payable', vendor: pleoVendor, account: '6110', gross: 11900, tax: { rate: 0.19, amount: 1900, code: 'S19' } }) },
      reverse: exportItem({ companyId, account: '6300', gross: 10000, tax: { rate: 0.25, amount: 2500, code: 'RC25', type: 'reverse' } }),
      wrongTax: exportItem({ companyId, gross: 12500, tax: { rate: 0.25, amount: 2600, code: 'S25' } }),
    };
    (items.ap.additionalInformation as any).invoiceInformation = { invoiceNumber: `INV-${randomUUID().slice(0, 6)}`, invoiceDate: '2026-11-19T00:00:00Z', status: 'paid' };
    const job = (await control('/_fake/export-jobs', { companyId, items: Object.values(items) })).data;
    const hook = exportJobWebhook(job);
    expect((await post(`${apiUrl}/webhooks/pleo`, hook, signedHeaders(hook))).status).toBe(202);
    const done = await finished(job.id);

    expect(done.data.status).toBe('completed_with_errors');
    const result = (item: Record<string, unknown>) => done.items[String(item.accountingEntryId)];
    expect(result(items.wrongTax)).toMatchObject({ status: 'failed', failureReason: expect.stringContaining('Tryton computes tax S25 on 99.00 EUR as 24.75, Pleo says 26.00') });
    expect(await booked(String(items.wrongTax.accountingEntryId))).toEqual([]);

    for (const item of [items.card, items.outOfPocket, items.reverse]) {
      expect(result(item)).toMatchObject({ status: 'successful' });
      const [move, more] = await booked(String(item.accountingEntryId));
      expect(more).toBeUndefined(); // once
      expect(result(item).externalId).toBe(`account.move,${move.id}`);
      expect(move.state).toBe('posted');
      const lines = await read('account.move.line', [['move', '=', move.id]], ['debit', 'credit', 'analytic_lines']);
      const total = (k: string) => lines.reduce((s, l) => s + Math.round(Number(l[k]) * 100), 0);
      expect(total('debit')).toBe(total('credit'));
      expect(lines.some((l) => l.analytic_lines.length === 1)).toBe(true); // the DEPT/SALES tag
    }
    const taxOf = async (item: Record<string, unknown>) =>
      (await read('account.tax.line', [['move_line.move.description', 'like', `[pleo:${String(item.accountingEntryId)}|%`], ['type', '=', 'tax']], ['amount'])).map((t) => t.amount).sort();
    expect(await taxOf(items.card)).toEqual(['25.00']);
    expect(await taxOf(items.outOfPocket)).toEqual(['7.00']);
    expect(await taxOf(items.reverse)).toEqual(['-25.00', '25.00']);

    const [bill] = await invoices(String(items.ap.accountingEntryId));
    expect(result(items.ap)).toMatchObject({ status: 'successful', externalId: `account.invoice,${bill.id}` });
    expect(bill).toMatchObject({ state: 'paid', tax_amount: '19.00', total_amount: '119.00' });

    const [cardMove] = await booked(String(items.card.accountingEntryId));
    const attachments = await read('ir.attachment', [['resource', '=', `account.move,${cardMove.id}`]], ['name', 'data_size']);
    expect(attachments).toHaveLength(1);
    await worker.stop();
  });

  live('a worker SIGKILLed mid-job: after a restart every item is booked once in Tryton, and reported', async () => {
    const companyId = randomUUID();
    const items = Array.from({ length: 40 }, () => exportItem({ companyId, gross: 2500, tax: { rate: 0.25, amount: 500, code: 'S25' } }));
    const refs = items.map((i) => String(i.accountingEntryId));
    const job = (await control('/_fake/export-jobs', { companyId, items })).data;
    const env = { ...workerEnv, PLEO_COMPANY_IDS: companyId };
    const first = startWorker(env);
    const countBooked = async () => (await read('account.move', [['description', 'like', '[pleo:%']], ['description'])).filter((m) => refs.some((r) => String(m.description).startsWith(`[pleo:${r}|`))).length;
    await waitFor(async () => (await countBooked()) >= 4, 120_000);
    await first.stop('SIGKILL');
    const beforeRestart = await countBooked();
    expect(beforeRestart).toBeLessThan(items.length); // killed mid-job

    startWorker(env);
    const done = await finished(job.id, 240_000);
    expect(done.data.status).toBe('completed');
    for (const ref of refs) {
      const moves = await booked(ref);
      expect(moves).toHaveLength(1); // nothing twice, read from Tryton
      expect(moves[0].state).toBe('posted');
      expect(done.items[ref]).toMatchObject({ status: 'successful', externalId: `account.move,${moves[0].id}` });
    }
  });
});
