import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { ErpError, ExpenseEntry } from '@app/erp';
import { TrytonErpAdapter } from '../../libs/erp/src/adapters/tryton/tryton-erp.adapter';
import { TrytonRpcClient } from '../../libs/erp/src/adapters/tryton/tryton-rpc.client';
import { germanVatNumber } from '../support/erp-contract';
import { freePort } from '../support/processes';
import { LiveTryton, startTryton } from '../support/tryton';

/** What only a real ERP can prove: Tryton's own checks, balances, taxes and states, read back from Tryton. */
describe('TrytonErpAdapter against a live Tryton', () => {
  let tryton: LiveTryton | null;
  let erp: TrytonErpAdapter;
  let rpc: TrytonRpcClient;
  const ctx = { correlationId: 'tryton-test' };
  const eur = (value: string) => ({ value, currency: 'EUR' });
  const unique = () => randomUUID().slice(0, 8);
  const settings = () => ({ url: tryton!.url, database: tryton!.database, user: tryton!.user, journal: 'PLEO', invoiceJournal: 'EXP' });
  const read = <T>(model: string, domain: unknown[], fields: string[]) => rpc.call<T[]>(`model.${model}.search_read`, [domain, 0, null, null, fields, {}]);
  const idOf = (expenseId: string) => Number(expenseId.split(',')[1]);

  beforeAll(async () => {
    tryton = await startTryton();
    if (!tryton) return;
    erp = new TrytonErpAdapter(settings(), tryton.password);
    rpc = new TrytonRpcClient({ ...settings(), password: tryton.password, fetch });
  }, 20 * 60_000);
  afterAll(() => tryton?.stop());

  const failure = async (p: Promise<unknown>) => {
    const err = await p.then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(ErpError);
    return err as ErpError;
  };
  const live = (name: string, fn: () => Promise<void>) => it(name, async () => (tryton ? fn() : console.warn(`skipped (no Tryton): ${name}`)));

  live('an invalid EU VAT number is a validation failure with Tryton’s words; a valid one is a party identifier', async () => {
    const bad = await failure(erp.createVendor({ reference: randomUUID(), name: `Bad VAT ${unique()}`, currency: 'EUR', taxNumber: 'DE 123 456 780' }, ctx));
    expect(bad).toMatchObject({ kind: 'validation', retryable: false });
    expect(bad.message).toContain('The European VAT Number "DE123456780"');
    const vat = germanVatNumber();
    const created = await erp.createVendor({ reference: randomUUID(), name: `Good ${unique()}`, currency: 'EUR', country: 'DE', taxNumber: vat }, ctx);
    const identifiers = await read<{ type: string; code: string }>('party.identifier', [['party', '=', Number(created.id)]], ['type', 'code']);
    expect(identifiers).toEqual(expect.arrayContaining([{ id: expect.any(Number), type: 'eu_vat', code: vat }]));
  });

  live('a journal entry with reverse charge and tags: balanced, posted, tax and analytic lines as Pleo says', async () => {
    const entry: ExpenseEntry = {
      reference: randomUUID(), mode: 'journal', state: 'posted', date: '2026-11-20', description: 'SaaS subscription',
      total: eur('225.00'), contraAccount: '1910',
      lines: [
        { account: '6300', net: eur('100.00'), tax: { code: 'RC25', mode: 'reverse', amount: eur('25.00') }, dimensions: [{ group: 'DEPT', value: 'SALES' }] },
        { account: '7100', net: eur('100.00'), tax: { code: 'S25', mode: 'inclusive', amount: eur('25.00') }, dimensions: [{ group: 'PROJ', value: 'P-7' }] },
      ],
    };
    const posted = await erp.postExpense(entry, ctx);
    const [move] = await read<{ state: string; lines: number[] }>('account.move', [['id', '=', idOf(posted.id)]], ['state', 'lines']);
    expect(move.state).toBe('posted');
    const lines = await read<{ debit: string; credit: string; account: number; analytic_lines: number[] }>('account.move.line', [['move', '=', idOf(posted.id)]], ['debit', 'credit', 'account', 'analytic_lines']);
    const sum = (k: 'debit' | 'credit') => lines.reduce((s, l) => s + Math.round(Number(l[k]) * 100), 0);
    expect(sum('debit')).toBe(sum('credit'));
    expect(sum('credit')).toBe(22500 + 2500); // paid 225.00, self-assessed output tax 25.00
    const taxLines = await read<{ amount: string; type: string }>('account.tax.line', [['move_line.move', '=', idOf(posted.id)], ['type', '=', 'tax']], ['amount', 'type']);
    expect(taxLines.map((t) => t.amount).sort()).toEqual(['-25.00', '25.00', '25.00']);
    expect(lines.filter((l) => l.analytic_lines.length)).toHaveLength(2);
  });

  live('a tax Tryton computes differently fails the item and leaves nothing booked', async () => {
    const { id } = await erp.createVendor({ reference: randomUUID(), name: `Tax ${unique()}`, currency: 'EUR' }, ctx);
    const base: ExpenseEntry = {
      reference: randomUUID(), mode: 'accounts_payable', kind: 'invoice', state: 'posted', date: '2026-11-20', description: 'Chairs',
      total: eur('119.50'), contraAccount: '2400', vendorId: id, invoice: { number: `INV-${unique()}` },
      lines: [{ account: '6110', net: eur('100.00'), tax: { code: 'S19', mode: 'exclusive', amount: eur('19.50') } }],
    };
    const journal = { ...base, reference: randomUUID(), mode: 'journal' as const, contraAccount: '1910', vendorId: undefined, invoice: undefined };
    for (const entry of [base, journal]) {
      const err = await failure(erp.postExpense(entry, ctx));
      expect(err).toMatchObject({ kind: 'validation' });
      expect(err.message).toMatch(/Tryton computes .*19\.00.*19\.50|S19: Tryton 19\.00, Pleo 19\.50/);
      expect(await erp.findPostedExpense(entry.reference, ctx)).toBeNull();
    }
    expect(await read('account.invoice', [['description', 'like', `[pleo:${base.reference}|%`], ['state', '!=', 'cancelled']], ['id'])).toEqual([]);
  });

  live('an AP bill with reverse charge: Tryton’s taxes equal Pleo’s, the bill is posted and paid', async () => {
    const { id } = await erp.createVendor({ reference: randomUUID(), name: `RC ${unique()}`, currency: 'EUR' }, ctx);
    const entry: ExpenseEntry = {
      reference: randomUUID(), mode: 'accounts_payable', kind: 'card_invoice', state: 'posted', date: '2026-11-20', description: 'Hosting',
      total: eur('100.00'), contraAccount: '2400', vendorId: id, invoice: { number: `INV-${unique()}`, date: '2026-11-18' },
      lines: [{ account: '6540', net: eur('100.00'), tax: { code: 'RC19', mode: 'reverse', amount: eur('19.00') } }],
      payment: { account: '1910', date: '2026-11-20', amount: eur('100.00') },
    };
    const posted = await erp.postExpense(entry, ctx);
    const [invoice] = await read<{ state: string; tax_amount: string; total_amount: string; reference: string }>('account.invoice', [['id', '=', idOf(posted.id)]], ['state', 'tax_amount', 'total_amount', 'reference']);
    expect(invoice).toMatchObject({ state: 'paid', tax_amount: '0.00', total_amount: '100.00', reference: entry.invoice!.number });
    const taxes = await read<{ amount: string }>('account.invoice.tax', [['invoice', '=', idOf(posted.id)]], ['amount']);
    expect(taxes.map((t) => t.amount).sort()).toEqual(['-19.00', '19.00']);
  });

  live('draft posting leaves the move draft; a half-done entry is resumed, not duplicated', async () => {
    const entry: ExpenseEntry = {
      reference: randomUUID(), mode: 'journal', state: 'draft', date: '2026-11-20', description: 'Taxi',
      total: eur('50.00'), contraAccount: '2890', lines: [{ account: '7000', net: eur('50.00'), tax: { code: 'Z0', mode: 'inclusive', amount: eur('0.00') } }],
    };
    const draft = await erp.postExpense(entry, ctx);
    expect((await read<{ state: string }>('account.move', [['id', '=', idOf(draft.id)]], ['state']))[0].state).toBe('draft');
    // As if the worker died between creating and posting an entry meant to be posted:
    const meant = { ...entry, reference: randomUUID(), state: 'posted' as const };
    const [period] = await rpc.call<number[]>('model.account.period.search', [[['start_date', '<=', { __class__: 'date', year: 2026, month: 11, day: 20 }], ['end_date', '>=', { __class__: 'date', year: 2026, month: 11, day: 20 }], ['type', '=', 'standard']], 0, 1, null, {}]);
    const [journal] = await rpc.call<number[]>('model.account.journal.search', [[['code', '=', 'PLEO']], 0, 1, null, {}]);
    const accounts = await read<{ id: number; code: string }>('account.account', [['code', 'in', ['7000', '2890']]], ['code']);
    const acc = (code: string) => accounts.find((a) => a.code === code)!.id;
    const dec = (v: string) => ({ __class__: 'Decimal', decimal: v });
    await rpc.call('model.account.move.create', [[{ company: 1, journal, period, date: { __class__: 'date', year: 2026, month: 11, day: 20 }, description: `[pleo:${meant.reference}|post] Taxi`,
      lines: [['create', [{ account: acc('7000'), debit: dec('50.00'), credit: dec('0') }, { account: acc('2890'), debit: dec('0'), credit: dec('50.00') }]]] }], { company: 1 }]);
    expect(await erp.findPostedExpense(meant.reference, ctx)).toBeNull(); // not finished: not reported as booked
    const resumed = await erp.postExpense(meant, ctx);
    const moves = await read<{ state: string }>('account.move', [['description', 'like', `[pleo:${meant.reference}|%`]], ['state']);
    expect(moves).toEqual([{ id: idOf(resumed.id), state: 'posted' }]);
  });

  live('an account created in Tryton after the chart was cached is found without a restart', async () => {
    await erp.verifyConnection(ctx); // chart cached
    const code = `69${Math.floor(Math.random() * 90 + 10)}`;
    const [expenseType] = await rpc.call<number[]>('model.account.account.type.search', [[['expense', '=', true]], 0, 1, null, {}]);
    await new Promise((r) => setTimeout(r, 1_100));
    await rpc.call('model.account.account.create', [[{ code, name: `New ${code}`, type: expenseType, company: 1 }], { company: 1 }]);
    const entry: ExpenseEntry = {
      reference: randomUUID(), mode: 'journal', state: 'posted', date: '2026-11-20', description: 'New account',
      total: eur('10.00'), contraAccount: '1910', lines: [{ account: code, net: eur('10.00') }],
    };
    expect((await erp.postExpense(entry, ctx)).id).toMatch(/^account\.move,\d+$/);
  });

  live('errors: bad password → auth, nothing listening → unavailable, unknown journal or company → configuration', async () => {
    const wrong = new TrytonErpAdapter(settings(), 'not-the-password');
    const auth = await failure(wrong.verifyConnection(ctx));
    expect(auth).toMatchObject({ kind: 'auth', retryable: false });
    expect(auth.message).not.toContain('not-the-password');
    const down = new TrytonErpAdapter({ ...settings(), url: `http://127.0.0.1:${await freePort()}` }, tryton!.password);
    expect(await failure(down.findVendor({ name: 'x' }, ctx))).toMatchObject({ kind: 'unavailable', retryable: true, mayHaveApplied: false });
    expect(await failure(new TrytonErpAdapter({ ...settings(), journal: 'NOPE' }, tryton!.password).verifyConnection(ctx))).toMatchObject({ kind: 'configuration' });
    expect(await failure(new TrytonErpAdapter({ ...settings(), companyId: 99 }, tryton!.password).verifyConnection(ctx))).toMatchObject({ kind: 'configuration' });
    expect(await failure(new TrytonErpAdapter({ ...settings(), database: 'nope' }, tryton!.password).verifyConnection(ctx))).toMatchObject({ kind: 'configuration' });
  });

  live('an expired session is renewed by logging in again', async () => {
    const methods: string[] = [];
    const counting: typeof fetch = (url, init) => {
      methods.push(JSON.parse(String(init?.body)).method);
      return fetch(url, init);
    };
    const adapter = new TrytonErpAdapter(settings(), tryton!.password, counting);
    await adapter.findVendor({ name: 'warm-up' }, ctx);
    const logins = () => methods.filter((m) => m === 'common.db.login').length;
    expect(logins()).toBe(1);
    // Tryton keeps sessions in its database: deleting them is what expiry looks like to a client.
    execFileSync('/usr/bin/python3', ['-c', `import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('DELETE FROM ir_session'); c.commit()`, `${tryton!.dataDir}/pleo.sqlite`]);
    expect(await adapter.findVendor({ reference: randomUUID() }, ctx)).toBeNull();
    expect(logins()).toBe(2);
  });
});
