import { createHash } from 'node:crypto';
import { ErpError } from '../../erp-errors';
import {
  ErpAdapter,
  ErpCapabilities,
  ErpVendor,
  ExpenseEntry,
  FileInput,
  OperationContext,
  PostedExpense,
  VendorInput,
  VendorQuery,
} from '../../erp-adapter.port';
import { TrytonBookings } from './tryton-bookings';
import { TrytonMasterData } from './tryton-master-data';
import { TrytonRpcClient } from './tryton-rpc.client';
import { TrytonSettings } from './tryton-settings';
import { TrytonVendors } from './tryton-vendors';
import { bytes } from './tryton-wire';

const ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024;
const EXPENSE_ID = /^account\.(invoice|move),(\d+)$/;

/**
 * Tryton 6.0 over JSON-RPC (issue #12). Vendors are parties, journal entries `account.move`,
 * accounts payable supplier invoices paid with Tryton's own pay wizard, receipts `ir.attachment`.
 * Our reference rides on each record (party identifier, `[pleo:<id>|…]` in the description), so
 * Tryton itself answers "was this booked?".
 */
export class TrytonErpAdapter implements ErpAdapter {
  readonly kind = 'tryton';
  readonly capabilities: ErpCapabilities = {
    idempotency: 'reference',
    requestsPerMinute: null,
    postingModes: ['journal', 'accounts_payable'],
    vendorNameMustBeUnique: false,
    attachments: { supported: true, maxBytes: ATTACHMENT_MAX_BYTES },
  };
  private readonly rpc: TrytonRpcClient;
  private readonly masterData: TrytonMasterData;
  private readonly vendors: TrytonVendors;
  private readonly bookings: TrytonBookings;

  constructor(settings: TrytonSettings, password: string, fetchFn: typeof fetch = fetch) {
    this.rpc = new TrytonRpcClient({ url: settings.url, database: settings.database, user: settings.user, password, fetch: fetchFn });
    this.masterData = new TrytonMasterData(this.rpc, settings);
    this.vendors = new TrytonVendors(this.rpc);
    this.bookings = new TrytonBookings(this.rpc);
  }

  private async context(ctx?: OperationContext) {
    const chart = await this.masterData.chart(ctx?.signal);
    return { chart, company: { company: chart.companyId } };
  }

  async verifyConnection(ctx?: OperationContext): Promise<void> {
    await this.masterData.reload(ctx?.signal);
  }

  async findVendor(query: VendorQuery, ctx?: OperationContext): Promise<ErpVendor | null> {
    const { company } = await this.context(ctx);
    return this.vendors.find(query, company, ctx?.signal);
  }

  async createVendor(input: VendorInput, ctx?: OperationContext): Promise<ErpVendor> {
    const { company } = await this.context(ctx);
    return this.vendors.create(input, company, ctx?.signal);
  }

  async postExpense(entry: ExpenseEntry, ctx?: OperationContext): Promise<PostedExpense> {
    const { chart } = await this.context(ctx);
    try {
      return await this.bookings.post(entry, chart, ctx?.signal);
    } catch (err) {
      // An account, tax or tag the cached chart lacks may have been created since: ask Tryton again
      // (these refusals come before anything is written).
      const masterData = err instanceof ErpError && err.kind === 'unknown_reference' && ['account', 'tax_code', 'dimension'].includes(err.subject ?? '');
      if (!masterData || Date.now() - chart.loadedAt < 1_000) throw err;
      return this.bookings.post(entry, await this.masterData.reload(ctx?.signal), ctx?.signal);
    }
  }

  async findPostedExpense(reference: string, ctx?: OperationContext): Promise<PostedExpense | null> {
    const { company } = await this.context(ctx);
    return this.bookings.find(reference, company, ctx?.signal);
  }

  /** Once per content: the attachment carries the file's SHA-256 in its description. */
  async attachFile(expenseId: string, file: FileInput, ctx?: OperationContext): Promise<void> {
    if (file.content.length > ATTACHMENT_MAX_BYTES) {
      throw new ErpError('validation', `The file ${file.fileName} is larger than the ${ATTACHMENT_MAX_BYTES} bytes we send to Tryton.`);
    }
    const match = EXPENSE_ID.exec(expenseId);
    if (!match) throw new ErpError('unknown_reference', `"${expenseId}" is not a Tryton entry id (account.move,N or account.invoice,N).`, { subject: 'entry' });
    const { company } = await this.context(ctx);
    const [, model, id] = match;
    const exists = await this.rpc.call<number[]>(`model.account.${model}.search`, [[['id', '=', Number(id)]], 0, 1, null, company], ctx?.signal);
    if (!exists.length) throw new ErpError('unknown_reference', `Tryton has no entry ${expenseId}.`, { subject: 'entry' });
    const description = `sha256:${createHash('sha256').update(file.content).digest('hex')}`;
    const already = await this.rpc.call<number[]>('model.ir.attachment.search', [[['resource', '=', expenseId], ['description', '=', description]], 0, 1, null, company], ctx?.signal);
    if (already.length) return;
    await this.rpc.call('model.ir.attachment.create', [[{ name: file.fileName, resource: expenseId, type: 'data', data: bytes(file.content), description }], company], ctx?.signal);
  }
}
