import { ErpError } from './erp-errors';
import { decimalsEqual, sumDecimals } from './decimal';
import { ExpenseEntry } from './erp-adapter.port';

/**
 * What every ERP refuses before it books anything, whatever its own rules: an AP entry without a
 * vendor, an impossible date, (with `amountMaxDigits`) an amount with more digits before the point
 * than the ERP can hold, lines that do not add up to the total, a payment-only entry without the
 * invoice it pays, a payment that differs from the total.
 */
export function checkEntryShape(entry: ExpenseEntry, limits: { amountMaxDigits?: number } = {}): void {
  if (entry.mode === 'accounts_payable' && !entry.vendorId) {
    throw new ErpError('validation', 'An accounts-payable entry needs a vendor.');
  }
  const date = new Date(`${entry.date}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(entry.date) || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== entry.date) {
    throw new ErpError('validation', `"${entry.date}" is not a valid posting date.`);
  }
  if (limits.amountMaxDigits !== undefined) checkAmountDigits(entry, limits.amountMaxDigits);
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

function checkAmountDigits(entry: ExpenseEntry, maxDigits: number): void {
  for (const amount of [entry.total, ...(entry.payment ? [entry.payment.amount] : [])]) {
    if (amount.value.replace(/^-/, '').split('.')[0].length > maxDigits) {
      throw new ErpError('validation', `The amount ${amount.value} ${amount.currency} is larger than the ERP can hold (${maxDigits} digits).`);
    }
  }
}
