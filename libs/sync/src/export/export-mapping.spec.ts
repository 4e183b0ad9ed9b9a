import { ExportItem, ExportItemLine } from '@app/pleo';
import { mapExportItem } from './export-mapping';
import { ExportSettings } from './export-settings';

const settings: ExportSettings = { walletAccount: '1910', outOfPocketAccount: '2890', contraAccount: '2990', apAccount: '2400', postingState: 'posted' };
const amt = (value: number, currency = 'EUR') => ({ inSupplierCurrency: { value, currency }, inWalletCurrency: { value, currency } });
let n = 0;
const uuid = () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`;

function line(gross: number, opts: { account?: string | null; tax?: [number, number, string | null, ('inclusive' | 'exclusive' | 'reverse')?]; currency?: string; tags?: [string, string][] } = {}): ExportItemLine {
  const currency = opts.currency ?? 'EUR';
  return {
    accountingEntryLineId: uuid(),
    lineAmount: amt(gross, currency),
    netAmount: amt(opts.tax ? gross - opts.tax[1] : gross, currency),
    account: opts.account === null ? null : { id: uuid(), name: 'Travel', code: opts.account ?? '7000' },
    ...(opts.tax && { tax: { id: uuid(), rate: opts.tax[0], amount: amt(opts.tax[1], currency), code: opts.tax[2], type: opts.tax[3] ?? 'inclusive' } }),
    ...(opts.tags && { tags: opts.tags.map(([groupCode, code]) => ({ id: uuid(), groupCode, code })) }),
  };
}

function item(overrides: Partial<ExportItem> = {}): ExportItem {
  const lines = overrides.accountingEntryLines ?? [line(12500, { tax: [0.25, 2500, 'S25'] })];
  const total = lines.reduce((s, l) => s + l.lineAmount.inWalletCurrency.value, 0);
  const currency = lines[0]?.lineAmount.inWalletCurrency.currency ?? 'EUR';
  return {
    accountingEntryId: uuid(),
    companyId: uuid(),
    date: '2026-11-20T14:03:00Z',
    type: 'card_purchase',
    amount: amt(total, currency),
    supplier: { name: 'Taxi Nord' },
    user: { id: uuid(), name: 'Maja Hansen' },
    note: 'Airport to office',
    contraAccount: { id: uuid(), name: 'Pleo EUR', code: '1911' },
    additionalInformation: { reconciliationId: 'B-20261120-0007' },
    accountingEntryLines: lines,
    ...overrides,
  };
}

const ok = (i: ExportItem) => {
  const r = mapExportItem(i, settings);
  if (!r.ok) throw new Error(`expected a mapping, got ${r.failure.type}: ${r.failure.reason}`);
  return r;
};
const failure = (i: ExportItem, s: ExportSettings = settings) => {
  const r = mapExportItem(i, s);
  if (r.ok) throw new Error('expected a failure');
  return r.failure;
};

describe('mapExportItem', () => {
  it('card purchase: journal, tax-inclusive line split into net and tax, contraAccount as counter account', () => {
    const i = item();
    expect(ok(i)).toEqual({
      ok: true,
      vendor: null,
      entry: {
        reference: i.accountingEntryId,
        externalReference: 'B-20261120-0007',
        mode: 'journal',
        state: 'posted',
        date: '2026-11-20',
        description: 'Taxi Nord · Maja Hansen · Airport to office',
        total: { value: '125.00', currency: 'EUR' },
        contraAccount: '1911',
        lines: [{ account: '7000', net: { value: '100.00', currency: 'EUR' }, tax: { code: 'S25', mode: 'inclusive', amount: { value: '25.00', currency: 'EUR' } } }],
      },
    });
  });

  it('card purchase without contraAccount: the configured wallet account; none configured: missing_configuration', () => {
    expect(ok(item({ contraAccount: null })).entry.contraAccount).toBe('1910');
    expect(failure(item({ contraAccount: null }), { ...settings, walletAccount: undefined })).toEqual({
      type: 'missing_configuration',
      reason: 'Account "Pleo wallet" missing: provide it in the configuration (EXPORT_WALLET_ACCOUNT).',
    });
  });

  it('out-of-pocket reimbursement: the out-of-pocket account', () => {
    expect(ok(item({ type: 'out_of_pocket', contraAccount: null })).entry.contraAccount).toBe('2890');
    expect(ok(item({ type: 'mileage', contraAccount: null })).entry.contraAccount).toBe('2890');
  });

  it('invoice with a vendor under accounts payable: AP entry against the AP account, vendor to resolve', () => {
    const vendor = { id: uuid(), name: 'Office Furniture A/S', defaultCurrency: 'EUR', code: 'V-10001' };
    const r = ok(item({ type: 'invoice', bookkeeping: { method: 'accounts_payable' }, vendor, contraAccount: null }));
    expect(r.entry).toMatchObject({ mode: 'accounts_payable', contraAccount: '2400' });
    expect(r.vendor).toEqual(vendor);
    expect(failure(item({ type: 'invoice', bookkeeping: { method: 'accounts_payable' }, vendor, contraAccount: null }), { ...settings, apAccount: undefined }).type).toBe('missing_configuration');
  });

  it('accounts payable without a vendor: vendor_unknown', () => {
    expect(failure(item({ type: 'invoice', bookkeeping: { method: 'accounts_payable' }, vendor: null })).type).toBe('vendor_unknown');
  });

  it('invoice under journal bookkeeping: journal, the contra account', () => {
    expect(ok(item({ type: 'invoice', bookkeeping: { method: 'journal' }, contraAccount: null })).entry).toMatchObject({ mode: 'journal', contraAccount: '2990' });
  });

  it('refund: negative amounts stay negative', () => {
    const r = ok(item({ type: 'refund', accountingEntryLines: [line(-5000, { tax: [0.25, -1000, 'S25'] })] }));
    expect(r.entry.total).toEqual({ value: '-50.00', currency: 'EUR' });
    expect(r.entry.lines[0]).toMatchObject({ net: { value: '-40.00' }, tax: { amount: { value: '-10.00' } } });
  });

  it('wallet top-up: always a journal entry on the wallet', () => {
    const r = ok(item({ type: 'wallet_topup', bookkeeping: { method: 'accounts_payable' }, contraAccount: null, accountingEntryLines: [line(1_000_000, { account: '1900' })] }));
    expect(r.entry).toMatchObject({ mode: 'journal', contraAccount: '1910', total: { value: '10000.00' } });
    expect(r.entry.lines[0].tax).toBeUndefined();
  });

  it('several lines with tags as dimensions', () => {
    const r = ok(item({ accountingEntryLines: [line(10000, { account: '6100', tax: [0.25, 2000, 'S25'], tags: [['DEPT', 'SALES'], ['PROJ', 'P-7']] }), line(2000, { account: '7100' })] }));
    expect(r.entry.total.value).toBe('120.00');
    expect(r.entry.lines).toEqual([
      { account: '6100', net: { value: '80.00', currency: 'EUR' }, tax: { code: 'S25', mode: 'inclusive', amount: { value: '20.00', currency: 'EUR' } }, dimensions: [{ group: 'DEPT', value: 'SALES' }, { group: 'PROJ', value: 'P-7' }] },
      { account: '7100', net: { value: '20.00', currency: 'EUR' } },
    ]);
  });

  it.each([
    ['JPY', 10_000, '10000'],
    ['EUR', 10_000, '100.00'],
    ['KWD', 10_000, '10.000'],
  ])('%s amounts by the currency exponent', (currency, minor, expected) => {
    const r = ok(item({ accountingEntryLines: [line(minor, { currency })] }));
    expect(r.entry.total).toEqual({ value: expected, currency });
    expect(r.entry.lines[0].net.value).toBe(expected);
  });

  it('reverse charge: the full amount is net, the tax is self-assessed (not part of the total)', () => {
    const r = ok(item({ accountingEntryLines: [line(40000, { account: '6300', tax: [0.25, 10000, 'RC25', 'reverse'] })] }));
    expect(r.entry.total.value).toBe('400.00');
    expect(r.entry.lines[0]).toEqual({ account: '6300', net: { value: '400.00', currency: 'EUR' }, tax: { code: 'RC25', mode: 'reverse', amount: { value: '100.00', currency: 'EUR' } } });
  });

  it('missing expense account: missing_configuration naming the line and category', () => {
    expect(failure(item({ accountingEntryLines: [line(100, { account: null })] }))).toEqual({
      type: 'missing_configuration',
      reason: 'Account missing on line 1: give the category an account code in Pleo and export again.',
    });
  });

  it('tax without a tax code: missing_configuration naming the rate', () => {
    expect(failure(item({ accountingEntryLines: [line(12500, { tax: [0.25, 2500, null] })] })).reason).toContain('Tax code missing for the 25 % rate on line 1');
  });

  it('lines that do not add up to the amount: validation_failure', () => {
    const i = item();
    expect(failure({ ...i, amount: amt(99999) })).toMatchObject({ type: 'validation_failure', reason: 'The lines add up to 125.00 EUR but the expense is 999.99 EUR.' });
  });

  it('shortens a long description, using the user’s initials first', () => {
    const r = ok(item({ note: 'n'.repeat(230), user: { id: uuid(), name: 'Maja Louise Hansen' } }));
    expect(r.entry.description).toBe(`Taxi Nord · MLH · ${'n'.repeat(230)}`);
    expect(ok(item({ note: 'n'.repeat(400) })).entry.description.length).toBe(250);
  });
});
