import { decimalsEqual, sumDecimals } from '../../decimal';
import { ErpError } from '../../erp-errors';
import { ExpenseEntry } from '../../erp-adapter.port';

/** sandbox_entries.total is DECIMAL(18,4): at most 14 digits before the point */
const AMOUNT_MAX_DIGITS = 14;

/**
 * What the sandbox ERP refuses before it books anything, as a strict ERP would: an AP entry without
 * a vendor, an impossible date, an amount its column cannot hold, lines that do not balance, a
 * payment that is not the total, a payment-only entry without the invoice it pays.
 */
export function checkEntry(entry: ExpenseEntry): void {
  if (entry.mode === 'accounts_payable' && !entry.vendorId) {
    throw new ErpError('validation', 'An accounts-payable entry needs a vendor.');
  }
  const date = new Date(`${entry.date}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(entry.date) || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== entry.date) {
    throw new ErpError('validation', `"${entry.date}" is not a valid posting date.`);
  }
  for (const amount of [entry.total, ...(entry.payment ? [entry.payment.amount] : [])]) {
    if (amount.value.replace(/^-/, '').split('.')[0].length > AMOUNT_MAX_DIGITS) {
      throw new ErpError('validation', `The amount ${amount.value} ${amount.currency} is larger than the ERP can hold (${AMOUNT_MAX_DIGITS} digits).`);
    }
  }
  if (!entry.lines.length) {
    if (!entry.payment || entry.mode !== 'accounts_payable') throw new ErpError('validation', 'The entry has no lines.');
    if (!entry.invoice?.number) throw new ErpError('validation', 'A payment needs the number of the invoice it pays.');
  } else {
    const counted = entry.lines.flatMap((l) => [l.net.value, ...(l.tax && l.tax.mode !== 'reverse' ? [l.tax.amount.value] : [])]);
    if (!decimalsEqual(sumDecimals(counted, 6), entry.total.value)) {
      throw new ErpError('validation', `The entry does not balance: its lines add up to ${sumDecimals(counted, 2)}, its total is ${entry.total.value}.`);
    }
  }
  if (entry.payment && !decimalsEqual(entry.payment.amount.value, entry.total.value)) {
    throw new ErpError('validation', `The payment (${entry.payment.amount.value}) does not match the entry's total (${entry.total.value}).`);
  }
}
