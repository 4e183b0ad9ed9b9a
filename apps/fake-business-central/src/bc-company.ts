import { randomUUID } from 'node:crypto';
import { Doc, NumberSeries, Row, Table } from './bc-store';

export interface TaxSetup {
  rate: number;
  /** Reverse Charge VAT: the buyer self-assesses (input and output VAT), the vendor is owed only the net */
  reverseCharge: boolean;
}

/** A dimension set line stored on its parent (journal line, invoice, invoice line, payment). */
export interface DimensionLine {
  dimensionId: string;
  code: string;
  valueId: string;
  valueCode: string;
}

/** An open or closed item of the vendor ledger (a posted invoice or payment). */
export interface VendorLedgerEntry {
  entryNumber: number;
  vendorNumber: string;
  documentType: 'Invoice' | 'Payment';
  documentNumber: string;
  externalDocumentNumber: string;
  invoiceId?: string;
  postingDate: string;
  /** negative for an invoice (owed to the vendor), positive for a payment */
  amount: number;
  remainingAmount: number;
  open: boolean;
}

/** Internal facts on a G/L entry that the API does not show (tests read them via the control API). */
export interface LedgerExtras {
  externalDocumentNumber: string;
  source: 'journal' | 'purchaseInvoice' | 'vendorPayment';
  journal?: string;
  dimensions: { code: string; valueCode: string }[];
}

/**
 * One Business Central company: master data (G/L accounts incl. the Pleo wallet and balancing
 * accounts, VAT product posting groups as tax groups, dimensions with values, journals), the
 * records written through the API, the posted ledgers and the number series. The seed matches
 * the sandbox ERP's chart and the Tryton seed (scripts/tryton/seed.py), so fixtures work unchanged.
 */
export class BcCompany {
  readonly id: string;
  name: string;
  /** posting dates outside [from, to] are refused (General Ledger Setup, Allow Posting From/To) */
  allowPostingFrom: string | null = null;
  allowPostingTo: string | null = null;
  /** the G/L accounts posting uses: Vendor Posting Group payables, VAT posting setup */
  readonly postingAccounts = { payables: '2400', purchaseVat: '2610', reverseChargeVat: '2620' };

  readonly accounts = new Table();
  readonly bankAccounts = new Table();
  /** bank account number → the G/L account its Bank Account Posting Group posts to */
  readonly bankGl = new Map<string, string>();
  readonly taxGroups = new Table();
  readonly tax = new Map<string, TaxSetup>();
  readonly currencies = new Set(['', 'EUR', 'USD', 'GBP', 'DKK', 'SEK']);
  /** the local currency (LCY) the company keeps its books in: companyInformation.currencyCode; journal lines book in it */
  localCurrency = 'EUR';
  readonly informationId = randomUUID();
  readonly dimensions = new Table();
  readonly dimensionValues = new Table();
  /** Gen. Journal Batches of both templates (GENERAL: journals, PAYMENT: vendorPaymentJournals) */
  readonly journals = new Table();
  /** a batch's Bal. Account Type (the API shows only the number) */
  readonly journalBalanceType = new Map<string, 'G/L Account' | 'Bank Account'>();
  readonly journalLines = new Table();
  readonly vendorPayments = new Table();
  readonly vendors = new Table();
  readonly purchaseInvoices = new Table();
  readonly purchaseInvoiceLines = new Table();
  readonly documentAttachments = new Table();
  /** attachments (Incoming Document attachments) and the incoming document each belongs to */
  readonly attachments = new Table();
  readonly incomingKeys = new Map<string, string>();
  readonly attachmentContent = new Map<string, Buffer>();
  readonly generalLedgerEntries = new Table();
  readonly ledgerExtras = new Map<string, LedgerExtras>();
  readonly vendorLedger: VendorLedgerEntry[] = [];
  /** dimension set lines by parent id */
  readonly dimensionSets = new Map<string, DimensionLine[]>();
  readonly series = {
    vendor: new NumberSeries('V', 0, 10),
    purchaseInvoice: new NumberSeries('PI', 0, 1),
    postedPurchaseInvoice: new NumberSeries('PPI', 0, 1),
    journalDocument: new NumberSeries('G', 0, 1),
    paymentDocument: new NumberSeries('PAY', 0, 1),
  };
  private glEntryNo = 0;
  private vendorEntryNo = 0;

  constructor(id: string = randomUUID(), name = 'CRONUS Pleo Test', journalCode = 'PLEO') {
    this.id = id.toLowerCase();
    this.name = name;
    this.seed(journalCode);
  }

  private seed(journalCode: string): void {
    const account = (number: string, displayName: string, category: string) =>
      this.accounts.insert({ number, displayName, category, subCategory: '', blocked: false, accountType: 'Posting', directPosting: true, netChange: 0, consolidationTranslationMethod: 'Average Rate (Manual)', consolidationDebitAccount: '', consolidationCreditAccount: '', excludeFromConsolidation: false });
    account('1910', 'Pleo wallet', 'Assets');
    account('2400', 'Accounts payable', 'Liabilities');
    account('2610', 'Input VAT', 'Assets');
    account('2620', 'Output VAT (reverse charge)', 'Liabilities');
    account('2890', 'Employee out-of-pocket', 'Liabilities');
    account('2990', 'Pleo contra / clearing', 'Liabilities');
    for (const [n, name] of [['4000', 'Cost of goods'], ['6100', 'Office supplies'], ['6110', 'Furniture and equipment'], ['6300', 'Software and subscriptions'], ['6540', 'IT and hosting'], ['6800', 'Marketing'], ['7000', 'Travel'], ['7010', 'Mileage'], ['7020', 'Per diem'], ['7100', 'Meals and entertainment'], ['7900', 'Bank fees'], ['8000', 'Other expenses']]) {
      account(n, name, 'Expense');
    }
    this.addBankAccount('PLEO', 'Pleo wallet (bank)', '1910');
    for (const [code, displayName, rate] of [['S25', 'Standard 25 %', 0.25], ['S20', 'Standard 20 %', 0.2], ['S19', 'Standard 19 %', 0.19], ['R7', 'Reduced 7 %', 0.07], ['Z0', 'Zero rated', 0], ['E0', 'Exempt', 0]] as const) {
      this.addTaxGroup(code, displayName, rate, false);
    }
    this.addTaxGroup('RC25', 'EU reverse charge 25 %', 0.25, true);
    this.addTaxGroup('RC19', 'EU reverse charge 19 %', 0.19, true);
    this.addDimension('DEPT', 'Department', [['SALES', 'Sales'], ['OPS', 'Operations']]);
    this.addDimension('PROJ', 'Project', [['P-7', 'Project 7'], ['P-8', 'Project 8']]);
    this.addJournal(journalCode, 'Pleo expenses');
    this.addJournal('DEFAULT', 'Default journal');
    this.addJournal('PAYMENT', 'Vendor payments from the Pleo wallet', '1910', 'PAYMENT');
  }

  addBankAccount(number: string, displayName: string, glAccount: string, currencyCode = ''): Row {
    this.bankGl.set(number, glAccount);
    return this.bankAccounts.insert({ number, displayName, bankAccountNumber: '', blocked: false, currencyCode, currencyId: '00000000-0000-0000-0000-000000000000', iban: '', intercompanyEnabled: false });
  }

  addTaxGroup(code: string, displayName: string, rate: number, reverseCharge: boolean): Row {
    this.tax.set(code, { rate, reverseCharge });
    return this.taxGroups.insert({ code, displayName, taxType: 'VAT' });
  }

  addDimension(code: string, displayName: string, values: [string, string][]): Row {
    const dim = this.dimensions.insert({ code, displayName });
    for (const [valueCode, name] of values) this.dimensionValues.insert({ code: valueCode, dimensionId: dim.doc.id, displayName: name, consolidationCode: '' });
    return dim;
  }

  /** A journal batch; its balancing account (a G/L account or a bank account) is copied into new lines. */
  addJournal(code: string, displayName: string, balancingAccountNumber = '', template: 'GENERAL' | 'PAYMENT' = 'GENERAL', balanceAccountType: 'G/L Account' | 'Bank Account' = 'G/L Account'): Row {
    const bal = balancingAccountNumber ? (balanceAccountType === 'Bank Account' ? this.bankAccounts : this.accounts).find((a) => a.number === balancingAccountNumber) : undefined;
    const row = this.journals.insert({ code, displayName, templateDisplayName: template, balancingAccountId: bal?.doc.id ?? '00000000-0000-0000-0000-000000000000', balancingAccountNumber });
    this.journalBalanceType.set(String(row.doc.id), balanceAccountType);
    return row;
  }

  journalsOf(template: 'GENERAL' | 'PAYMENT'): Row[] {
    return this.journals.list().filter((j) => j.doc.templateDisplayName === template);
  }

  account(number: unknown): Doc | undefined {
    return this.accounts.find((a) => a.number === number)?.doc;
  }

  vendorByNumber(number: unknown): Row | undefined {
    return typeof number === 'string' ? this.vendors.find((v) => String(v.number).toLowerCase() === number.toLowerCase()) : undefined;
  }

  nextGlEntryNumber(): number {
    return ++this.glEntryNo;
  }

  nextVendorEntryNumber(): number {
    return ++this.vendorEntryNo;
  }

  /** Is the date inside the allowed posting range? */
  postingAllowed(date: unknown): boolean {
    if (typeof date !== 'string') return false;
    return (!this.allowPostingFrom || date >= this.allowPostingFrom) && (!this.allowPostingTo || date <= this.allowPostingTo);
  }
}
