import { ErpError } from '../../erp-errors';
import { decimalsEqual, fromScaled, sumDecimals, toScaled } from '../../decimal';
import { ExpenseEntry, ExpenseLine } from '../../erp-adapter.port';
import { checkEntryShape } from '../../entry-checks';
import { CurrencyPlan } from './tryton-currency';
import { TrytonChart, TrytonTax } from './tryton-master-data';
import { day, decimal } from './tryton-wire';

const DIGITS = 2;

/** Tax on `net` at `rate`, rounded half-even to cents as Tryton rounds it (currency.round). */
export function taxAmount(net: string, rate: string): string {
  const exact = toScaled(net) * toScaled(rate); // 12 decimals
  const unit = 10n ** BigInt(12 - DIGITS);
  const sign = exact < 0n ? -1n : 1n;
  const abs = exact * sign;
  let q = abs / unit;
  const r = abs % unit;
  if (r * 2n > unit || (r * 2n === unit && q % 2n === 1n)) q += 1n;
  return fromScaled(q * sign * 10n ** BigInt(6 - DIGITS), DIGITS);
}

export function account(chart: TrytonChart, code: string): number {
  const found = chart.accounts.get(code);
  if (!found) throw new ErpError('unknown_reference', `Account ${code} does not exist in Tryton's chart of accounts. Check the category's account in Pleo.`, { subject: 'account' });
  return found.id;
}

export function taxOf(chart: TrytonChart, line: ExpenseLine): TrytonTax | null {
  if (!line.tax) return null;
  const tax = chart.taxes.get(line.tax.code);
  if (!tax) throw new ErpError('unknown_reference', `Tax ${line.tax.code} does not exist in Tryton (a tax named ${line.tax.code}).`, { subject: 'tax_code' });
  if (tax.reverse !== (line.tax.mode === 'reverse')) {
    throw new ErpError('validation', `Tax ${tax.name} is ${tax.reverse ? '' : 'not '}a reverse-charge tax in Tryton, but Pleo books it as ${line.tax.mode}. Align the tax code's setup.`);
  }
  return tax;
}

/** What Tryton computes for the line must be what Pleo says: never book a different tax. */
export function checkLineTax(chart: TrytonChart, line: ExpenseLine): TrytonTax | null {
  const tax = taxOf(chart, line);
  if (!tax || !line.tax) return tax;
  const computed = taxAmount(line.net.value, tax.rate);
  if (!decimalsEqual(computed, line.tax.amount.value)) {
    throw new ErpError('validation', `Tryton computes tax ${tax.name} on ${line.net.value} ${line.net.currency} as ${computed}, Pleo says ${line.tax.amount.value}. Nothing was booked; correct the tax in Pleo.`);
  }
  return tax;
}

export function analyticOf(chart: TrytonChart, line: ExpenseLine): { root: number; account: number }[] {
  return (line.dimensions ?? []).map((d) => {
    const root = chart.analytic.get(d.group);
    const id = root?.accounts.get(d.value);
    if (!root || !id) throw new ErpError('unknown_reference', `Tryton has no analytic account ${d.value} under ${d.group} (tag group). Create it in Tryton or fix the tag in Pleo.`, { subject: 'dimension' });
    return { root: root.id, account: id };
  });
}

const side = (amount: string) => (amount.startsWith('-') ? { debit: decimal('0'), credit: decimal(amount.slice(1)) } : { debit: decimal(amount), credit: decimal('0') });
const neg = (amount: string) => (amount.startsWith('-') ? amount.slice(1) : `-${amount}`);

/**
 * The lines of a journal-mode `account.move`: expense (with tax base and analytic lines), tax, counter.
 * In the company currency; with a `plan`, each line keeps its foreign amount (second currency) and
 * the counter line takes what conversion rounding leaves, so the move balances.
 */
export function moveLines(chart: TrytonChart, entry: ExpenseEntry, plan: CurrencyPlan | null = null): Record<string, unknown>[] {
  const company = (amount: string) => (plan ? plan.company(amount) : amount);
  // converted: the entry's own amount is the foreign one; spent abroad: Pleo's supplier amount
  const foreign = (amount: string, original?: string) => {
    const value = plan?.converted ? amount : original;
    return plan && value !== undefined ? { second_currency: plan.second, amount_second_currency: decimal(value) } : {};
  };
  const booked: string[] = [];
  const party = (code: string) => {
    if (!chart.accounts.get(code)?.partyRequired) return {};
    if (!entry.vendorId) throw new ErpError('validation', `Account ${code} needs a party in Tryton, and the expense has no vendor.`);
    if (!/^\d+$/.test(entry.vendorId)) throw new ErpError('unknown_reference', `The vendor ${entry.vendorId} is not a Tryton party id.`, { subject: 'vendor' });
    return { party: Number(entry.vendorId) };
  };
  const lines: Record<string, unknown>[] = [];
  for (const line of entry.lines) {
    const tax = checkLineTax(chart, line);
    const net = company(line.net.value);
    booked.push(net);
    const analytic = analyticOf(chart, line).map((a) => ({ account: a.account, ...side(net), date: day(entry.date) }));
    lines.push({
      account: account(chart, line.account),
      ...side(net),
      ...foreign(line.net.value, line.original?.net.value),
      description: line.description ?? entry.description,
      ...party(line.account),
      ...(tax && { tax_lines: [['create', tax.accounts.map((a) => ({ tax: a.taxId, amount: decimal(net), type: 'base' }))]] }),
      ...(analytic.length && { analytic_lines: [['create', analytic]] }),
    });
    if (!tax || !line.tax || decimalsEqual(line.tax.amount.value, '0')) continue;
    const amount = company(line.tax.amount.value);
    const original = line.original?.tax?.value;
    const named = [line.tax.ingoingAccount, line.tax.outgoingAccount];
    tax.accounts.forEach((a, i) => {
      const signed = i === 0 ? amount : neg(amount);
      const code = named[i] ?? a.code;
      booked.push(signed);
      const second = i === 0 ? foreign(line.tax!.amount.value, original) : foreign(neg(line.tax!.amount.value), original === undefined ? undefined : neg(original));
      lines.push({ account: account(chart, code), ...side(signed), ...second, ...party(code), tax_lines: [['create', [{ tax: a.taxId, amount: decimal(signed), type: 'tax' }]]] });
    });
  }
  const counter = plan?.converted ? neg(sumDecimals(booked, DIGITS)) : neg(entry.total.value);
  lines.push({ account: account(chart, entry.contraAccount), ...side(counter), ...foreign(neg(entry.total.value), entry.original && neg(entry.original.value)), ...party(entry.contraAccount) });
  return lines;
}

/** Supplier invoice lines: Tryton computes the taxes itself; they are compared after validation. */
export function invoiceLines(chart: TrytonChart, entry: ExpenseEntry, party: number): Record<string, unknown>[] {
  return entry.lines.map((line) => {
    const tax = checkLineTax(chart, line);
    if (tax && line.tax) {
      const named = [line.tax.ingoingAccount, line.tax.outgoingAccount];
      tax.accounts.forEach((a, i) => {
        if (named[i] && named[i] !== a.code) {
          throw new ErpError('validation', `Tryton books tax ${tax.name} on account ${a.code}, Pleo names ${named[i]}. Align the tax's accounts in Tryton or Pleo.`);
        }
      });
    }
    const analytic = analyticOf(chart, line);
    return {
      type: 'line', company: chart.companyId, invoice_type: 'in', party, quantity: 1,
      account: account(chart, line.account),
      unit_price: decimal(line.net.value),
      description: line.description ?? entry.description,
      ...(tax && { taxes: [['add', [tax.id]]] }),
      ...(analytic.length && { analytic_accounts: [['create', analytic]] }),
    };
  });
}

/** Pleo's tax per code (reverse charge: the self-assessed amount once), to compare with Tryton's. */
export function pleoTaxes(entry: ExpenseEntry): Map<string, string> {
  const byCode = new Map<string, string[]>();
  for (const l of entry.lines) if (l.tax) byCode.set(l.tax.code, [...(byCode.get(l.tax.code) ?? []), l.tax.amount.value]);
  return new Map([...byCode].map(([code, values]) => [code, sumDecimals(values, DIGITS)]));
}

/** Refusals before anything is written. */
export function checkEntry(chart: TrytonChart, entry: ExpenseEntry): void {
  checkEntryShape(entry);
  if (entry.payment) {
    if (!chart.paymentMethods.has(entry.payment.account)) {
      throw new ErpError('configuration', `Tryton has no invoice payment method paying from account ${entry.payment.account}: create one (Financial > Configuration > Invoice Payment Methods).`);
    }
    if (entry.state === 'draft') throw new ErpError('configuration', 'Tryton pays only posted supplier invoices: with draft posting the payment cannot be booked. Post entries, or export the bill unpaid.');
  }
}
