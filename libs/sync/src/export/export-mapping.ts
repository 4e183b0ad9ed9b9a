import { ExpenseEntry, ExpensePayment, PostingMode } from '@app/erp';
import { ExportItem } from '@app/pleo';
import { checkTotal, mapLines } from './export-lines';
import { withOriginals } from './export-originals';
import { ExportSettings } from './export-settings';
import { ItemFailure } from './item-failure';
import { InvalidAmount, money } from './money';

/** What mapping yields: the entry (vendor still to resolve for AP), or why the item cannot go. */
export type MappedItem =
  | { ok: true; entry: Omit<ExpenseEntry, 'vendorId'>; vendor: ExportItem['vendor'] | null }
  | { ok: false; failure: ItemFailure };

const EMPLOYEE_PAID = new Set(['out_of_pocket', 'mileage', 'per_diem', 'external_reimbursement']);
const WALLET_MOVEMENTS = new Set([
  'card_purchase', 'card_invoice', 'fee', 'cashback', 'refund', 'chargeback', 'atm_withdrawal',
  'personal_spend', 'wallet_topup', 'wallet_unload', 'direct_reimbursement', 'invoice_payment',
]);
/** Wallet loads and unloads are always journal entries (pleo-api.md §3.6 step 5). */
const ALWAYS_JOURNAL = new Set(['wallet_topup', 'wallet_unload']);
/** Sub-types that reverse the usual flow of money (F-12): money comes back, the amount is not positive. */
const RETURNS = new Set(['invoice_payment_returned', 'reimbursement_to_employee_refund', 'reimbursement_to_company']);
/**
 * F-12: money flowing back goes to the account the original flow used, whatever the item's type says:
 * a returned invoice payment comes back to the wallet it left; an employee repaying the company, or a
 * reimbursement to an employee coming back, settles the employee's out-of-pocket balance.
 */
const RETURN_ACCOUNT: Record<string, 'wallet' | 'outOfPocket'> = {
  invoice_payment_returned: 'wallet',
  reimbursement_to_company: 'outOfPocket',
  reimbursement_to_employee_refund: 'outOfPocket',
};

const missing = (what: string, setting: string): ItemFailure => ({
  type: 'missing_configuration',
  reason: `Account "${what}" missing: provide it in the configuration (${setting}).`,
});
const refCode = (ref?: { code?: string | null; identifier?: string | null } | null) => ref?.code || ref?.identifier || undefined;

export function postingModeOf(item: ExportItem): PostingMode {
  if (ALWAYS_JOURNAL.has(item.type)) return 'journal';
  return item.bookkeeping?.method === 'accounts_payable' ? 'accounts_payable' : 'journal';
}

/** Where the money came from: contraAccount from Pleo, else the configured account for the item's kind. */
export function moneyAccountOf(item: ExportItem, s: ExportSettings): string | ItemFailure {
  const fromPleo = refCode(item.contraAccount);
  if (fromPleo) return fromPleo;
  const returned = item.subType ? RETURN_ACCOUNT[item.subType] : undefined;
  if (returned === 'outOfPocket' || (!returned && EMPLOYEE_PAID.has(item.type))) return s.outOfPocketAccount ?? missing('Pleo out-of-pocket', 'EXPORT_OUT_OF_POCKET_ACCOUNT');
  if (returned === 'wallet' || WALLET_MOVEMENTS.has(item.type)) return s.walletAccount ?? missing('Pleo wallet', 'EXPORT_WALLET_ACCOUNT');
  return s.contraAccount ?? missing('Pleo contra', 'EXPORT_CONTRA_ACCOUNT');
}

/** The credit side of the entry: payables for AP (the bill), else where the money came from. */
export function counterAccountOf(item: ExportItem, mode: PostingMode, s: ExportSettings): string | ItemFailure {
  if (mode === 'accounts_payable') return s.apAccount ?? missing('fallback accounts payable', 'EXPORT_AP_ACCOUNT');
  return moneyAccountOf(item, s);
}

/** Supplier, user, note, attendees and the entries a reimbursement settles; initials for a long user name. */
export function descriptionOf(item: ExportItem, max = 250): string {
  const info = item.additionalInformation;
  const attendees = (info?.attendees ?? []).filter((a): a is string => !!a?.trim());
  const settles = (info?.reconciledEntries ?? []).filter((e): e is string => !!e?.trim());
  const parts = (user?: string) =>
    [
      item.supplier?.name,
      user,
      item.note,
      attendees.length ? `attendees: ${attendees.join(', ')}` : undefined,
      settles.length ? `settles: ${settles.join(', ')}` : undefined,
    ]
      .filter((p): p is string => !!p && !!p.trim())
      .map((p) => p.trim());
  let text = parts(item.user?.name ?? undefined).join(' · ');
  if (text.length > max && item.user?.name) {
    const initials = item.user.name.split(/\s+/).map((w) => w[0]?.toUpperCase() ?? '').join('');
    text = parts(initials).join(' · ');
  }
  if (text.length > max) text = `${text.slice(0, max - 1)}…`;
  return text || item.type.replace(/_/g, ' ');
}

/**
 * One Pleo export item → one ERP entry (design §2.4). Pure: everything it needs is in the item and
 * the settings. Amounts are in the wallet currency (what was booked), Pleo's cents → decimals.
 * Accounts payable is "vendor invoice plus payment" (F-4): the bill credits payables; when the item
 * moved money (anything but an unpaid `invoice`) a payment debits payables and credits the account
 * the money left; `invoice_payment` is the payment alone, applied to the bill by its number.
 * The posting date is the UTC day of Pleo's `date` (an instant in Z; the export API gives no
 * company time zone to convert it with).
 */
export function mapExportItem(item: ExportItem, settings: ExportSettings): MappedItem {
  const fail = (failure: ItemFailure): MappedItem => ({ ok: false, failure });
  const currency = item.amount.inWalletCurrency.currency;
  const mode = postingModeOf(item);
  if (mode === 'accounts_payable' && !item.vendor) {
    return fail({ type: 'validation_failure', reason: 'The expense is booked to accounts payable but has no vendor. Select the vendor in Pleo and export again.' });
  }
  const counter = counterAccountOf(item, mode, settings);
  if (typeof counter !== 'string') return fail(counter);
  const paymentOnly = mode === 'accounts_payable' && item.type === 'invoice_payment';
  if (!paymentOnly && !item.accountingEntryLines.length) return fail({ type: 'validation_failure', reason: 'The expense has no lines to book.' });
  const date = item.date.slice(0, 10);

  try {
    const total = money(item.amount.inWalletCurrency.value, currency);
    if (item.subType && RETURNS.has(item.subType) && total.value !== '0.00' && !total.value.startsWith('-')) {
      return fail({ type: 'validation_failure', reason: `A ${item.subType.replace(/_/g, ' ')} returns money, but its amount is positive (${total.value} ${currency}).` });
    }
    let payment: ExpensePayment | undefined;
    if (mode === 'accounts_payable' && item.type !== 'invoice') {
      const account = moneyAccountOf(item, settings);
      if (typeof account !== 'string') return fail(account);
      payment = { account, date, amount: total };
    }
    const invoiceInfo = item.additionalInformation.invoiceInformation;
    const invoice = invoiceInfo
      ? { number: invoiceInfo.invoiceNumber, date: invoiceInfo.invoiceDate?.slice(0, 10), ...(invoiceInfo.dueDate && { dueDate: invoiceInfo.dueDate.slice(0, 10) }) }
      : undefined;
    if (paymentOnly && !invoice?.number) {
      return fail({ type: 'validation_failure', reason: 'The invoice payment names no invoice number, so the bill it pays cannot be found. Add the invoice number in Pleo.' });
    }
    let lines: ExpenseEntry['lines'] = [];
    let original: ExpenseEntry['original'];
    if (!paymentOnly) {
      const mapped = mapLines(item, currency);
      if ('type' in mapped) return fail(mapped);
      const unbalanced = checkTotal(mapped.paid, total);
      if (unbalanced) return fail(unbalanced);
      ({ lines, original } = withOriginals(item, mapped.lines));
    }
    return {
      ok: true,
      vendor: mode === 'accounts_payable' ? item.vendor ?? null : null,
      entry: {
        reference: item.accountingEntryId,
        kind: item.type,
        externalReference: item.additionalInformation.reconciliationId,
        mode,
        state: settings.postingState,
        date,
        description: descriptionOf(item),
        total,
        ...(original && { original }),
        contraAccount: counter,
        lines,
        ...(mode === 'accounts_payable' && invoice && { invoice }),
        ...(payment && { payment }),
      },
    };
  } catch (err) {
    if (err instanceof InvalidAmount) return fail({ type: 'validation_failure', reason: `Invalid amount: ${err.message}.` });
    throw err;
  }
}
