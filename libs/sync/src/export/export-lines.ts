import { ExpenseLine, Money, decimalsEqual, sumDecimals } from '@app/erp';
import { ExportItem, ExportItemLine } from '@app/pleo';
import { ItemFailure } from './item-failure';
import { PLEO_DECIMALS, money } from './money';

const refCode = (ref?: { code?: string | null; identifier?: string | null } | null) => ref?.code || ref?.identifier || undefined;
const fmt = (minor: number, currency: string) => `${money(minor, currency).value} ${currency}`;

/**
 * The expense lines of an item, net of tax, and what was paid. Tax as the spec's `TaxTypeV3`
 * words it (F-6):
 * - inclusive: "the net bill amount is the amount including tax" → `netAmount` = `lineAmount`
 *   (tax included); the net booked is netAmount − tax;
 * - exclusive: "the net bill amount is the amount excluding tax" → `netAmount` is booked as net,
 *   and netAmount + tax must be the `lineAmount` paid;
 * - reverse (EU reverse charge): nothing was paid as tax; netAmount = lineAmount, the tax is
 *   self-assessed on Pleo's ingoing / outgoing tax accounts.
 * Any disagreement between Pleo's netAmount and what the rule derives fails the item
 * (validation_failure, both numbers), rather than booking a net Pleo did not mean.
 */
export function mapLines(item: ExportItem, currency: string): { lines: ExpenseLine[]; paid: Money[] } | ItemFailure {
  const lines: ExpenseLine[] = [];
  const paid: Money[] = [];
  for (const [i, line] of item.accountingEntryLines.entries()) {
    const at = `line ${i + 1}`;
    const account = refCode(line.account);
    if (!account) {
      return {
        type: 'missing_configuration',
        reason: `Account missing on ${at}${line.account?.name ? ` (category "${line.account.name}")` : ''}: give the category an account code in Pleo and export again.`,
      };
    }
    const gross = line.lineAmount.inWalletCurrency;
    if (gross.currency !== currency) return { type: 'validation_failure', reason: `Line ${i + 1} is in ${gross.currency}, the expense in ${currency}.` };
    const net = netOf(line, at, currency);
    if ('type' in net) return net;
    paid.push(money(gross.value, currency));
    lines.push({
      account,
      net: money(net.netMinor, currency),
      ...(net.tax && { tax: net.tax }),
      ...(line.tags?.length && { dimensions: line.tags.map((t) => ({ group: t.groupCode, value: t.code })) }),
    });
  }
  return { lines, paid };
}

/** The amounts Pleo gives for a line: in the wallet's currency (booked), or the supplier's (spent). */
export type AmountSide = 'inWalletCurrency' | 'inSupplierCurrency';

export function netOf(line: ExportItemLine, at: string, currency: string, side: AmountSide = 'inWalletCurrency'): { netMinor: number; tax?: ExpenseLine['tax'] } | ItemFailure {
  const grossMinor = line.lineAmount[side].value;
  const pleoNet = line.netAmount?.[side];
  if (pleoNet && pleoNet.currency !== currency) return { type: 'validation_failure', reason: `The net amount on ${at} is in ${pleoNet.currency}, the expense in ${currency}.` };
  const tax = line.tax;
  const taxMinor = tax?.amount[side].value ?? 0;
  if (!tax || (tax.rate === 0 && taxMinor === 0)) {
    if (pleoNet && pleoNet.value !== grossMinor) return mismatch(at, 'without tax', pleoNet.value, grossMinor, currency);
    return { netMinor: grossMinor };
  }
  if (tax.amount[side].currency !== currency) {
    return { type: 'validation_failure', reason: `The tax on ${at} is in ${tax.amount[side].currency}, the expense in ${currency}.` };
  }
  if (!tax.code) {
    return {
      type: 'missing_configuration',
      reason: `Tax code missing for the ${+(tax.rate * 100).toFixed(4)} % rate on ${at}: map the tax rate to the Accounting System's tax code in Pleo.`,
    };
  }
  // What netAmount must be under the spec's wording, and the net (excluding tax) we book.
  const expected = tax.type === 'exclusive' ? grossMinor - taxMinor : grossMinor;
  if (pleoNet && pleoNet.value !== expected) return mismatch(at, `with ${tax.type} tax`, pleoNet.value, expected, currency);
  const netMinor = tax.type === 'reverse' ? grossMinor : grossMinor - taxMinor;
  return {
    netMinor,
    tax: {
      code: tax.code,
      mode: tax.type,
      amount: money(taxMinor, currency),
      ...(tax.ingoingTaxAccount && { ingoingAccount: tax.ingoingTaxAccount }),
      ...(tax.outgoingTaxAccount && { outgoingAccount: tax.outgoingTaxAccount }),
    },
  };
}

const mismatch = (at: string, how: string, pleo: number, derived: number, currency: string): ItemFailure => ({
  type: 'validation_failure',
  reason: `Pleo's net amount on ${at} (${fmt(pleo, currency)}) does not match its line amount ${how} (${fmt(derived, currency)}). Check the tax on the expense in Pleo.`,
});

/** The lines must add up to the expense's amount. */
export function checkTotal(paid: Money[], total: Money): ItemFailure | null {
  const linesTotal = sumDecimals(paid.map((p) => p.value), PLEO_DECIMALS);
  return decimalsEqual(linesTotal, total.value)
    ? null
    : { type: 'validation_failure', reason: `The lines add up to ${linesTotal} ${total.currency} but the expense is ${total.value} ${total.currency}.` };
}
