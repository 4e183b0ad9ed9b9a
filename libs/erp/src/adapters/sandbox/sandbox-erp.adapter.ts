import { createHash, randomUUID } from 'node:crypto';
import { PrismaService, isDatabaseUnavailable, isUniqueViolation } from '@app/database';
import { ErpError } from '../../erp-errors';
import { checkEntry } from './sandbox-entry-rules';
import { postOneByOne } from '../../post-one-by-one';
import {
  ErpAdapter,
  ErpCapabilities,
  ErpVendor,
  ExpenseBatchResult,
  ExpenseEntry,
  FileInput,
  OperationContext,
  PostedExpense,
  VendorInput,
  VendorQuery,
} from '../../erp-adapter.port';

const NAME_MAX = 100; // as in Business Central's Vendor.Name
const ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024;

type SandboxVendorRow = { id: string; number: string; name: string; reference: string | null; taxNumber: string | null };
const toVendor = (v: SandboxVendorRow): ErpVendor => ({
  id: v.id,
  code: v.number,
  name: v.name,
  reference: v.reference,
  taxNumber: v.taxNumber,
});
const nameKey = (name: string) => name.trim().toLowerCase();

/** The book of the environment's default connection (rows from before books existed are in it). */
export const DEFAULT_SANDBOX_BOOK = 'default';
/** The sandbox_settings key of a book's offline switch. */
export const sandboxOfflineKey = (book: string) => (book === DEFAULT_SANDBOX_BOOK ? 'offline' : `offline:${book}`);

/**
 * A simulated ERP kept in this service's own PostgreSQL tables (sandbox_*), so the whole flow runs
 * with no ERP account and a user can look at the result (GET /admin/sandbox/vendors). Each
 * connection has its own book (vendors, entries, chart), as each would have its own ERP
 * organisation; a new book starts with a copy of the default chart. It behaves like a strict ERP: it numbers vendors and entries itself, refuses duplicate vendor names and
 * over-long names, and deduplicates entries by their external reference.
 */
export class SandboxErpAdapter implements ErpAdapter {
  readonly kind = 'sandbox';
  readonly capabilities: ErpCapabilities = {
    idempotency: 'reference',
    requestsPerMinute: null,
    postingModes: ['journal', 'accounts_payable'],
    vendorNameMustBeUnique: true,
    attachments: { supported: true, maxBytes: ATTACHMENT_MAX_BYTES },
  };

  constructor(
    private readonly prisma: PrismaService,
    readonly book: string = DEFAULT_SANDBOX_BOOK,
  ) {}

  /**
   * Master data (chart of accounts, tax codes) and the offline switch, cached briefly as an adapter
   * for a real ERP would cache them: one look-up per entry would dominate an export's cost.
   */
  private chart?: { accounts: Set<string>; taxCodes: Set<string>; offline: boolean; loadedAt: number };
  private static readonly CHART_TTL_MS = 1_000;

  async verifyConnection(_ctx?: OperationContext): Promise<void> {
    await this.guard(async () => this.assertOnline(await this.loadChart(true)));
  }

  /** The "offline" switch (sandbox_settings) makes the sandbox answer like an unreachable ERP. */
  private assertOnline(chart: { offline: boolean }): void {
    if (chart.offline) throw new ErpError('unavailable', 'The sandbox ERP is switched offline (POST /admin/sandbox/availability).');
  }

  private async loadChart(fresh = false) {
    if (!fresh && this.chart && Date.now() - this.chart.loadedAt < SandboxErpAdapter.CHART_TTL_MS) return this.chart;
    const book = this.book;
    const read = () =>
      Promise.all([
        this.prisma.sandboxAccount.findMany({ where: { book }, select: { code: true } }),
        this.prisma.sandboxTaxCode.findMany({ where: { book }, select: { code: true } }),
        this.prisma.sandboxSetting.findUnique({ where: { key: sandboxOfflineKey(book) }, select: { value: true } }),
      ]);
    let [accounts, taxCodes, offline] = await read();
    if (!accounts.length && book !== DEFAULT_SANDBOX_BOOK) {
      await this.copyDefaultChart();
      [accounts, taxCodes, offline] = await read();
    }
    this.chart = {
      accounts: new Set(accounts.map((a) => a.code)),
      taxCodes: new Set(taxCodes.map((t) => t.code)),
      offline: offline?.value === 'true',
      loadedAt: Date.now(),
    };
    return this.chart;
  }

  /** A new book is a new organisation set up from the standard chart (idempotent across workers). */
  private async copyDefaultChart(): Promise<void> {
    await this.prisma.$executeRaw`INSERT INTO sandbox_accounts (book, code, name)
      SELECT ${this.book}, code, name FROM sandbox_accounts WHERE book = ${DEFAULT_SANDBOX_BOOK} ON CONFLICT DO NOTHING`;
    await this.prisma.$executeRaw`INSERT INTO sandbox_tax_codes (book, code, rate, name)
      SELECT ${this.book}, code, rate, name FROM sandbox_tax_codes WHERE book = ${DEFAULT_SANDBOX_BOOK} ON CONFLICT DO NOTHING`;
  }

  async findVendor(query: VendorQuery, _ctx?: OperationContext): Promise<ErpVendor | null> {
    return this.guard(async () => {
      const select = { id: true, number: true, name: true, reference: true, taxNumber: true };
      const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
      const byId = query.id && uuid.test(query.id) ? await this.prisma.sandboxVendor.findFirst({ where: { id: query.id, book: this.book }, select }) : null;
      const byCode = byId ?? (query.code ? await this.prisma.sandboxVendor.findFirst({ where: { number: query.code, book: this.book }, select }) : null);
      if (byCode) return toVendor(byCode);
      const byReference = query.reference
        ? await this.prisma.sandboxVendor.findUnique({ where: { book_reference: { book: this.book, reference: query.reference } }, select })
        : null;
      const byTax =
        byReference ?? (query.taxNumber ? await this.prisma.sandboxVendor.findFirst({ where: { book: this.book, taxNumber: query.taxNumber }, select, orderBy: { createdAt: 'asc' } }) : null);
      const found =
        byTax ?? (query.name ? await this.prisma.sandboxVendor.findUnique({ where: { book_nameKey: { book: this.book, nameKey: nameKey(query.name) } }, select }) : null);
      return found ? toVendor(found) : null;
    });
  }

  async createVendor(input: VendorInput, _ctx?: OperationContext): Promise<ErpVendor> {
    const name = input.name.trim();
    if (!name) throw new ErpError('validation', 'The vendor has no name; the ERP needs one. Give it a name in Pleo.');
    if (name.length > NAME_MAX) {
      throw new ErpError(
        'validation',
        `The vendor name is ${name.length} characters long; the ERP accepts at most ${NAME_MAX}. Shorten it in Pleo, then replay the event.`,
      );
    }
    if (!/^[A-Z]{3}$/.test(input.currency)) {
      throw new ErpError('validation', `"${input.currency}" is not a currency code the ERP knows (ISO 4217, e.g. EUR).`);
    }
    return this.guard(async () => {
      try {
        const created = await this.prisma.sandboxVendor.create({
          data: {
            book: this.book,
            name,
            nameKey: nameKey(name),
            reference: input.reference,
            taxNumber: input.taxNumber || null,
            registrationNumber: input.registrationNumber || null,
            country: input.country || null,
            currency: input.currency,
          },
          select: { id: true, number: true, name: true, reference: true, taxNumber: true },
        });
        return toVendor(created);
      } catch (err) {
        if (isUniqueViolation(err)) {
          throw new ErpError('conflict', `A vendor named "${name}" or with this reference already exists in the ERP.`, { cause: err });
        }
        throw err;
      }
    });
  }

  async postExpense(entry: ExpenseEntry, _ctx?: OperationContext): Promise<PostedExpense> {
    if (!this.capabilities.postingModes.includes(entry.mode)) {
      throw new ErpError('configuration', `The ERP does not support the posting mode "${entry.mode}".`);
    }
    checkEntry(entry);
    return this.guard(async () => {
      const chart = await this.loadChart();
      this.assertOnline(chart);
      await this.checkReferences(entry, chart);
      const bill = entry.lines.length ? null : await this.billPaidBy(entry);
      const payment = entry.payment && { ...entry.payment, id: randomUUID(), ...(bill && { appliedTo: bill.number }) };
      try {
        const row = await this.prisma.sandboxEntry.create({
          data: {
            book: this.book,
            reference: entry.reference,
            externalReference: entry.externalReference ?? null,
            mode: bill ? 'payment' : entry.mode,
            state: entry.state,
            date: new Date(`${entry.date}T00:00:00Z`),
            currency: entry.total.currency,
            total: entry.total.value,
            description: entry.description,
            vendorId: entry.vendorId ?? null,
            lines: { kind: entry.kind, contraAccount: entry.contraAccount, lines: entry.lines, invoice: entry.invoice, payment } as object,
          },
          select: { id: true, number: true },
        });
        return { id: row.id, number: row.number, ...(payment && { paymentId: payment.id }) };
      } catch (err) {
        // The ERP deduplicates by external reference: the entry posted before is the answer.
        if (isUniqueViolation(err)) return (await this.findPostedExpense(entry.reference))!;
        throw err;
      }
    });
  }

  /** The sandbox has no batch call: one entry after the other, one result each (as a batch ERP answers). */
  postExpenses(entries: ExpenseEntry[], ctx: OperationContext): Promise<ExpenseBatchResult[]> {
    return postOneByOne((entry, c) => this.postExpense(entry, c), entries, ctx);
  }

  /** The vendor's bill a payment-only entry settles, by invoice number; refused when the ERP has none. */
  private async billPaidBy(entry: ExpenseEntry): Promise<{ number: string }> {
    const [bill] = await this.prisma.$queryRaw<{ number: string }[]>`
      SELECT number FROM sandbox_entries
      WHERE book = ${this.book} AND mode = 'accounts_payable' AND vendor_id = ${entry.vendorId}::uuid AND lines->'invoice'->>'number' = ${entry.invoice!.number}
      ORDER BY created_at LIMIT 1`;
    if (!bill) {
      throw new ErpError('unknown_reference', `The Accounting System has no bill ${entry.invoice!.number} from this vendor to apply the payment to. Export the invoice first.`, { subject: 'invoice' });
    }
    return bill;
  }

  /** Every account, tax code and vendor the entry names must exist, as in a real ERP. */
  private async checkReferences(entry: ExpenseEntry, chart: { accounts: Set<string>; taxCodes: Set<string> }): Promise<void> {
    const named = [
      entry.contraAccount,
      ...entry.lines.map((l) => l.account),
      ...entry.lines.flatMap((l) => [l.tax?.ingoingAccount, l.tax?.outgoingAccount]).filter((a): a is string => !!a),
      ...(entry.payment ? [entry.payment.account] : []),
    ];
    const missingAccount = named.find((a) => !chart.accounts.has(a));
    if (missingAccount) {
      throw new ErpError('unknown_reference', `Account No. ${missingAccount} does not exist in the Accounting System. Check Category.`, { subject: 'account' });
    }
    const missingTax = entry.lines.find((l) => l.tax && !chart.taxCodes.has(l.tax.code))?.tax?.code;
    if (missingTax) {
      throw new ErpError('unknown_reference', `Tax Code ${missingTax} does not exist in the Accounting System.`, { subject: 'tax_code' });
    }
    if (entry.vendorId && !(await this.prisma.sandboxVendor.findFirst({ where: { id: entry.vendorId, book: this.book }, select: { id: true } }))) {
      throw new ErpError('unknown_reference', `The vendor ${entry.vendorId} does not exist in the Accounting System.`, { subject: 'vendor' });
    }
  }

  async findPostedExpense(reference: string, _ctx?: OperationContext): Promise<PostedExpense | null> {
    return this.guard(async () => {
      const row = await this.prisma.sandboxEntry.findUnique({ where: { book_reference: { book: this.book, reference } }, select: { id: true, number: true, lines: true } });
      const paymentId = (row?.lines as { payment?: { id?: string } } | null)?.payment?.id;
      return row ? { id: row.id, number: row.number, ...(paymentId && { paymentId }) } : null;
    });
  }

  async attachFile(expenseId: string, file: FileInput, _ctx?: OperationContext): Promise<void> {
    if (file.content.length > ATTACHMENT_MAX_BYTES) {
      throw new ErpError('validation', `The file ${file.fileName} is larger than the ${ATTACHMENT_MAX_BYTES} bytes the ERP accepts.`);
    }
    await this.guard(async () => {
      const entry = await this.prisma.sandboxEntry.findFirst({ where: { id: expenseId, book: this.book }, select: { id: true } });
      if (!entry) throw new ErpError('unknown_reference', `The entry ${expenseId} does not exist in the ERP.`, { subject: 'entry' });
      const sha256 = createHash('sha256').update(file.content).digest('hex');
      await this.prisma.sandboxAttachment.createMany({
        data: [{ entryId: expenseId, fileName: file.fileName, mimeType: file.mimeType, size: file.content.length, sha256 }],
        skipDuplicates: true,
      });
    });
  }

  /** The sandbox lives in our database: a database outage is the ERP being unavailable. */
  private async guard<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      if (err instanceof ErpError) throw err;
      if (isDatabaseUnavailable(err)) {
        throw new ErpError('unavailable', 'The sandbox ERP (its database) cannot be reached; retrying.', { cause: err, mayHaveApplied: true });
      }
      throw err;
    }
  }
}
