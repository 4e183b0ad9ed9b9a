import { Money } from '@app/erp';

/** ISO 4217 minor-unit exponents that are not 2. */
const EXPONENTS: Record<string, number> = {
  BIF: 0, CLP: 0, DJF: 0, GNF: 0, ISK: 0, JPY: 0, KMF: 0, KRW: 0, PYG: 0, RWF: 0,
  UGX: 0, UYI: 0, VND: 0, VUV: 0, XAF: 0, XOF: 0, XPF: 0,
  BHD: 3, IQD: 3, JOD: 3, KWD: 3, LYD: 3, OMR: 3, TND: 3,
  CLF: 4, UYW: 4,
};

export function currencyExponent(currency: string): number {
  return EXPONENTS[currency] ?? 2;
}

export class InvalidAmount extends Error {}

/**
 * Pleo's money is an integer in minor units (896.96 SEK → 89696); ERPs take decimal strings.
 * Done on the digits, never through a float division.
 */
export function minorToDecimal(minor: number, currency: string): string {
  if (!/^[A-Z]{3}$/.test(currency) || currency === 'UNDEFINED') throw new InvalidAmount(`"${currency}" is not a currency`);
  if (!Number.isSafeInteger(minor)) throw new InvalidAmount(`${minor} ${currency} is not a whole number of minor units`);
  const exp = currencyExponent(currency);
  const digits = Math.abs(minor).toString().padStart(exp + 1, '0');
  const whole = digits.slice(0, digits.length - exp);
  const frac = exp ? `.${digits.slice(-exp)}` : '';
  return `${minor < 0 ? '-' : ''}${whole}${frac}`;
}

export function money(minor: number, currency: string): Money {
  return { value: minorToDecimal(minor, currency), currency };
}
