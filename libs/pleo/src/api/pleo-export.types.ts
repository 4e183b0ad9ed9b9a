/** Pleo Export API v3 shapes (export-openapi.yml), as far as the service reads them. */

export type ExportJobStatus = 'pending' | 'in_progress' | 'failed' | 'completed' | 'completed_with_errors';
export type ExportJobEventType = 'started' | 'failed' | 'completed' | 'completed_with_errors';
export type ExportJobItemStatus = 'pending' | 'in_progress' | 'failed' | 'successful' | 'abandoned';

export type ExportJobFailureReasonType =
  | 'invalid_configuration'
  | 'missing_configuration'
  | 'authentication_failure'
  | 'accounting_system_authentication_failure'
  | 'pleo_rate_limit'
  | 'accounting_system_rate_limit'
  | 'service_unreachable'
  | 'accounting_system_unreachable'
  | 'validation_failure'
  | 'authorization_failure'
  | 'integration_unusable'
  | 'job_expired'
  | 'service_timeout'
  | 'accounting_system_timeout'
  | 'canceled_by_user';

export type ExportItemFailureReasonType =
  | 'receipt_upload_failure'
  | 'receipt_download_failure'
  | 'receipt_file_size_limit_exceeded'
  | 'receipt_conversion_failure'
  | 'unexpected_failure'
  | 'invalid_configuration'
  | 'missing_configuration'
  | 'accounting_system_authentication_failure'
  | 'accounting_system_rate_limit'
  | 'accounting_system_unreachable'
  | 'validation_failure'
  | 'accounting_system_validation_failure'
  | 'authorization_failure'
  | 'accounting_system_timeout'
  | 'vendor_unknown'
  | 'account_unknown'
  | 'tax_code_unknown'
  | 'tag_unknown';

export interface ExportJob {
  id: string;
  companyId: string;
  status: ExportJobStatus;
  createdAt: string;
  expiresIn: number;
  isInteractive: boolean;
  numberOfItems: number;
  vendorBasedBookkeeping: boolean;
  lastUpdatedAt?: string | null;
  startedAt?: string | null;
  /** set by Pleo when the job expired (no action within `expiresIn`) */
  expiredAt?: string | null;
  failureReason?: string | null;
  failureReasonType?: ExportJobFailureReasonType | null;
}

export const FINAL_JOB_STATUSES: ExportJobStatus[] = ['failed', 'completed', 'completed_with_errors'];

export interface ExportJobItem {
  accountingEntryId: string;
  exportJobId: string;
  status: ExportJobItemStatus;
  failureReasonType?: ExportItemFailureReasonType | null;
  failureReason?: string | null;
}

export interface MoneyModel {
  currency: string;
  /** minor units */
  value: number;
}
export interface AmountV3 {
  inSupplierCurrency: MoneyModel;
  inWalletCurrency: MoneyModel;
}
export interface RefV3 {
  id: string;
  name: string;
  code?: string | null;
  identifier?: string | null;
}

export interface ExportItemLine {
  accountingEntryLineId: string;
  lineAmount: AmountV3;
  netAmount: AmountV3;
  account?: RefV3 | null;
  tags?: { id: string; code: string; groupCode: string }[] | null;
  tax?: {
    id: string;
    rate: number;
    type: 'inclusive' | 'exclusive' | 'reverse';
    amount: AmountV3;
    code?: string | null;
    ingoingTaxAccount?: string | null;
    outgoingTaxAccount?: string | null;
  } | null;
}

export interface ExportItem {
  accountingEntryId: string;
  companyId: string;
  date: string;
  type: string;
  subType?: string | null;
  amount: AmountV3;
  note?: string | null;
  files?: { url: string; type: string; size: number }[] | null;
  supplier?: { name?: string | null; code?: string | null; account?: string | null; taxIdentifier?: string | null } | null;
  vendor?: { id: string; name: string; defaultCurrency: string; code?: string; externalId?: string; taxRegistrationNumber?: string } | null;
  bookkeeping?: { method: 'none' | 'journal' | 'accounts_payable' } | null;
  contraAccount?: RefV3 | null;
  user?: { id: string; name: string; code?: string | null } | null;
  additionalInformation: {
    reconciliationId: string;
    attendees?: (string | null)[] | null;
    reconciledEntries?: (string | null)[] | null;
    invoiceInformation?: { invoiceNumber: string; invoiceDate: string; status?: string; dueDate?: string | null; paymentDate?: string | null } | null;
  };
  accountingEntryLines: ExportItemLine[];
}

export interface ExportItemUpdate {
  accountingEntryId: string;
  status: 'successful' | 'failed';
  exportedAt?: string;
  externalId?: string;
  externalUrl?: string;
  failureReason?: string;
  failureReasonType?: ExportItemFailureReasonType;
}

export interface ExportItemUpdateError {
  accountingEntryId: string;
  message: string;
  type: string;
}
