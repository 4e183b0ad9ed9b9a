import { ErpError } from './erp-errors';

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

/** Looked up only by the fields given, in this order: id, code, reference, tax number, name. */
export interface VendorQuery {
  /** the ERP's internal id (what Pleo holds as the vendor's `externalId`) */
  id?: string;
  /** the ERP's vendor number (what Pleo holds as the vendor's `code`) */
  code?: string;
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
  /**
   * reverse: self-assessed (EU reverse charge) — booked in and out, not part of the total.
   * ingoingAccount / outgoingAccount: the tax accounts Pleo names for the code (reverse charge).
   */
  tax?: { code: string; amount: Money; mode: TaxMode; ingoingAccount?: string; outgoingAccount?: string };
  dimensions?: { group: string; value: string }[];
  /**
   * The same line in the currency the money was spent in (Pleo's supplier currency), when that is
   * not the entry's: ERPs that keep a second currency book it beside the entry's amounts.
   */
  original?: { net: Money; tax?: Money };
}

/**
 * A settlement of accounts payable: debit payables, credit `account` (the wallet / bank the money
 * left). Adapters book it as the ERP's own payment (Xero Payment, Business Central payment journal
 * line, Tryton payment) applied to the bill.
 */
export interface ExpensePayment {
  /** the account the money was paid from (credit) */
  account: string;
  date: string; // YYYY-MM-DD
  amount: Money;
}

export interface ExpenseEntry {
  /** Pleo accountingEntryId: the idempotency key; one entry per reference, ever */
  reference: string;
  /** what Pleo calls the expense (its item type: card_purchase, invoice, invoice_payment, …) */
  kind?: string;
  /** Pleo's reconciliationId ("book id"), shown on the entry for bookkeepers */
  externalReference?: string;
  mode: PostingMode;
  /** posting behaviour of the connection: leave as draft for review, or post */
  state: 'draft' | 'posted';
  date: string; // YYYY-MM-DD
  description: string;
  /** the amount paid: sum of nets plus non-reverse tax */
  total: Money;
  /** `total` in the currency the money was spent in, when that is not `total`'s (set with every line's `original`) */
  original?: Money;
  vendorId?: string;
  /** the counter (credit) account: wallet, out-of-pocket, contra or AP */
  contraAccount: string;
  /** the expense lines; empty for a payment-only entry (`payment` applied to the bill `invoice.number`) */
  lines: ExpenseLine[];
  /** accounts payable: the vendor's invoice this entry is (or, payment-only, pays) */
  invoice?: { number?: string; date?: string; dueDate?: string };
  /** accounts payable, money already moved: the bill is settled by this payment */
  payment?: ExpensePayment;
}

/**
 * One entry's result in a batch (`postExpenses`), in the batch's order:
 * - posted: booked (or found booked under its reference);
 * - failed: refused for good — not booked, unless `error.mayHaveApplied` (then reconcile before any retry);
 * - unknown: may or may not be booked (timeout, cut connection, 5xx after commit, a retryable
 *   refusal such as a rate limit): never posted again before a look-up by its reference.
 */
export type ExpenseBatchResult =
  | { reference: string; status: 'posted'; posted: PostedExpense }
  | { reference: string; status: 'failed' | 'unknown'; error: ErpError };

/** An entry's error as a batch result: retryable errors leave its outcome unknown. */
export function batchFailure(reference: string, error: ErpError): ExpenseBatchResult {
  return { reference, status: error.retryable ? 'unknown' : 'failed', error };
}

export interface PostedExpense {
  id: string;
  number: string;
  url?: string;
  /** the ERP's id of the payment booked with the entry, if any */
  paymentId?: string;
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
  /** Looks by id, code, reference, tax number, then exact name (only the fields given); null when none matches. */
  findVendor(query: VendorQuery, ctx: OperationContext): Promise<ErpVendor | null>;
  /**
   * Optional: several vendors by the ERP's own ids (what Pleo holds as `externalId`) in few calls,
   * for a page of bills naming many vendors. The ids found (active) are in the map; the others are not.
   */
  findVendorsByIds?(ids: string[], ctx: OperationContext): Promise<Map<string, ErpVendor>>;
  createVendor(input: VendorInput, ctx: OperationContext): Promise<ErpVendor>;
  /**
   * Books the entry (and its payment, if any) once per reference. A payment-only entry (no lines)
   * whose bill the ERP does not hold fails with ErpError('unknown_reference', subject 'invoice').
   */
  postExpense(entry: ExpenseEntry, ctx: OperationContext): Promise<PostedExpense>;
  /**
   * Optional: many entries in few ERP calls (an ERP whose limits count calls). One result per entry,
   * in order, each as postExpense would have it; an error of the whole call may be thrown instead
   * (then every entry's outcome is unknown). Without it, the sync posts entry by entry.
   */
  postExpenses?(entries: ExpenseEntry[], ctx: OperationContext): Promise<ExpenseBatchResult[]>;
  /** Reconciliation after an unknown outcome: the entry posted with this reference, if any. */
  findPostedExpense(reference: string, ctx: OperationContext): Promise<PostedExpense | null>;
  /** Attaching the same file (by content) to the same entry twice is a no-op. */
  attachFile(expenseId: string, file: FileInput, ctx: OperationContext): Promise<void>;
}
