import { Money } from '@app/erp';

/**
 * The minor-unit rule (F-5), decided from Pleo's own texts:
 * - export-openapi.yml, `MoneyModel.value` (type: number): "Represents the amount in cents
 *   (amount/100). For example, 896.96 SEK is represented as 89696."
 * - pleo-api.md §3.3: "`value` is in minor units: 896.96 SEK → 89696".
 * Both readings (÷100 always, or ÷10^ISO-exponent) agree for currencies with two decimals, and they
 * disagree for every other one (JPY, KRW: ×100 or not; KWD, BHD: 3 decimals cannot be "cents").
 * Until Pleo confirms which it means, an amount in a currency whose ISO 4217 exponent is not 2 is
 * refused with a clear reason (the item fails with validation_failure) rather than booked 100×
 * too large or too small. Values must be whole numbers of cents; nothing passes through a float.
 */

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

/** Decimals of Pleo's amounts: always 2 (cents), the only reading both sources agree on. */
export const PLEO_DECIMALS = 2;

export class InvalidAmount extends Error {}

/** Pleo's cents (896.96 SEK → 89696) → the decimal string ERPs take, done on the digits. */
export function minorToDecimal(minor: number, currency: string): string {
  if (typeof currency !== 'string' || !/^[A-Z]{3}$/.test(currency) || currency === 'UNDEFINED') throw new InvalidAmount(`"${currency}" is not a currency`);
  if (currencyExponent(currency) !== PLEO_DECIMALS) {
    throw new InvalidAmount(
      `${currency} has ${currencyExponent(currency)} decimals, and Pleo's API does not say whether its amounts in ${currency} are cents or ${currency}'s own minor unit; it is not booked rather than booked wrong. Book it by hand`,
    );
  }
  if (typeof minor !== 'number' || !Number.isSafeInteger(minor)) throw new InvalidAmount(`${minor} ${currency} is not a whole number of minor units`);
  const digits = Math.abs(minor).toString().padStart(PLEO_DECIMALS + 1, '0');
  return `${minor < 0 ? '-' : ''}${digits.slice(0, -PLEO_DECIMALS)}.${digits.slice(-PLEO_DECIMALS)}`;
}

export function money(minor: number, currency: string): Money {
  return { value: minorToDecimal(minor, currency), currency };
}
