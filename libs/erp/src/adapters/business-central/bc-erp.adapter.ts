import { ErpAdapter, ErpCapabilities, ErpVendor, ExpenseBatchResult, ExpenseEntry, FileInput, OperationContext, PostedExpense, VendorInput, VendorQuery, batchFailure } from '../../erp-adapter.port';
import { ErpError } from '../../erp-errors';
import { postOneByOne } from '../../post-one-by-one';
import { checkEntryShape } from '../../entry-checks';
import { BcAttachments } from './bc-attachments';
import { BcClient } from './bc-client';
import { BcCompany } from './bc-entities';
import { BcJournalBookings } from './bc-journal';
import { BatchItem, BcJournalBatches } from './bc-journal-batch';
import { journalLines } from './bc-mapping';
import { BcLock } from './bc-lock';
import { BcPayables } from './bc-payables';
import { BcSettings } from './bc-settings';
import { BcTokens } from './bc-token';
import { BcVendors } from './bc-vendors';

export const BC_CAPABILITIES: ErpCapabilities = {
  idempotency: 'reference',
  requestsPerMinute: 1_200,
  postingModes: ['journal', 'accounts_payable'],
  vendorNameMustBeUnique: false,
  attachments: { supported: true, maxBytes: 350 * 1024 * 1024 },
};

export interface BcAdapterDeps {
  tokens: BcTokens;
  fetch: typeof fetch;
  lock: BcLock;
  /** the connection's key (its token share); journal locks are per BC company and journal, whichever connection posts */
  connectionKey: string;
  /** how BC counts a `$batch` toward its limits, for the rate governor (default: per operation) */
  batchCounts?: 'operation' | 'request';
}

/**
 * Microsoft Dynamics 365 Business Central (API v2.0) behind the ERP port: vendors, journal lines
 * posted per journal under a lock, purchase invoices posted and paid with vendor payments, receipts
 * as document attachments. BC has no idempotency keys: our reference rides on every record and is
 * looked up before anything is written.
 */
export class BusinessCentralErpAdapter implements ErpAdapter {
  readonly kind = 'business-central';
  readonly capabilities = BC_CAPABILITIES;
  readonly client: BcClient;
  private readonly vendors: BcVendors;
  private readonly journal: BcJournalBookings;
  private readonly journalBatches: BcJournalBatches;
  /** where journal-mode drafts wait for the bookkeeper (BC_DRAFT_JOURNAL_CODE), if configured */
  private readonly drafts?: BcJournalBookings;
  private readonly payables: BcPayables;
  readonly attachments: BcAttachments;

  constructor(settings: BcSettings, deps: BcAdapterDeps) {
    this.client = new BcClient({ apiUrl: settings.apiUrl, tenantId: settings.tenantId, environment: settings.environment, companyId: settings.companyId, batchCounts: deps.batchCounts }, deps.tokens, deps.fetch);
    this.vendors = new BcVendors(this.client);
    // per BC company, not per connection: two connections booking into one journal must take the same lock
    const lockKey = `bc:${settings.tenantId.toLowerCase()}:${settings.environment.toLowerCase()}:${settings.companyId.toLowerCase()}`;
    const journalLock = `${lockKey}:journal:${settings.journalCode}`;
    this.journal = new BcJournalBookings(this.client, deps.lock, journalLock, settings.journalCode);
    this.journalBatches = new BcJournalBatches(this.client, deps.lock, journalLock, this.journal);
    this.drafts = settings.draftJournalCode ? new BcJournalBookings(this.client, deps.lock, `${lockKey}:journal:${settings.draftJournalCode}`, settings.draftJournalCode, 'BC_DRAFT_JOURNAL_CODE') : undefined;
    this.payables = new BcPayables(this.client, deps.lock, lockKey, (amount, ctx) => this.journal.checkCurrency(amount, ctx));
    this.attachments = new BcAttachments(this.client, (ctx) => this.journal.journalId(ctx), this.drafts && ((ctx) => this.drafts!.journalId(ctx)));
  }

  async verifyConnection(ctx: OperationContext): Promise<void> {
    await this.client.get<BcCompany>('', 'reading the company', ctx);
    await this.journal.journalId(ctx);
    await this.journal.localCurrency(ctx);
    await this.drafts?.journalId(ctx);
  }

  findVendor(query: VendorQuery, ctx: OperationContext): Promise<ErpVendor | null> {
    return this.vendors.find(query, ctx);
  }

  createVendor(input: VendorInput, ctx: OperationContext): Promise<ErpVendor> {
    return this.vendors.create(input, ctx);
  }

  async postExpense(entry: ExpenseEntry, ctx: OperationContext): Promise<PostedExpense> {
    checkEntryShape(entry); // a refusal is a rejected promise, like every other
    if (!entry.lines.length) return this.payables.payOnly(entry, ctx);
    if (entry.mode === 'accounts_payable') return this.payables.post(entry, ctx);
    return entry.state === 'draft' && this.drafts ? this.drafts.leaveDraft(entry, ctx) : this.journal.post(entry, ctx);
  }

  /**
   * Many entries in few calls: posted journal entries go through `$batch` and ONE journal post
   * (BcJournalBatches); drafts, accounts-payable and payment-only entries one by one, as
   * postExpense books them. One result per entry, in order.
   */
  async postExpenses(entries: ExpenseEntry[], ctx: OperationContext): Promise<ExpenseBatchResult[]> {
    const results = new Map<string, ExpenseBatchResult>();
    const batched: BatchItem[] = [];
    const alone: ExpenseEntry[] = [];
    const seen = new Set<string>();
    for (const entry of entries) {
      try {
        checkEntryShape(entry);
        // a draft in journal mode goes alone: postExpense leaves it in the draft journal, or refuses it (it cannot wait in a journal posted as a whole)
        const batchable = entry.mode === 'journal' && entry.state === 'posted' && entry.lines.length > 0 && !seen.has(entry.reference);
        seen.add(entry.reference);
        if (batchable) batched.push({ entry, planned: journalLines(entry) });
        else alone.push(entry);
      } catch (err) {
        if (!(err instanceof ErpError)) throw err;
        results.set(entry.reference, batchFailure(entry.reference, err));
      }
    }
    if (batched.length) for (const r of await this.journalBatches.post(batched, ctx)) results.set(r.reference, r);
    for (const r of await postOneByOne((e, c) => this.postExpense(e, c), alone, ctx)) if (!results.has(r.reference) || r.status === 'posted') results.set(r.reference, r);
    return entries.map((e) => results.get(e.reference)!);
  }

  /**
   * Only what is finished: journal lines or a draft invoice / waiting payment that a process left
   * behind when it died before posting are NOT an answer (the export would report the entry booked
   * while nothing was posted). postExpense looks everything up first, reuses those and finishes.
   */
  async findPostedExpense(reference: string, ctx: OperationContext): Promise<PostedExpense | null> {
    return (await this.journal.findPosted(reference, ctx)) ?? (await this.payables.findFinished(reference, ctx));
  }

  attachFile(expenseId: string, file: FileInput, ctx: OperationContext): Promise<void> {
    return this.attachments.attach(expenseId, file, ctx);
  }
}
