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
    // TaxTypeV3: netAmount includes the tax for inclusive (and reverse), excludes it for exclusive
    netAmount: amt(opts.tax?.[3] === 'exclusive' ? gross - opts.tax[1] : gross, currency),
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
        kind: 'card_purchase',
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

  it('F-13: accounts payable without a vendor is a validation_failure (vendor_unknown is for an unknown ERP vendor)', () => {
    expect(failure(item({ type: 'invoice', bookkeeping: { method: 'accounts_payable' }, vendor: null })).type).toBe('validation_failure');
  });

  it('F-4: an AP card purchase is a bill plus a payment from the wallet; an unpaid invoice is the bill alone', () => {
    const vendor = { id: uuid(), name: 'Office Furniture A/S', defaultCurrency: 'EUR' };
    const paid = ok(item({ type: 'card_purchase', bookkeeping: { method: 'accounts_payable' }, vendor }));
    expect(paid.entry).toMatchObject({ mode: 'accounts_payable', kind: 'card_purchase', contraAccount: '2400', payment: { account: '1911', date: '2026-11-20', amount: { value: '125.00', currency: 'EUR' } } });
    const bill = ok(item({ type: 'invoice', bookkeeping: { method: 'accounts_payable' }, vendor, contraAccount: null }));
    expect(bill.entry.payment).toBeUndefined();
  });

  it('F-4: an AP invoice payment is the payment alone, applied to the bill by its number; no number: validation_failure', () => {
    const vendor = { id: uuid(), name: 'Office Furniture A/S', defaultCurrency: 'EUR' };
    const info = { reconciliationId: 'B-1', invoiceInformation: { invoiceNumber: 'INV-77', invoiceDate: '2026-11-01', status: 'paid' } };
    const r = ok(item({ type: 'invoice_payment', bookkeeping: { method: 'accounts_payable' }, vendor, additionalInformation: info }));
    expect(r.entry).toMatchObject({ lines: [], invoice: { number: 'INV-77', date: '2026-11-01' }, payment: { account: '1911', amount: { value: '125.00' } } });
    expect(failure(item({ type: 'invoice_payment', bookkeeping: { method: 'accounts_payable' }, vendor })).reason).toContain('names no invoice number');
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

  it('F-5: amounts are cents; a currency without two decimals fails rather than being booked wrong', () => {
    expect(ok(item({ accountingEntryLines: [line(10_000, { currency: 'SEK' })] })).entry.total).toEqual({ value: '100.00', currency: 'SEK' });
    for (const currency of ['JPY', 'KWD']) {
      expect(failure(item({ accountingEntryLines: [line(10_000, { currency })] }))).toMatchObject({ type: 'validation_failure', reason: expect.stringContaining(`${currency} has`) });
    }
  });

  it('F-6: netAmount per TaxTypeV3 — exclusive books netAmount, and a netAmount that disagrees fails with both numbers', () => {
    const r = ok(item({ accountingEntryLines: [line(12500, { tax: [0.25, 2500, 'S25', 'exclusive'] })] }));
    expect(r.entry.lines[0]).toMatchObject({ net: { value: '100.00' }, tax: { mode: 'exclusive', amount: { value: '25.00' } } });
    const l = line(12500, { tax: [0.25, 2500, 'S25'] });
    const off = { ...l, netAmount: amt(10000) }; // inclusive: netAmount must include the tax
    expect(failure(item({ accountingEntryLines: [off] }))).toEqual({
      type: 'validation_failure',
      reason: "Pleo's net amount on line 1 (100.00 EUR) does not match its line amount with inclusive tax (125.00 EUR). Check the tax on the expense in Pleo.",
    });
  });

  it('F-6: reverse charge carries Pleo’s ingoing and outgoing tax accounts; tax in another currency fails', () => {
    const l = line(40000, { account: '6300', tax: [0.25, 10000, 'RC25', 'reverse'] });
    const rc = { ...l, tax: { ...l.tax!, ingoingTaxAccount: '5610', outgoingTaxAccount: '5620' } };
    expect(ok(item({ accountingEntryLines: [rc] })).entry.lines[0].tax).toEqual({ code: 'RC25', mode: 'reverse', amount: { value: '100.00', currency: 'EUR' }, ingoingAccount: '5610', outgoingAccount: '5620' });
    const usd = { ...l, tax: { ...l.tax!, amount: amt(10000, 'USD') } };
    expect(failure(item({ accountingEntryLines: [usd] })).reason).toBe('The tax on line 1 is in USD, the expense in EUR.');
  });

  it('F-12: a returned payment must bring money back; attendees and settled entries are in the description', () => {
    expect(failure(item({ type: 'invoice_payment', subType: 'invoice_payment_returned' })).reason).toContain('returns money, but its amount is positive');
    expect(ok(item({ type: 'invoice_payment', subType: 'invoice_payment_returned', accountingEntryLines: [line(-12500, { tax: [0.25, -2500, 'S25'] })] })).entry.total.value).toBe('-125.00');
    const r = ok(item({ additionalInformation: { reconciliationId: 'B-9', attendees: ['Ann Berg', 'Ole Dam'], reconciledEntries: ['B-7', 'B-8'] } }));
    expect(r.entry.description).toBe('Taxi Nord · Maja Hansen · Airport to office · attendees: Ann Berg, Ole Dam · settles: B-7, B-8');
  });

  it('F-12: money flowing back is countered by the account the original flow used', () => {
    const back = [line(-12500, { tax: [0.25, -2500, 'S25'] })];
    const returned = (type: string, subType: string, over: Partial<ExportItem> = {}) =>
      ok(item({ type, subType, contraAccount: null, accountingEntryLines: back, ...over } as Partial<ExportItem>)).entry;
    // A returned invoice payment comes back to the wallet it left, even if its type is not a wallet movement.
    expect(returned('invoice_payment', 'invoice_payment_returned')).toMatchObject({ mode: 'journal', contraAccount: '1910', total: { value: '-125.00' } });
    expect(returned('invoice', 'invoice_payment_returned')).toMatchObject({ contraAccount: '1910' });
    // Under accounts payable the return credits payables back through a negative payment out of the wallet.
    const vendor = { id: uuid(), name: 'Office Furniture A/S', defaultCurrency: 'EUR' };
    const info = { reconciliationId: 'B-2', invoiceInformation: { invoiceNumber: 'INV-78', invoiceDate: '2026-11-01', status: 'paid' } };
    expect(returned('invoice_payment', 'invoice_payment_returned', { bookkeeping: { method: 'accounts_payable' }, vendor, additionalInformation: info } as Partial<ExportItem>))
      .toMatchObject({ mode: 'accounts_payable', contraAccount: '2400', payment: { account: '1910', amount: { value: '-125.00' } } });
    // An employee paying the company back, or a reimbursement coming back, settles the out-of-pocket balance.
    expect(returned('direct_reimbursement', 'reimbursement_to_company')).toMatchObject({ contraAccount: '2890' });
    expect(returned('direct_reimbursement', 'reimbursement_to_employee_refund')).toMatchObject({ contraAccount: '2890' });
    // Pleo's own contraAccount still wins; a missing out-of-pocket account is named.
    expect(returned('direct_reimbursement', 'reimbursement_to_company', { contraAccount: { id: uuid(), name: 'Employees', code: '2891' } }).contraAccount).toBe('2891');
    expect(failure(item({ type: 'direct_reimbursement', subType: 'reimbursement_to_company', contraAccount: null, accountingEntryLines: back } as Partial<ExportItem>), { ...settings, outOfPocketAccount: undefined }))
      .toEqual({ type: 'missing_configuration', reason: 'Account "Pleo out-of-pocket" missing: provide it in the configuration (EXPORT_OUT_OF_POCKET_ACCOUNT).' });
    // Without a return sub-type the type decides, as before.
    expect(ok(item({ type: 'direct_reimbursement', subType: 'reimbursement_to_employee', contraAccount: null })).entry.contraAccount).toBe('1910');
  });

  it('spent abroad: booked in the wallet currency, the supplier currency amounts kept beside (original); inconsistent ones left out', () => {
    const spent = (wallet: number, supplier: number) => ({ inWalletCurrency: { value: wallet, currency: 'EUR' }, inSupplierCurrency: { value: supplier, currency: 'USD' } });
    const abroad: ExportItemLine = { ...line(9900, { account: '6300' }), lineAmount: spent(9900, 10800), netAmount: spent(9900, 10800), tax: { id: uuid(), rate: 0.25, type: 'reverse', amount: spent(2475, 2700), code: 'RC25' } };
    const taxed: ExportItemLine = { ...line(1250, { account: '6540' }), lineAmount: spent(1250, 1364), netAmount: spent(1250, 1364), tax: { id: uuid(), rate: 0.25, type: 'inclusive', amount: spent(250, 273), code: 'S25' } };
    const { entry } = ok(item({ amount: spent(11150, 12164), accountingEntryLines: [abroad, taxed] }));
    expect(entry.total).toEqual({ value: '111.50', currency: 'EUR' });
    expect(entry.original).toEqual({ value: '121.64', currency: 'USD' });
    expect(entry.lines.map((l) => [l.net.value, l.tax?.amount.value, l.original])).toEqual([
      ['99.00', '24.75', { net: { value: '108.00', currency: 'USD' }, tax: { value: '27.00', currency: 'USD' } }],
      ['10.00', '2.50', { net: { value: '10.91', currency: 'USD' }, tax: { value: '2.73', currency: 'USD' } }],
    ]);
    // Supplier amounts that do not add up, or in a currency whose minor unit is uncertain: the booking stands without them.
    for (const bad of [item({ amount: spent(11150, 99999), accountingEntryLines: [abroad, taxed] }),
      item({ amount: { ...spent(9900, 0), inSupplierCurrency: { value: 1500000, currency: 'JPY' } }, accountingEntryLines: [{ ...abroad, lineAmount: { ...abroad.lineAmount, inSupplierCurrency: { value: 1500000, currency: 'JPY' } } }] })]) {
      const mapped = ok(bad).entry;
      expect(mapped.original).toBeUndefined();
      expect(mapped.lines.every((l) => l.original === undefined)).toBe(true);
    }
    // Same currency: nothing extra.
    expect(ok(item()).entry.original).toBeUndefined();
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
