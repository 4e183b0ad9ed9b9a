import { checkEntryShape } from '../../entry-checks';
import { ExpenseBatchResult, ExpenseEntry, OperationContext, batchFailure } from '../../erp-adapter.port';
import { ErpError } from '../../erp-errors';
import { XeroClient, idempotencyKey } from './xero-client';
import { XeroContacts } from './xero-contacts';
import { XeroExpenses, created, posted } from './xero-expenses';
import { bill, manualJournal, referenceTag, spendMoney } from './xero-documents';
import { XeroLookups } from './xero-lookups';

/** One result per entry: what was booked, or why this entry (alone) failed or is unknown. */
export type XeroBatchResult = ExpenseBatchResult;

/** Xero takes up to 50 elements per request comfortably (its body limit is 3.5 MB). */
export const BATCH_SIZE = 50;

const chunks = <T>(items: T[]) => Array.from({ length: Math.ceil(items.length / BATCH_SIZE) }, (_, i) => items.slice(i * BATCH_SIZE, (i + 1) * BATCH_SIZE));
const failure = (err: unknown): ErpError => (err instanceof ErpError ? err : new ErpError('unavailable', (err as Error).message, { cause: err }));

/**
 * Entries written in batches (`summarizeErrors=false`: Xero answers 200 and marks each element OK
 * or ERROR), one Idempotency-Key per batch, so a large export fits Xero's 60 calls a minute.
 * Spend money, manual journals and unpaid bills are batched; paid bills and payments (two
 * dependent writes) go one by one. A whole-call failure (429, 5xx, cut connection) is every
 * entry's failure, with the same retry hints, so the caller retries or reconciles them alone.
 */
export class XeroBatches {
  constructor(
    private readonly client: XeroClient,
    private readonly contacts: XeroContacts,
    private readonly lookups: XeroLookups,
    private readonly expenses: XeroExpenses,
  ) {}

  async post(entries: ExpenseEntry[], ctx: OperationContext): Promise<XeroBatchResult[]> {
    const results = new Map<string, XeroBatchResult>();
    const spend: ExpenseEntry[] = [];
    const journals: ExpenseEntry[] = [];
    const bills: ExpenseEntry[] = [];
    for (const entry of entries) {
      try {
        checkEntryShape(entry);
        if (!entry.lines.length || entry.payment) {
          results.set(entry.reference, { reference: entry.reference, status: 'posted', posted: await this.expenses.post(entry, ctx) });
          continue;
        }
        await this.lookups.checkTracking(entry, ctx);
        if (entry.mode === 'accounts_payable') {
          if (!entry.vendorId) throw new ErpError('validation', `The bill ${entry.reference} has no vendor; Xero books a bill against a contact.`, { subject: 'vendor' });
          bills.push(entry);
        } else if (await this.lookups.isBankAccount(entry.contraAccount, ctx)) spend.push(entry);
        else {
          await this.expenses.checkJournalCurrency(entry, ctx);
          journals.push(entry);
        }
      } catch (err) {
        results.set(entry.reference, batchFailure(entry.reference, failure(err)));
      }
    }
    for (const batch of chunks(spend)) await this.write(batch, results, 'spend', ctx);
    for (const batch of chunks(journals)) await this.write(batch, results, 'journal', ctx);
    for (const batch of chunks(bills)) await this.write(batch, results, 'bill', ctx);
    return entries.map((e) => results.get(e.reference)!);
  }

  private async write(batch: ExpenseEntry[], results: Map<string, XeroBatchResult>, kind: 'spend' | 'journal' | 'bill', ctx: OperationContext): Promise<void> {
    const what = `booking ${batch.length} ${kind === 'spend' ? 'spend money transactions' : kind === 'journal' ? 'manual journals' : 'bills'}`;
    const key = (body: unknown) => idempotencyKey(`${kind}-batch`, `${batch[0].reference}+${batch.length - 1}`, body);
    try {
      let elements: { id?: string; number?: string; el: { StatusAttributeString?: string; ValidationErrors?: { Message?: string }[] } }[];
      if (kind === 'spend') {
        const cardSpend = batch.some((e) => !e.vendorId) ? await this.contacts.cardSpendContact(ctx) : '';
        const body = { BankTransactions: batch.map((e) => spendMoney(e, e.vendorId ?? cardSpend)) };
        const answer = await this.client.write(what, ctx, key(body), (init) =>
          this.client.api.PUT('/BankTransactions', { params: { header: init.header, query: { summarizeErrors: false } }, headers: init.headers, signal: init.signal, body }),
        );
        elements = (answer.BankTransactions ?? []).map((d) => ({ id: d.BankTransactionID, number: d.Reference, el: d }));
      } else if (kind === 'journal') {
        const body = { ManualJournals: batch.map(manualJournal) };
        const answer = await this.client.write(what, ctx, key(body), (init) =>
          this.client.api.PUT('/ManualJournals', { params: { header: init.header, query: { summarizeErrors: false } }, headers: init.headers, signal: init.signal, body }),
        );
        elements = (answer.ManualJournals ?? []).map((d) => ({ id: d.ManualJournalID, el: d }));
      } else {
        const body = { Invoices: batch.map((e) => bill(e, e.vendorId!)) };
        const answer = await this.client.write(what, ctx, key(body), (init) =>
          this.client.api.PUT('/Invoices', { params: { header: init.header, query: { summarizeErrors: false } }, headers: init.headers, signal: init.signal, body }),
        );
        elements = (answer.Invoices ?? []).map((d) => ({ id: d.InvoiceID, number: d.InvoiceNumber, el: d }));
      }
      if (elements.length !== batch.length) throw new ErpError('unavailable', `Xero answered ${elements.length} elements for ${batch.length} when ${what}; they will be checked before any retry.`, { mayHaveApplied: true });
      batch.forEach((entry, i) => {
        try {
          created([elements[i].el], `${what} (${entry.reference})`);
          results.set(entry.reference, { reference: entry.reference, status: 'posted', posted: posted(kind, elements[i].id!, elements[i].number ?? referenceTag(entry.reference)) });
        } catch (err) {
          results.set(entry.reference, batchFailure(entry.reference, failure(err)));
        }
      });
    } catch (err) {
      for (const entry of batch) results.set(entry.reference, batchFailure(entry.reference, failure(err)));
    }
  }
}
