import { ErpError } from '../../erp-errors';
import { fromScaled, toScaled } from '../../decimal';
import { ExpenseEntry } from '../../erp-adapter.port';
import { TrytonChart } from './tryton-master-data';
import { TrytonRpcClient } from './tryton-rpc.client';
import { day } from './tryton-wire';

/**
 * How an entry in (or spent in) another currency than the company's is booked: move lines in the
 * company currency, the foreign amount kept beside them (`second_currency`, `amount_second_currency`).
 * - spent abroad from a wallet in the company currency (Pleo gives both amounts, `original`): the
 *   company amounts are Pleo's wallet amounts, the supplier's are the second currency;
 * - a wallet in another currency: the company amounts are converted at Tryton's rate of the day, as
 *   Tryton converts them itself; the wallet's amounts are the second currency.
 */
export interface CurrencyPlan {
  /** the second currency: Tryton id and ISO code */
  second: number;
  code: string;
  /** true: the entry is in the second currency and `company()` converts; false: it is in the company's */
  converted: boolean;
  /** an entry amount in the company currency */
  company(amount: string): string;
}

export function foreignCurrencyOf(chart: TrytonChart, entry: ExpenseEntry): string | null {
  if (entry.total.currency !== chart.currency) return entry.total.currency;
  if (entry.original && entry.original.currency !== chart.currency) return entry.original.currency;
  return null;
}

/** null: nothing foreign. A currency Tryton does not hold, or one without a rate to convert it at, is refused. */
export async function currencyPlan(rpc: TrytonRpcClient, chart: TrytonChart, entry: ExpenseEntry, ctx: object, signal?: AbortSignal): Promise<CurrencyPlan | null> {
  const code = foreignCurrencyOf(chart, entry);
  if (!code) return null;
  const converted = entry.total.currency !== chart.currency;
  const second = chart.currencies.get(code);
  if (second === undefined) {
    throw new ErpError('validation', `Tryton does not know the currency ${code}: create it (Currency > Currencies)${converted ? ' with its exchange rates' : ''}, or book the expense by hand.`);
  }
  if (!converted) return { second, code, converted, company: (amount) => amount };
  const rates = await rpc.call<{ id: number; rate: string | null }[]>('model.currency.currency.read', [[second, chart.currencyId], ['rate'], { ...ctx, date: day(entry.date) }], signal);
  const rate = (id: number) => rates.find((r) => r.id === id)?.rate ?? null;
  const [from, to] = [rate(second), rate(chart.currencyId)];
  if (!from || !to || toScaled(from) === 0n) {
    const missing = [!from || toScaled(from) === 0n ? code : null, !to ? chart.currency : null].filter(Boolean).join(' and ');
    throw new ErpError('validation', `Tryton has no exchange rate for ${missing} on ${entry.date} to book the ${code} expense in ${chart.currency}: add the rate (Currency > Currencies > Rates).`);
  }
  return { second, code, converted, company: (amount) => convert(amount, from, to) };
}

/** `amount` × `toRate` / `fromRate`, rounded half-even to cents: Tryton's currency.compute with rates per company currency. */
export function convert(amount: string, fromRate: string, toRate: string): string {
  const num = toScaled(amount) * toScaled(toRate); // amount × to, scale 12
  const den = toScaled(fromRate) * 10n ** 4n; // → result in cents
  const sign = num < 0n !== den < 0n ? -1n : 1n;
  const [n, d] = [num < 0n ? -num : num, den < 0n ? -den : den];
  let q = n / d;
  const r = n % d;
  if (r * 2n > d || (r * 2n === d && q % 2n === 1n)) q += 1n;
  return fromScaled(sign * q * 10n ** 4n, 2);
}
