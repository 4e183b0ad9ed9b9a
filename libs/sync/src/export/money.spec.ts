import { currencyExponent, minorToDecimal } from './money';

describe('minorToDecimal', () => {
  it.each([
    [89696, 'SEK', '896.96'],
    [5, 'EUR', '0.05'],
    [0, 'EUR', '0.00'],
    [-1250, 'EUR', '-12.50'],
    [1000, 'JPY', '1000'],
    [-7, 'JPY', '-7'],
    [12345, 'KWD', '12.345'],
    [5, 'KWD', '0.005'],
    [123456789012, 'DKK', '1234567890.12'],
  ])('%d %s → %s', (minor, currency, expected) => {
    expect(minorToDecimal(minor, currency)).toBe(expected);
  });

  it('knows the exponents', () => {
    expect([currencyExponent('JPY'), currencyExponent('EUR'), currencyExponent('KWD'), currencyExponent('CLF')]).toEqual([0, 2, 3, 4]);
  });

  it('refuses fractions of minor units and unknown currencies', () => {
    expect(() => minorToDecimal(10.5, 'EUR')).toThrow('whole number');
    expect(() => minorToDecimal(100, 'UNDEFINED')).toThrow('not a currency');
  });
});
