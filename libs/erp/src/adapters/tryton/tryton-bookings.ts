import { ErpError } from '../../erp-errors';
import { decimalsEqual, sumDecimals } from '../../decimal';
import { ExpenseEntry, ExpensePayment, PostedExpense } from '../../erp-adapter.port';
import { CurrencyPlan, currencyPlan } from './tryton-currency';
import { checkEntry, invoiceLines, moveLines, pleoTaxes } from './tryton-entry-lines';
import { TrytonChart } from './tryton-master-data';
import { TrytonRpcClient } from './tryton-rpc.client';
import { day, decimal, startsWith } from './tryton-wire';

/**
 * What we meant to book travels on the record itself, in its description: `[pleo:<reference>|<intent>]`.
 * So a reader (after a crash, a timeout) can tell a finished entry from one half-way through.
 */
type Intent = 'draft' | 'post' | 'post+pay' | 'payment';
const marker = (reference: string, intent: Intent) => `[pleo:${reference}|${intent}]`;
const intentOf = (description: unknown): Intent | null => (/^\[pleo:[^|\]]*\|([a-z+]+)\]/.exec(String(description ?? ''))?.[1] as Intent) ?? null;

/** The vendor as a Tryton party id; anything else (an id from another ERP) is not a vendor Tryton holds. */
function partyId(entry: ExpenseEntry): number {
  if (!/^\d+$/.test(entry.vendorId ?? '')) {
    throw new ErpError('unknown_reference', `The vendor ${entry.vendorId} is not a Tryton party id.`, { subject: 'vendor' });
  }
  return Number(entry.vendorId);
}

type Row = { id: number; state: string; description: string; number: string | null; post_number?: string | null; reference?: string | null };
interface Found {
  invoice?: Row;
  move?: Row;
  payment?: Row;
}

/** Journal entries (`account.move`), supplier invoices (`account.invoice`, type in) and their payments. */
export class TrytonBookings {
  constructor(private readonly rpc: TrytonRpcClient) {}

  private search(model: string, domain: unknown[], fields: string[], ctx: object, signal?: AbortSignal): Promise<Row[]> {
    return this.rpc.call<Row[]>(`model.${model}.search_read`, [domain, 0, 2, [['id', 'ASC']], fields, ctx], signal);
  }

  private async locate(reference: string, ctx: object, signal?: AbortSignal): Promise<Found> {
    const like = startsWith(`[pleo:${reference}|`);
    const [invoices, moves] = await Promise.all([
      this.search('account.invoice', [['type', '=', 'in'], ['state', '!=', 'cancelled'], ['description', 'like', like]], ['state', 'description', 'number', 'reference'], ctx, signal),
      this.search('account.move', [['description', 'like', like]], ['state', 'description', 'number', 'post_number'], ctx, signal),
    ]);
    return {
      invoice: invoices[0],
      move: moves.find((m) => intentOf(m.description) !== 'payment'),
      payment: moves.find((m) => intentOf(m.description) === 'payment'),
    };
  }

  /** The entry, only when it is finished as it was meant to be (otherwise postExpense resumes it). */
  async find(reference: string, ctx: object, signal?: AbortSignal): Promise<PostedExpense | null> {
    const found = await this.locate(reference, ctx, signal);
    const payment = found.payment && { paymentId: `account.move,${found.payment.id}` };
    if (found.invoice) {
      const { invoice } = found;
      const intent = intentOf(invoice.description);
      const done = intent === 'draft' ? invoice.state === 'validated' : ['posted', 'paid'].includes(invoice.state) && (intent !== 'post+pay' || !!payment);
      return done ? { id: `account.invoice,${invoice.id}`, number: invoice.number ?? `draft invoice ${invoice.id}`, ...payment } : null;
    }
    if (found.move) {
      const done = intentOf(found.move.description) === 'draft' || found.move.state === 'posted';
      return done ? { id: `account.move,${found.move.id}`, number: found.move.post_number ?? found.move.number ?? String(found.move.id) } : null;
    }
    if (found.payment) return { id: `account.move,${found.payment.id}`, number: found.payment.post_number ?? String(found.payment.id), ...payment };
    return null;
  }

  /** Books the entry once per reference, resuming one a crash left half-way. */
  async post(entry: ExpenseEntry, chart: TrytonChart, signal?: AbortSignal): Promise<PostedExpense> {
    checkEntry(chart, entry);
    const ctx = { company: chart.companyId };
    const plan = await currencyPlan(this.rpc, chart, entry, ctx, signal);
    const found = await this.locate(entry.reference, ctx, signal);
    if (entry.mode === 'journal') await this.journal(entry, chart, plan, found, ctx, signal);
    else if (entry.lines.length) await this.invoice(entry, chart, plan, found, ctx, signal);
    else if (!found.payment) await this.pay(await this.billPaidBy(entry, ctx, signal), entry, entry.payment!, chart, ctx, signal);
    const posted = await this.find(entry.reference, ctx, signal);
    if (!posted) throw new ErpError('unavailable', `Tryton did not keep the entry ${entry.reference} as booked; retrying.`, { mayHaveApplied: true });
    return posted;
  }

  private async journal(entry: ExpenseEntry, chart: TrytonChart, plan: CurrencyPlan | null, found: Found, ctx: object, signal?: AbortSignal) {
    let id = found.move?.id;
    if (!id) {
      const period = await this.period(chart, entry.date, ctx, signal);
      [id] = await this.rpc.call<number[]>('model.account.move.create', [[{
        journal: chart.journal, company: chart.companyId, period, date: day(entry.date),
        description: `${marker(entry.reference, entry.state === 'posted' ? 'post' : 'draft')} ${entry.description}`,
        lines: [['create', moveLines(chart, entry, plan)]],
      }], ctx], signal);
    }
    if (entry.state === 'posted' && found.move?.state !== 'posted') await this.rpc.call('model.account.move.post', [[id], ctx], signal);
  }

  /** A supplier invoice in the entry's currency (Tryton converts it at its rate when posting). */
  private async invoice(entry: ExpenseEntry, chart: TrytonChart, plan: CurrencyPlan | null, found: Found, ctx: object, signal?: AbortSignal) {
    let invoice = found.invoice;
    if (!invoice) {
      const party = partyId(entry);
      const [address] = await this.rpc.call<number[]>('model.party.address.search', [[['party', '=', party]], 0, 1, [['sequence', 'ASC'], ['id', 'ASC']], ctx], signal);
      if (!address) throw new ErpError('unknown_reference', `The vendor ${entry.vendorId} does not exist in Tryton or has no address.`, { subject: 'vendor' });
      const intent: Intent = entry.state === 'draft' ? 'draft' : entry.payment ? 'post+pay' : 'post';
      const [id] = await this.rpc.call<number[]>('model.account.invoice.create', [[{
        type: 'in', company: chart.companyId, party, invoice_address: address, journal: chart.invoiceJournal,
        ...(plan?.converted && { currency: plan.second }),
        account: chart.accounts.get(entry.contraAccount)?.id ?? this.unknownAccount(entry.contraAccount),
        invoice_date: day(entry.invoice?.date ?? entry.date), accounting_date: day(entry.date),
        ...(entry.invoice?.number && { reference: entry.invoice.number }),
        description: `${marker(entry.reference, intent)} ${entry.description}`,
        lines: [['create', invoiceLines(chart, entry, party).map((l) => ({ ...l, ...(plan?.converted && { currency: plan.second }) }))]],
      }], ctx], signal);
      invoice = { id, state: 'draft', description: '', number: null };
    }
    if (invoice.state === 'draft') await this.rpc.call('model.account.invoice.validate_invoice', [[invoice.id], ctx], signal);
    // Also when resuming one a crash left validated: nothing is posted unchecked.
    if (['draft', 'validated'].includes(invoice.state)) await this.checkInvoiceTaxes(invoice.id, entry, chart, ctx, signal);
    if (entry.state === 'posted' && ['draft', 'validated'].includes(invoice.state)) {
      await this.rpc.call('model.account.invoice.post', [[invoice.id], ctx], signal);
    }
    if (entry.payment && !found.payment) await this.pay(invoice.id, entry, entry.payment, chart, ctx, signal);
  }

  private unknownAccount(code: string): never {
    throw new ErpError('unknown_reference', `Account ${code} does not exist in Tryton's chart of accounts.`, { subject: 'account' });
  }

  /**
   * Tryton's taxes must equal Pleo's. Each line was checked before the invoice was written; this
   * catches what only the whole document shows (Tryton rounds tax per document), and cancels it.
   */
  private async checkInvoiceTaxes(id: number, entry: ExpenseEntry, chart: TrytonChart, ctx: object, signal?: AbortSignal) {
    const [invoice] = await this.rpc.call<{ taxes: number[]; total_amount: string }[]>('model.account.invoice.read', [[id], ['taxes', 'total_amount'], ctx], signal);
    const lines = invoice.taxes.length ? await this.rpc.call<{ tax: number; amount: string }[]>('model.account.invoice.tax.read', [invoice.taxes, ['tax', 'amount'], ctx], signal) : [];
    const codeOf = new Map([...chart.taxes.values()].map((t) => [t.accounts[0].taxId, t.name]));
    const collected = new Map<string, string[]>();
    for (const l of lines) {
      const code = codeOf.get(l.tax);
      if (code) collected.set(code, [...(collected.get(code) ?? []), l.amount]);
    }
    const tryton = new Map([...collected].map(([code, amounts]) => [code, sumDecimals(amounts, 2)]));
    const pleo = pleoTaxes(entry);
    const differences = [...new Set([...pleo.keys(), ...tryton.keys()])].filter((code) => !decimalsEqual(pleo.get(code) ?? '0', tryton.get(code) ?? '0'));
    if (!differences.length && decimalsEqual(invoice.total_amount, entry.total.value)) return;
    // Validation numbered it, so it cannot be deleted: cancelled, it stays visible and is never ours again.
    await this.rpc.call('model.account.invoice.cancel', [[id], ctx], signal);
    const detail = differences.map((c) => `${c}: Tryton ${tryton.get(c) ?? '0.00'}, Pleo ${pleo.get(c) ?? '0.00'}`).join('; ');
    throw new ErpError('validation', `Tryton computes different taxes than Pleo (${detail || `total ${invoice.total_amount} vs ${entry.total.value}`}); nothing was booked. Correct the tax in Pleo or Tryton.`);
  }

  private async billPaidBy(entry: ExpenseEntry, ctx: object, signal?: AbortSignal): Promise<number> {
    const number = entry.invoice!.number!;
    const [bill] = await this.search('account.invoice', [['type', '=', 'in'], ['party', '=', partyId(entry)], ['reference', '=', number]], ['state', 'description', 'number'], ctx, signal);
    if (!bill) {
      throw new ErpError('unknown_reference', `Tryton has no bill ${number} from this vendor to apply the payment to. Export the invoice first.`, { subject: 'invoice' });
    }
    if (bill.state !== 'posted') throw new ErpError('validation', `The bill ${number} is ${bill.state} in Tryton; only a posted, unpaid bill can take the payment.`);
    return bill.id;
  }

  /** Tryton's own "Pay" wizard: a payment move on the method's journal, reconciled with the bill. */
  private async pay(invoiceId: number, entry: ExpenseEntry, payment: ExpensePayment, chart: TrytonChart, ctx: object, signal?: AbortSignal) {
    const wctx = { ...ctx, active_model: 'account.invoice', active_id: invoiceId, active_ids: [invoiceId] };
    const [session] = await this.rpc.call<[number]>('wizard.account.invoice.pay.create', [ctx], signal);
    try {
      const start = await this.rpc.call<{ view: { defaults: Record<string, unknown> } }>('wizard.account.invoice.pay.execute', [session, {}, 'start', wctx], signal);
      const defaults = Object.fromEntries(Object.entries(start.view.defaults).filter(([k]) => !k.endsWith('.')));
      const toPay = String(defaults.amount);
      const answer = await this.rpc.call<{ view?: unknown }>('wizard.account.invoice.pay.execute', [session, {
        start: { ...defaults, amount: decimal(payment.amount.value), currency: defaults.currency, company: defaults.company, date: day(payment.date), payment_method: chart.paymentMethods.get(payment.account), description: `${marker(entry.reference, 'payment')} ${entry.description}`.slice(0, 250) },
      }, 'choice', wctx], signal);
      if (answer?.view) throw new ErpError('validation', `The payment of ${payment.amount.value} does not settle the bill: Tryton has ${toPay} left to pay on it.`);
    } finally {
      await this.rpc.call('wizard.account.invoice.pay.delete', [session, wctx], signal).catch(() => undefined);
    }
  }

  private async period(chart: TrytonChart, date: string, ctx: object, signal?: AbortSignal): Promise<number> {
    const [period] = await this.search('account.period', [['company', '=', chart.companyId], ['type', '=', 'standard'], ['start_date', '<=', day(date)], ['end_date', '>=', day(date)]], ['state'], ctx, signal);
    if (!period) throw new ErpError('locked_period', `Tryton has no open fiscal period for ${date}: create the fiscal year in Tryton.`);
    if (period.state !== 'open') throw new ErpError('locked_period', `The period of ${date} is ${period.state} in Tryton.`);
    return period.id;
  }
}
