import { checkEntryShape } from '../../entry-checks';
import { ExpenseEntry } from '../../erp-adapter.port';

/** sandbox_entries.total is DECIMAL(18,4): at most 14 digits before the point */
const AMOUNT_MAX_DIGITS = 14;

/**
 * What the sandbox ERP refuses before it books anything, as a strict ERP would: what every ERP
 * refuses (an AP entry without a vendor, an impossible date, lines that do not balance, a payment
 * that is not the total, a payment-only entry without the invoice it pays) and an amount its
 * column cannot hold.
 */
export function checkEntry(entry: ExpenseEntry): void {
  checkEntryShape(entry, { amountMaxDigits: AMOUNT_MAX_DIGITS });
}
