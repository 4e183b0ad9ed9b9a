import { ExpenseEntry, ExpenseLine, PostingMode, sumDecimals, decimalsEqual } from '@app/erp';
import { ExportItem } from '@app/pleo';
import { ExportSettings } from './export-settings';
import { ItemFailure } from './item-failure';
import { InvalidAmount, currencyExponent, money } from './money';

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

const missing = (what: string, setting: string): ItemFailure => ({
  type: 'missing_configuration',
  reason: `Account "${what}" missing: provide it in the configuration (${setting}).`,
});
const refCode = (ref?: { code?: string | null; identifier?: string | null } | null) => ref?.code || ref?.identifier || undefined;

export function postingModeOf(item: ExportItem): PostingMode {
  if (ALWAYS_JOURNAL.has(item.type)) return 'journal';
  return item.bookkeeping?.method === 'accounts_payable' ? 'accounts_payable' : 'journal';
}

/** The credit side: contraAccount from Pleo, else the configured account for the item's kind. */
export function counterAccountOf(item: ExportItem, mode: PostingMode, s: ExportSettings): string | ItemFailure {
  if (mode === 'accounts_payable') return s.apAccount ?? missing('fallback accounts payable', 'EXPORT_AP_ACCOUNT');
  const fromPleo = refCode(item.contraAccount);
  if (fromPleo) return fromPleo;
  if (EMPLOYEE_PAID.has(item.type)) return s.outOfPocketAccount ?? missing('Pleo out-of-pocket', 'EXPORT_OUT_OF_POCKET_ACCOUNT');
  if (WALLET_MOVEMENTS.has(item.type)) return s.walletAccount ?? missing('Pleo wallet', 'EXPORT_WALLET_ACCOUNT');
  return s.contraAccount ?? missing('Pleo contra', 'EXPORT_CONTRA_ACCOUNT');
}

/** Supplier, user and note; initials for the user when it would be too long. */
export function descriptionOf(item: ExportItem, max = 250): string {
  const parts = (user?: string) => [item.supplier?.name, user, item.note].filter((p): p is string => !!p && !!p.trim()).map((p) => p.trim());
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
 * the settings. Amounts are in the wallet currency (what was booked), minor units → decimals.
 */
export function mapExportItem(item: ExportItem, settings: ExportSettings): MappedItem {
  const fail = (failure: ItemFailure): MappedItem => ({ ok: false, failure });
  const currency = item.amount.inWalletCurrency.currency;
  const mode = postingModeOf(item);
  if (mode === 'accounts_payable' && !item.vendor) {
    return fail({ type: 'vendor_unknown', reason: 'The invoice is booked to accounts payable but has no vendor. Select the vendor in Pleo and export again.' });
  }
  const counter = counterAccountOf(item, mode, settings);
  if (typeof counter !== 'string') return fail(counter);
  if (!item.accountingEntryLines.length) return fail({ type: 'validation_failure', reason: 'The expense has no lines to book.' });

  try {
    const lines: ExpenseLine[] = [];
    const paid: string[] = [];
    for (const [i, line] of item.accountingEntryLines.entries()) {
      const account = refCode(line.account);
      if (!account) {
        return fail({
          type: 'missing_configuration',
          reason: `Account missing on line ${i + 1}${line.account?.name ? ` (category "${line.account.name}")` : ''}: give the category an account code in Pleo and export again.`,
        });
      }
      const gross = line.lineAmount.inWalletCurrency;
      if (gross.currency !== currency) return fail({ type: 'validation_failure', reason: `Line ${i + 1} is in ${gross.currency}, the expense in ${currency}.` });
      const grossMinor = gross.value;
      let netMinor = grossMinor;
      let tax: ExpenseLine['tax'];
      if (line.tax && (line.tax.rate !== 0 || line.tax.amount.inWalletCurrency.value !== 0)) {
        if (!line.tax.code) {
          return fail({
            type: 'missing_configuration',
            reason: `Tax code missing for the ${+(line.tax.rate * 100).toFixed(4)} % rate on line ${i + 1}: map the tax rate to the Accounting System's tax code in Pleo.`,
          });
        }
        const taxMinor = line.tax.amount.inWalletCurrency.value;
        // Reverse charge: nothing was paid as tax; it is self-assessed in and out.
        if (line.tax.type !== 'reverse') netMinor = grossMinor - taxMinor;
        tax = { code: line.tax.code, mode: line.tax.type, amount: money(taxMinor, currency) };
      }
      paid.push(money(grossMinor, currency).value);
      lines.push({
        account,
        net: money(netMinor, currency),
        ...(tax && { tax }),
        ...(line.tags?.length && { dimensions: line.tags.map((t) => ({ group: t.groupCode, value: t.code })) }),
      });
    }
    const total = money(item.amount.inWalletCurrency.value, currency);
    const linesTotal = sumDecimals(paid, currencyExponent(currency));
    if (!decimalsEqual(linesTotal, total.value)) {
      return fail({ type: 'validation_failure', reason: `The lines add up to ${linesTotal} ${currency} but the expense is ${total.value} ${currency}.` });
    }
    return {
      ok: true,
      vendor: mode === 'accounts_payable' ? item.vendor ?? null : null,
      entry: {
        reference: item.accountingEntryId,
        externalReference: item.additionalInformation.reconciliationId,
        mode,
        state: settings.postingState,
        date: item.date.slice(0, 10),
        description: descriptionOf(item),
        total,
        contraAccount: counter,
        lines,
      },
    };
  } catch (err) {
    if (err instanceof InvalidAmount) return fail({ type: 'validation_failure', reason: `Invalid amount: ${err.message}.` });
    throw err;
  }
}
