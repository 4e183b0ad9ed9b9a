import { ErpAdapter, ErpCapabilities, ErpVendor, ExpenseEntry, FileInput, OperationContext, PostedExpense, VendorInput, VendorQuery } from '../../erp-adapter.port';
import { ErpError } from '../../erp-errors';
import { XeroClient, XeroClientSettings } from './xero-client';
import { XeroContacts } from './xero-contacts';
import { XeroExpenses } from './xero-expenses';
import { XeroLookups } from './xero-lookups';
import { XeroBatches, XeroBatchResult } from './xero-batches';
import { XeroTokens } from './xero-tokens';

export const XERO_CAPABILITIES: ErpCapabilities = {
  idempotency: 'header',
  requestsPerMinute: 60,
  postingModes: ['journal', 'accounts_payable'],
  vendorNameMustBeUnique: true,
  attachments: { supported: true, maxBytes: 10 * 1024 * 1024 },
};

/**
 * Xero (Accounting API 2.0) behind the ERP port: vendors are contacts, expenses are spend money,
 * manual journals or bills with payments, receipts are attachments. One adapter per connection
 * (tenant); its fetch is the connection's governed fetch.
 */
export class XeroErpAdapter implements ErpAdapter {
  readonly kind = 'xero';
  readonly capabilities = XERO_CAPABILITIES;
  private readonly client: XeroClient;
  private readonly contacts: XeroContacts;
  private readonly expenses: XeroExpenses;
  private readonly batches: XeroBatches;

  constructor(settings: XeroClientSettings, tokens: XeroTokens, fetchFn: typeof fetch = fetch) {
    this.client = new XeroClient(settings, tokens, fetchFn);
    this.contacts = new XeroContacts(this.client);
    const lookups = new XeroLookups(this.client);
    this.expenses = new XeroExpenses(this.client, this.contacts, lookups);
    this.batches = new XeroBatches(this.client, this.contacts, lookups, this.expenses);
  }

  async verifyConnection(ctx: OperationContext): Promise<void> {
    const answer = await this.client.get('reading the organisation', ctx, (init) => this.client.api.GET('/Organisation', { params: { header: init.header }, headers: init.headers, signal: init.signal }));
    if (!answer.Organisations?.length) throw new ErpError('configuration', 'Xero returned no organisation for XERO_TENANT_ID: check the tenant id (GET /connections lists the connected ones).');
  }

  findVendor(query: VendorQuery, ctx: OperationContext): Promise<ErpVendor | null> {
    return this.contacts.find(query, ctx);
  }

  /** Contacts by ContactID, 50 to a call. */
  findVendorsByIds(ids: string[], ctx: OperationContext): Promise<Map<string, ErpVendor>> {
    return this.contacts.byIds(ids, ctx);
  }

  createVendor(input: VendorInput, ctx: OperationContext): Promise<ErpVendor> {
    return this.contacts.create(input, ctx);
  }

  postExpense(entry: ExpenseEntry, ctx: OperationContext): Promise<PostedExpense> {
    return this.expenses.post(entry, ctx);
  }

  /** Many entries in few calls (Xero's limits are per call): one result per entry, in order. */
  postExpenses(entries: ExpenseEntry[], ctx: OperationContext): Promise<XeroBatchResult[]> {
    return this.batches.post(entries, ctx);
  }

  findPostedExpense(reference: string, ctx: OperationContext): Promise<PostedExpense | null> {
    return this.expenses.find(reference, ctx);
  }

  attachFile(expenseId: string, file: FileInput, ctx: OperationContext): Promise<void> {
    return this.expenses.attach(expenseId, file, ctx);
  }
}
