/**
 * The ERP adapter port (design §4). Adapters speak ERP-side references only; mapping Pleo data to
 * ERP references lives in the sync services. Money is a decimal string, never a float.
 */
export type Decimal = string;
export interface Money {
  value: Decimal;
  currency: string;
}

export type PostingMode = 'journal' | 'accounts_payable';

export interface ErpCapabilities {
  /** How the ERP itself deduplicates writes ('reference': a unique external reference we set). */
  idempotency: 'header' | 'query' | 'reference' | 'none';
  /** Requests per minute the adapter should stay under (scheduler hint); null: no known limit. */
  requestsPerMinute: number | null;
  postingModes: PostingMode[];
  vendorNameMustBeUnique: boolean;
  attachments: { supported: boolean; maxBytes?: number; mimeTypes?: string[] };
}

export interface OperationContext {
  /** webhook id / export job id, for the ERP's logs and ours */
  correlationId: string;
  signal?: AbortSignal;
}

// ---------- vendors ----------
export interface VendorInput {
  /** Pleo vendor id, stored on the ERP record as our reference */
  reference: string;
  name: string;
  country?: string | null;
  currency: string;
  taxNumber?: string | null;
  registrationNumber?: string | null;
}

export interface VendorQuery {
  reference?: string;
  taxNumber?: string | null;
  name?: string;
}

export interface ErpVendor {
  /** the ERP's internal id (Pleo `externalId`) */
  id: string;
  /** the number a bookkeeper sees (Pleo `code`) */
  code: string;
  name: string;
  reference: string | null;
  taxNumber: string | null;
}

// ---------- expenses ----------
export type TaxMode = 'inclusive' | 'exclusive' | 'reverse';

export interface ExpenseLine {
  /** the expense (debit) account */
  account: string;
  description?: string;
  /** excluding tax */
  net: Money;
  /** reverse: self-assessed (EU reverse charge) — booked in and out, not part of the total */
  tax?: { code: string; amount: Money; mode: TaxMode };
  dimensions?: { group: string; value: string }[];
}

export interface ExpenseEntry {
  /** Pleo accountingEntryId: the idempotency key; one entry per reference, ever */
  reference: string;
  /** Pleo's reconciliationId ("book id"), shown on the entry for bookkeepers */
  externalReference?: string;
  mode: PostingMode;
  /** posting behaviour of the connection: leave as draft for review, or post */
  state: 'draft' | 'posted';
  date: string; // YYYY-MM-DD
  description: string;
  /** the amount paid: sum of nets plus non-reverse tax */
  total: Money;
  vendorId?: string;
  /** the counter (credit) account: wallet, out-of-pocket, contra or AP */
  contraAccount: string;
  lines: ExpenseLine[];
}

export interface PostedExpense {
  id: string;
  number: string;
  url?: string;
}

export interface FileInput {
  fileName: string;
  mimeType: string;
  content: Buffer;
}

export interface ErpAdapter {
  readonly kind: string;
  readonly capabilities: ErpCapabilities;
  /** Fails with an ErpError (auth / unavailable / configuration) when the ERP cannot be used. */
  verifyConnection(ctx: OperationContext): Promise<void>;
  /** Looks by reference first, then tax number, then exact name; null when none matches. */
  findVendor(query: VendorQuery, ctx: OperationContext): Promise<ErpVendor | null>;
  createVendor(input: VendorInput, ctx: OperationContext): Promise<ErpVendor>;
  postExpense(entry: ExpenseEntry, ctx: OperationContext): Promise<PostedExpense>;
  /** Reconciliation after an unknown outcome: the entry posted with this reference, if any. */
  findPostedExpense(reference: string, ctx: OperationContext): Promise<PostedExpense | null>;
  /** Attaching the same file (by content) to the same entry twice is a no-op. */
  attachFile(expenseId: string, file: FileInput, ctx: OperationContext): Promise<void>;
}
