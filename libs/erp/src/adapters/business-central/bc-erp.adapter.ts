import { ErpAdapter, ErpCapabilities, ErpVendor, ExpenseEntry, FileInput, OperationContext, PostedExpense, VendorInput, VendorQuery } from '../../erp-adapter.port';
import { checkEntryShape } from '../../entry-checks';
import { BcAttachments } from './bc-attachments';
import { BcClient } from './bc-client';
import { BcCompany } from './bc-entities';
import { BcJournalBookings } from './bc-journal';
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
  /** the connection's key: journal locks are per connection and journal */
  connectionKey: string;
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
  private readonly payables: BcPayables;
  readonly attachments: BcAttachments;

  constructor(settings: BcSettings, deps: BcAdapterDeps) {
    this.client = new BcClient({ apiUrl: settings.apiUrl, tenantId: settings.tenantId, environment: settings.environment, companyId: settings.companyId }, deps.tokens, deps.fetch);
    this.vendors = new BcVendors(this.client);
    const lockKey = `bc:${deps.connectionKey}:${settings.companyId}`;
    this.journal = new BcJournalBookings(this.client, deps.lock, `${lockKey}:journal:${settings.journalCode}`, settings.journalCode);
    this.payables = new BcPayables(this.client, deps.lock, lockKey);
    this.attachments = new BcAttachments(this.client, (ctx) => this.journal.journalId(ctx));
  }

  async verifyConnection(ctx: OperationContext): Promise<void> {
    await this.client.get<BcCompany>('', 'reading the company', ctx);
    await this.journal.journalId(ctx);
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
    return entry.mode === 'accounts_payable' ? this.payables.post(entry, ctx) : this.journal.post(entry, ctx);
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
