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

  live('foreign currencies: spent abroad keeps the USD amounts beside the EUR booking; a USD wallet is converted at Tryton’s rate; an AP bill from a USD wallet is a USD invoice; an unknown currency is refused by name', async () => {
    type Line = { debit: string; credit: string; account: number; second_currency: number | null; amount_second_currency: string | null };
    const codes = new Map<number, string>();
    for (const model of ['account.account', 'currency.currency']) for (const r of await read<{ id: number; code: string }>(model, [], ['code'])) codes.set(model === 'currency.currency' ? -r.id : r.id, r.code);
    const linesOf = async (id: string) =>
      (await read<Line>('account.move.line', [['move', '=', idOf(id)]], ['debit', 'credit', 'account', 'second_currency', 'amount_second_currency'])).map((l) => ({
        ...l, 'account.code': codes.get(l.account), 'second_currency.code': l.second_currency ? codes.get(-l.second_currency) : null,
      }));
    const cents = (v: string | null) => Math.round(Number(v ?? 0) * 100);
    const balanced = (lines: Line[]) => expect(lines.reduce((s, l) => s + cents(l.debit), 0)).toBe(lines.reduce((s, l) => s + cents(l.credit), 0));
    const usd = (value: string) => ({ value, currency: 'USD' });
    // A card in the EUR wallet, used in New York: Pleo's EUR amounts are booked, the USD ones kept.
    const abroad: ExpenseEntry = {
      reference: randomUUID(), mode: 'journal', kind: 'card_purchase', state: 'posted', date: '2026-11-20', description: 'Design tool, New York',
      total: eur('111.50'), original: usd('121.64'), contraAccount: '1910',
      lines: [
        { account: '6300', net: eur('99.00'), tax: { code: 'RC25', mode: 'reverse', amount: eur('24.75') }, original: { net: usd('108.00'), tax: usd('27.00') } },
        { account: '6540', net: eur('10.00'), tax: { code: 'S25', mode: 'inclusive', amount: eur('2.50') }, original: { net: usd('10.91'), tax: usd('2.73') } },
      ],
    };
    const posted = await erp.postExpense(abroad, ctx);
    const lines = await linesOf(posted.id);
    balanced(lines);
    const byAccount = (code: string) => lines.filter((l) => l['account.code'] === code).map((l) => [cents(l.debit) - cents(l.credit), l['second_currency.code'], cents(l.amount_second_currency)]);
    expect(byAccount('6300')).toEqual([[9900, 'USD', 10800]]);
    expect(byAccount('6540')).toEqual([[1000, 'USD', 1091]]);
    expect(byAccount('2610').sort((a, b) => Number(a[0]) - Number(b[0]))).toEqual([[250, 'USD', 273], [2475, 'USD', 2700]]);
    expect(byAccount('2620')).toEqual([[-2475, 'USD', -2700]]);
    expect(byAccount('1910')).toEqual([[-11150, 'USD', -12164]]);
    const [move] = await read<{ state: string }>('account.move', [['id', '=', idOf(posted.id)]], ['state']);
    expect(move.state).toBe('posted');

    // A USD wallet: converted at Tryton's rate (1 EUR = 1.08 USD, seeded), the USD amounts kept; rounding goes to the counter line.
    const wallet: ExpenseEntry = {
      reference: randomUUID(), mode: 'journal', kind: 'card_purchase', state: 'posted', date: '2026-11-21', description: 'Taxi, Boston',
      total: usd('33.35'), contraAccount: '1910',
      lines: [{ account: '7000', net: usd('26.68'), tax: { code: 'S25', mode: 'inclusive', amount: usd('6.67') } }],
    };
    const converted = await linesOf((await erp.postExpense(wallet, ctx)).id);
    balanced(converted);
    const at = (code: string) => converted.filter((l) => l['account.code'] === code).map((l) => [cents(l.debit) - cents(l.credit), l['second_currency.code'], cents(l.amount_second_currency)]);
    expect(at('7000')).toEqual([[2470, 'USD', 2668]]); // 26.68 / 1.08 = 24.703… → 24.70
    expect(at('2610')).toEqual([[618, 'USD', 667]]); // 6.67 / 1.08 = 6.175… → 6.18
    expect(at('1910')).toEqual([[-3088, 'USD', -3335]]); // the sum of the EUR lines, so the move balances

    // Accounts payable from the USD wallet: a USD supplier invoice, its taxes checked in USD, posted and paid.
    const { id: vendorId } = await erp.createVendor({ reference: randomUUID(), name: `USD ${unique()}`, currency: 'USD' }, ctx);
    const bill: ExpenseEntry = {
      reference: randomUUID(), mode: 'accounts_payable', kind: 'card_invoice', state: 'posted', date: '2026-11-21', description: 'Hosting, US',
      total: usd('125.00'), contraAccount: '2400', vendorId, invoice: { number: `INV-${unique()}` },
      lines: [{ account: '6540', net: usd('100.00'), tax: { code: 'S25', mode: 'exclusive', amount: usd('25.00') } }],
      payment: { account: '1910', date: '2026-11-21', amount: usd('125.00') },
    };
    const invoiceId = (await erp.postExpense(bill, ctx)).id;
    const [invoice] = await read<{ state: string; currency: number; total_amount: string; move: number }>('account.invoice', [['id', '=', idOf(invoiceId)]], ['state', 'currency', 'total_amount', 'move']);
    expect(invoice).toMatchObject({ state: 'paid', total_amount: '125.00' });
    expect(codes.get(-invoice.currency)).toBe('USD');
    balanced(await read<Line>('account.move.line', [['move', '=', invoice.move]], ['debit', 'credit', 'account', 'second_currency', 'amount_second_currency']));

    // A currency Tryton does not hold: refused before anything is written, naming it.
    const chf = { ...wallet, reference: randomUUID(), total: { value: '10.00', currency: 'CHF' }, lines: [{ account: '7000', net: { value: '10.00', currency: 'CHF' } }] };
    const unknown = await failure(erp.postExpense(chf, ctx));
    expect(unknown).toMatchObject({ kind: 'validation', retryable: false });
    expect(unknown.message).toContain('Tryton does not know the currency CHF');
    const spentInChf = { ...abroad, reference: randomUUID(), original: { value: '121.00', currency: 'CHF' } };
    expect((await failure(erp.postExpense(spentInChf, ctx))).message).toContain('currency CHF');
    for (const entry of [chf, spentInChf]) expect(await erp.findPostedExpense(entry.reference, ctx)).toBeNull();
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
