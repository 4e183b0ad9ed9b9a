/**
 * The Business Central API v2.0 entities this adapter reads and writes (field names from Microsoft's
 * API v2.0 reference and the APIV2 pages in microsoft/BCApps). Read-only fields are never sent.
 */
export interface BcEntity {
  id: string;
  '@odata.etag'?: string;
}

export interface BcCompany extends BcEntity {
  name: string;
  displayName?: string;
}

export interface BcVendor extends BcEntity {
  number: string;
  displayName: string;
  website?: string;
  country?: string;
  taxRegistrationNumber?: string;
  currencyCode?: string;
  blocked?: string;
}
export type BcVendorCreate = Pick<BcVendor, 'displayName'> & Partial<Pick<BcVendor, 'website' | 'country' | 'taxRegistrationNumber' | 'currencyCode'>>;

export interface BcJournal extends BcEntity {
  code: string;
  displayName?: string;
}

export type BcAccountType = 'G/L Account' | 'Vendor' | 'Customer' | 'Bank Account' | 'Employee' | 'Fixed Asset';

export interface BcJournalLine extends BcEntity {
  journalId?: string;
  lineNumber?: number;
  accountType: BcAccountType;
  accountNumber: string;
  postingDate: string;
  documentNumber: string;
  externalDocumentNumber: string;
  amount: number;
  description: string;
  taxCode?: string;
  balanceAccountType?: BcAccountType;
  balancingAccountNumber?: string;
  dimensionSetLines?: BcDimensionSetLine[];
}
export type BcJournalLineCreate = Omit<BcJournalLine, 'id' | '@odata.etag' | 'journalId' | 'dimensionSetLines'>;

export interface BcDimensionSetLine extends BcEntity {
  code: string;
  valueCode: string;
}

export interface BcPurchaseInvoiceLine extends BcEntity {
  lineType: 'Account' | 'Comment' | 'Item';
  lineObjectNumber?: string;
  description?: string;
  quantity?: number;
  unitCost?: number;
  taxCode?: string;
  dimensionSetLines?: BcDimensionSetLine[];
}

export interface BcPurchaseInvoice extends BcEntity {
  number: string;
  vendorId: string;
  vendorNumber?: string;
  vendorInvoiceNumber: string;
  invoiceDate: string;
  postingDate: string;
  dueDate?: string;
  currencyCode?: string;
  shipToName?: string;
  shipToContact?: string;
  pricesIncludeTax?: boolean;
  status: 'Draft' | 'In Review' | 'Open' | 'Paid' | 'Canceled' | 'Corrective';
  totalAmountIncludingTax?: number;
  purchaseInvoiceLines?: BcPurchaseInvoiceLine[];
}

export interface BcGeneralLedgerEntry extends BcEntity {
  entryNumber: number;
  postingDate: string;
  documentNumber: string;
  accountNumber: string;
  description: string;
  debitAmount: number;
  creditAmount: number;
}

export interface BcDocumentAttachment extends BcEntity {
  fileName: string;
  byteSize?: number;
  parentType: string;
  parentId: string;
}

export interface BcList<T> {
  value: T[];
  '@odata.nextLink'?: string;
}

export interface BcVendorPaymentJournal extends BcEntity {
  code: string;
  balancingAccountNumber?: string;
}

export interface BcVendorPayment extends BcEntity {
  vendorId: string;
  postingDate: string;
  documentNumber: string;
  externalDocumentNumber: string;
  amount: number;
  appliesToInvoiceId: string;
  description: string;
}
