import { createHash, randomUUID } from 'node:crypto';
import { PrismaService } from '@app/database';
import { ErpAdapter, ErpError, ExpenseBatchResult, ExpenseEntry, FileInput, OperationContext, PostedExpense, VendorInput, VendorQuery, batchFailure } from '@app/erp';

/** Everything the ERP was asked to write, shared by several doubles (one per runner). */
export class ErpWrites {
  readonly posts = new Map<string, number>();
  readonly attaches = new Map<string, number>();
  finds = new Map<string, number>();
  get totalPosts(): number {
    return [...this.posts.values()].reduce((a, b) => a + b, 0);
  }
}

export interface ErpHooks {
  /** before the ERP stores the entry (delay, or throw: nothing stored) */
  beforePost?: (entry: ExpenseEntry, ctx: OperationContext) => Promise<void>;
  /** after the ERP stored it (throw: stored, but the caller hears an error) */
  afterPost?: (entry: ExpenseEntry, posted: PostedExpense) => Promise<void>;
}

/**
 * An ERP that does NOT deduplicate by reference, unlike the sandbox: every post of the same entry
 * becomes another entry (the sandbox stores it under a unique suffixed reference). So only our
 * own fence can keep an entry from being posted twice. Its look-up is strongly consistent (it
 * searches what was stored), and it counts every post and attach.
 */
export class NonDeduplicatingErp implements ErpAdapter {
  readonly kind = 'non-deduplicating';

  constructor(
    private readonly sandbox: ErpAdapter,
    private readonly prisma: PrismaService,
    readonly writes: ErpWrites,
    private readonly hooks: ErpHooks = {},
  ) {}

  get capabilities() {
    return { ...this.sandbox.capabilities, idempotency: 'none' as const };
  }

  verifyConnection(ctx: OperationContext) {
    return this.sandbox.verifyConnection(ctx);
  }

  findVendor(query: VendorQuery, ctx: OperationContext) {
    return this.sandbox.findVendor(query, ctx);
  }

  createVendor(input: VendorInput, ctx: OperationContext) {
    return this.sandbox.createVendor(input, ctx);
  }

  async postExpense(entry: ExpenseEntry, ctx: OperationContext): Promise<PostedExpense> {
    await this.hooks.beforePost?.(entry, ctx);
    const posted = await this.sandbox.postExpense({ ...entry, reference: `${entry.reference}#${randomUUID()}` }, ctx);
    this.writes.posts.set(entry.reference, (this.writes.posts.get(entry.reference) ?? 0) + 1);
    await this.hooks.afterPost?.(entry, posted);
    return posted;
  }

  async findPostedExpense(reference: string): Promise<PostedExpense | null> {
    this.writes.finds.set(reference, (this.writes.finds.get(reference) ?? 0) + 1);
    const row = await this.prisma.sandboxEntry.findFirst({ where: { reference: { startsWith: `${reference}#` } }, orderBy: { createdAt: 'asc' } });
    return row ? { id: row.id, number: row.number } : null;
  }

  async attachFile(expenseId: string, file: FileInput, ctx: OperationContext): Promise<void> {
    const key = `${expenseId}:${createHash('sha256').update(file.content).digest('hex')}`;
    this.writes.attaches.set(key, (this.writes.attaches.get(key) ?? 0) + 1);
    await this.sandbox.attachFile(expenseId, file, ctx);
  }
}

/**
 * An ERP that allows two vendors with one name (`vendorNameMustBeUnique: false`), unlike the
 * sandbox: every create is stored (under a name the sandbox accepts) and counted. Its look-up is
 * slow, so two syncs that are not serialised both miss and both create.
 */
export class DuplicateNamesErp extends NonDeduplicatingErp {
  creates = 0;

  override get capabilities() {
    return { ...super.capabilities, vendorNameMustBeUnique: false };
  }

  override async findVendor(query: VendorQuery, ctx: OperationContext) {
    const found = await super.findVendor(query, ctx);
    await new Promise((resolve) => setTimeout(resolve, 300));
    return found;
  }

  override async createVendor(input: VendorInput, ctx: OperationContext) {
    this.creates += 1;
    return super.createVendor({ ...input, name: `${input.name} #${randomUUID().slice(0, 8)}` }, ctx);
  }
}

export interface BatchHooks {
  /** before the batch call stores anything (throw: nothing stored, the whole call fails) */
  beforeBatch?: (entries: ExpenseEntry[], call: number) => Promise<void>;
  /** an entry's own answer instead of storing it (e.g. a validation error of that element) */
  refuse?: (entry: ExpenseEntry) => ErpError | undefined;
  /** after the batch stored what it stored (throw: stored, but the caller hears an error for the whole call) */
  afterBatch?: (results: ExpenseBatchResult[], call: number) => Promise<void>;
  /** store only the first n entries of this call, then fail the whole call (a cut mid-batch) */
  cutAfter?: (call: number) => number | undefined;
}

/**
 * The non-deduplicating ERP with a batch call (postExpenses), like Xero's: one call stores many
 * entries. Counts calls and their sizes; per-entry posts are counted in `writes` as before.
 */
export class BatchingErp extends NonDeduplicatingErp {
  readonly batchSizes: number[] = [];

  constructor(sandbox: ErpAdapter, prisma: PrismaService, writes: ErpWrites, private readonly batch: BatchHooks = {}) {
    super(sandbox, prisma, writes);
  }

  async postExpenses(entries: ExpenseEntry[], ctx: OperationContext): Promise<ExpenseBatchResult[]> {
    const call = this.batchSizes.push(entries.length);
    await this.batch.beforeBatch?.(entries, call);
    const cut = this.batch.cutAfter?.(call);
    const results: ExpenseBatchResult[] = [];
    for (const [i, entry] of entries.entries()) {
      if (cut !== undefined && i >= cut) throw new ErpError('unavailable', 'The connection to the ERP was cut.', { mayHaveApplied: true });
      const refused = this.batch.refuse?.(entry);
      results.push(refused ? batchFailure(entry.reference, refused) : { reference: entry.reference, status: 'posted', posted: await this.postExpense(entry, ctx) });
    }
    await this.batch.afterBatch?.(results, call);
    return results;
  }
}
