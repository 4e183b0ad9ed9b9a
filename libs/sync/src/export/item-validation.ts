import { ExportItem } from '@app/pleo';
import { ItemFailure } from './item-failure';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Pleo addresses items by uuid: an item without one can be neither booked nor reported. */
export const isUuid = (id: unknown): id is string => typeof id === 'string' && UUID.test(id);
const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
const isMoney = (v: unknown) => isObject(v) && typeof v.currency === 'string' && typeof v.value === 'number' && Number.isFinite(v.value);
const isAmount = (v: unknown) => isObject(v) && isMoney(v.inWalletCurrency);
/** A value quoted in a message, kept short (it comes from outside). */
const quote = (v: unknown) => {
  const text = JSON.stringify(v) ?? 'nothing';
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
};

/** A strict date-time: parses, and its calendar day exists (2025-13-45 does not). */
function validDate(value: unknown): boolean {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}(T|$)/.test(value)) return false;
  const ms = Date.parse(value);
  return !Number.isNaN(ms) && new Date(Date.UTC(+value.slice(0, 4), +value.slice(5, 7) - 1, +value.slice(8, 10))).toISOString().slice(0, 10) === value.slice(0, 10);
}

/**
 * The shape checks an export item must pass before it reaches the ledger (whose key is a uuid) or
 * the mapping (R3): one malformed item fails alone, with Pleo's reason type and what was wrong,
 * and the rest of the page goes on. Only what the service reads is checked.
 */
export function validateItem(raw: unknown, companyId: string): ItemFailure | null {
  const bad = (what: string): ItemFailure => ({ type: 'validation_failure', reason: `Pleo sent this expense with ${what}; it cannot be booked. Export it again, or book it by hand.` });
  if (!isObject(raw)) return bad('no data');
  const item = raw as unknown as ExportItem;
  if (typeof item.accountingEntryId !== 'string' || !UUID.test(item.accountingEntryId)) return bad(`an invalid accountingEntryId (${quote(item.accountingEntryId)})`);
  if (typeof item.companyId !== 'string' || item.companyId.toLowerCase() !== companyId.toLowerCase()) return bad(`the company ${quote(item.companyId)}, not the export job's company`);
  if (typeof item.type !== 'string' || !item.type) return bad('no type');
  if (!validDate(item.date)) return bad(`an invalid date (${quote(item.date)})`);
  if (!isAmount(item.amount)) return bad('no amount');
  if (!isObject(item.additionalInformation)) return bad('no additional information');
  if (!Array.isArray(item.accountingEntryLines)) return bad('no accounting lines');
  for (const [i, line] of (item.accountingEntryLines as unknown[]).entries()) {
    const at = `line ${i + 1}`;
    if (!isObject(line) || !isAmount(line.lineAmount)) return bad(`no amount on ${at}`);
    if (line.netAmount !== undefined && line.netAmount !== null && !isAmount(line.netAmount)) return bad(`an invalid net amount on ${at}`);
    if (line.tax !== undefined && line.tax !== null) {
      const tax = line.tax;
      if (!isObject(tax) || typeof tax.rate !== 'number' || !isAmount(tax.amount) || !['inclusive', 'exclusive', 'reverse'].includes(String(tax.type))) return bad(`an invalid tax on ${at}`);
    }
  }
  if (item.vendor !== undefined && item.vendor !== null && (!isObject(item.vendor) || typeof item.vendor.id !== 'string')) return bad('an invalid vendor');
  if (item.files !== undefined && item.files !== null && (!Array.isArray(item.files) || item.files.some((f) => !isObject(f) || typeof f.url !== 'string'))) return bad('invalid receipt files');
  return null;
}
