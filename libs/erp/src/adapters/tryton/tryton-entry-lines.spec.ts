import { convert } from './tryton-currency';
import { taxAmount } from './tryton-entry-lines';
import { trytonError } from './tryton-rpc.client';
import { fromWire, startsWith } from './tryton-wire';

describe('Tryton mapping helpers', () => {
  it('computes tax as Tryton rounds it: half-even to cents, signs kept', () => {
    expect(taxAmount('100.00', '0.25')).toBe('25.00');
    expect(taxAmount('0.10', '0.25')).toBe('0.02'); // 0.025 → 0.02 (half to even)
    expect(taxAmount('0.30', '0.25')).toBe('0.08'); // 0.075 → 0.08
    expect(taxAmount('-84.03', '0.19')).toBe('-15.97');
    expect(taxAmount('12.34', '0')).toBe('0.00');
  });

  it('converts as Tryton does: amount × company rate / currency rate, half-even to cents, signs kept', () => {
    expect(convert('26.68', '1.080000', '1')).toBe('24.70'); // 24.7037…
    expect(convert('6.67', '1.08', '1')).toBe('6.18'); // 6.1759…
    expect(convert('-33.35', '1.08', '1')).toBe('-30.88');
    expect(convert('0.05', '2', '1')).toBe('0.02'); // 0.025 → 0.02 (half to even)
    expect(convert('0.15', '2', '1')).toBe('0.08'); // 0.075 → 0.08
    expect(convert('100.00', '0.85', '1')).toBe('117.65'); // GBP → EUR
  });

  it('keeps Tryton’s user errors word for word and classifies them', () => {
    expect(trytonError('model.party.party.create', ['UserError', ['The European VAT Number "X" is not valid.', '', null]], true)).toMatchObject({
      kind: 'validation',
      message: 'Tryton refused it: The European VAT Number "X" is not valid.',
    });
    expect(trytonError('m', ['UserError', ['You cannot add move lines to the closed period "2025-01".', '']], true)).toMatchObject({ kind: 'locked_period' });
    expect(trytonError('m', ['ConcurrencyException', 'Records were modified in the meanwhile'], true)).toMatchObject({ kind: 'conflict' });
    expect(trytonError('m', ['database is locked', 'traceback…'], true)).toMatchObject({ kind: 'unavailable', retryable: true, mayHaveApplied: true });
    expect(trytonError('m', ["'x' object has no attribute 'y'", 'traceback…'], false)).toMatchObject({ kind: 'configuration' });
  });

  it('reads Tryton’s wire types and builds literal LIKE patterns', () => {
    expect(fromWire({ a: { __class__: 'Decimal', decimal: '1.50' }, d: { __class__: 'date', year: 2026, month: 1, day: 2 } })).toEqual({ a: '1.50', d: '2026-01-02' });
    expect(startsWith('[pleo:a_b%|')).toBe('[pleo:a\\_b\\%|%');
  });
});
