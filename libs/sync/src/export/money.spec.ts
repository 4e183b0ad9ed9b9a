import { currencyExponent, minorToDecimal } from './money';

describe('minorToDecimal', () => {
  it.each([
    [89696, 'SEK', '896.96'],
    [5, 'EUR', '0.05'],
    [0, 'EUR', '0.00'],
    [-1250, 'EUR', '-12.50'],
    [123456789012, 'DKK', '1234567890.12'],
  ])('%d %s → %s', (minor, currency, expected) => {
    expect(minorToDecimal(minor, currency)).toBe(expected);
  });

  it('knows the ISO exponents', () => {
    expect([currencyExponent('JPY'), currencyExponent('EUR'), currencyExponent('KWD'), currencyExponent('CLF')]).toEqual([0, 2, 3, 4]);
  });

  it('F-5: refuses currencies whose exponent is not 2 (Pleo’s "cents" reading is ambiguous there)', () => {
    expect(() => minorToDecimal(1000, 'JPY')).toThrow(/JPY has 0 decimals.*not booked rather than booked wrong/);
    expect(() => minorToDecimal(12345, 'KWD')).toThrow(/KWD has 3 decimals/);
  });

  it('refuses fractions of minor units and unknown currencies', () => {
    expect(() => minorToDecimal(10.5, 'EUR')).toThrow('whole number');
    expect(() => minorToDecimal(100, 'UNDEFINED')).toThrow('not a currency');
  });
});
