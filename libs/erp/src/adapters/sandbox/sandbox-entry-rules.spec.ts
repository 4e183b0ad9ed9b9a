import { ExpenseEntry } from '../../erp-adapter.port';
import { checkEntry } from './sandbox-entry-rules';

const eur = (value: string) => ({ value, currency: 'EUR' });
const entry = (patch: Partial<ExpenseEntry> = {}): ExpenseEntry => ({
  reference: 'r',
  mode: 'journal',
  state: 'posted',
  date: '2026-11-20',
  description: 'd',
  total: eur('125.00'),
  contraAccount: '1910',
  lines: [{ account: '7100', net: eur('100.00'), tax: { code: 'S25', mode: 'inclusive', amount: eur('25.00') } }],
  ...patch,
});

describe('sandbox ERP entry rules (R3)', () => {
  it('accepts a balanced entry', () => expect(() => checkEntry(entry())).not.toThrow());

  it.each([
    ['an impossible date', { date: '2025-13-45' }, 'not a valid posting date'],
    ['an amount its column cannot hold', { total: eur('123456789012345.00'), lines: [{ account: '7100', net: eur('123456789012345.00') }] }, 'larger than the ERP can hold'],
    ['an AP entry without vendor', { mode: 'accounts_payable' as const }, 'needs a vendor'],
    ['a payment-only entry without the invoice it pays', { mode: 'accounts_payable' as const, vendorId: 'v', lines: [], payment: { account: '1910', date: '2026-11-20', amount: eur('125.00') } }, 'number of the invoice'],
    ['a payment that is not the total', { payment: { account: '1910', date: '2026-11-20', amount: eur('1.00') } }, 'does not match'],
  ])('refuses %s', (_, patch, message) => {
    expect(() => checkEntry(entry(patch as Partial<ExpenseEntry>))).toThrow(message);
  });
});
