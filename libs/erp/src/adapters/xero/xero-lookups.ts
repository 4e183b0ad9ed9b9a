import { ExpenseEntry, OperationContext } from '../../erp-adapter.port';
import { ErpError } from '../../erp-errors';
import { XeroClient } from './xero-client';

const TTL_MS = 10 * 60_000;

/**
 * The organisation's settings the adapter decides by — which account codes are bank accounts,
 * which tracking options exist — read once and kept for ten minutes (two calls, not one per entry).
 */
export class XeroLookups {
  private banks?: { at: number; codes: Set<string> };
  private tracking?: { at: number; options: Map<string, Set<string>> };
  private base?: string;

  constructor(
    private readonly client: XeroClient,
    private readonly now: () => number = Date.now,
  ) {}

  async isBankAccount(code: string, ctx: OperationContext): Promise<boolean> {
    if (!this.banks || this.now() - this.banks.at > TTL_MS) {
      const answer = await this.client.get('reading the bank accounts', ctx, (init) =>
        this.client.api.GET('/Accounts', { params: { header: init.header, query: { where: 'Type=="BANK"' } }, headers: init.headers, signal: init.signal }),
      );
      this.banks = { at: this.now(), codes: new Set((answer.Accounts ?? []).filter((a) => a.Status !== 'ARCHIVED' && a.Code).map((a) => a.Code!)) };
    }
    return this.banks.codes.has(code);
  }

  /** The organisation's base currency: manual journals have no currency and are booked in it. */
  async baseCurrency(ctx: OperationContext): Promise<string> {
    if (!this.base) {
      const answer = await this.client.get('reading the organisation', ctx, (init) => this.client.api.GET('/Organisation', { params: { header: init.header }, headers: init.headers, signal: init.signal }));
      this.base = String(answer.Organisations?.[0]?.BaseCurrency ?? '');
    }
    return this.base;
  }

  /** Every tag of the entry must be an active option of a tracking category of that name. */
  async checkTracking(entry: ExpenseEntry, ctx: OperationContext): Promise<void> {
    const wanted = entry.lines.flatMap((l) => l.dimensions ?? []);
    if (!wanted.length) return;
    if (!this.tracking || this.now() - this.tracking.at > TTL_MS) {
      const answer = await this.client.get('reading the tracking categories', ctx, (init) =>
        this.client.api.GET('/TrackingCategories', { params: { header: init.header }, headers: init.headers, signal: init.signal }),
      );
      this.tracking = {
        at: this.now(),
        options: new Map((answer.TrackingCategories ?? []).map((c) => [c.Name ?? '', new Set((c.Options ?? []).filter((o) => o.Status !== 'ARCHIVED').map((o) => o.Name ?? ''))])),
      };
    }
    const categories = this.tracking.options;
    for (const { group, value } of wanted) {
      const options = categories.get(group);
      if (!options || !options.has(value)) this.tracking = undefined; // a person may be adding it right now: read again next time
      if (!options) throw new ErpError('unknown_reference', `Xero has no tracking category "${group}" (Pleo tag group). Create it in Xero (Settings → Tracking categories) or rename the tag group in Pleo.`, { subject: 'dimension' });
      if (!options.has(value)) throw new ErpError('unknown_reference', `Xero's tracking category "${group}" has no option "${value}" (Pleo tag). Add the option in Xero or change the tag in Pleo.`, { subject: 'dimension' });
    }
  }
}
