import { ExpenseLine, Money, decimalsEqual, sumDecimals } from '@app/erp';
import { ExportItem } from '@app/pleo';
import { netOf } from './export-lines';
import { InvalidAmount, PLEO_DECIMALS, money } from './money';

/**
 * An item spent in another currency than its wallet's (a card used abroad): Pleo gives every amount
 * in both (`inWalletCurrency`, `inSupplierCurrency`). The entry is booked in the wallet's; the
 * supplier's amounts travel beside them (`original`) for ERPs that keep a second currency. They are
 * informational, so they are left out — never the item failed — when Pleo's supplier amounts do not
 * follow the same tax rules and add up to the item's, or are in a currency whose minor unit is
 * uncertain (see money.ts): the booking in the wallet currency stands on its own.
 */
export function withOriginals(item: ExportItem, lines: ExpenseLine[]): { lines: ExpenseLine[]; original?: Money } {
  const spent = item.amount.inSupplierCurrency;
  if (!spent || spent.currency === item.amount.inWalletCurrency.currency || lines.length !== item.accountingEntryLines.length) return { lines };
  try {
    const originals: NonNullable<ExpenseLine['original']>[] = [];
    for (const [i, line] of item.accountingEntryLines.entries()) {
      if (line.lineAmount.inSupplierCurrency?.currency !== spent.currency) return { lines };
      const net = netOf(line, `line ${i + 1}`, spent.currency, 'inSupplierCurrency');
      if ('type' in net || !!net.tax !== !!lines[i].tax) return { lines };
      originals.push({ net: money(net.netMinor, spent.currency), ...(net.tax && { tax: net.tax.amount }) });
    }
    const total = money(spent.value, spent.currency);
    const paid = originals.flatMap((o, i) => [o.net.value, ...(o.tax && lines[i].tax?.mode !== 'reverse' ? [o.tax.value] : [])]);
    if (!decimalsEqual(sumDecimals(paid, PLEO_DECIMALS), total.value)) return { lines };
    return { lines: lines.map((l, i) => ({ ...l, original: originals[i] })), original: total };
  } catch (err) {
    if (err instanceof InvalidAmount) return { lines };
    throw err;
  }
}
