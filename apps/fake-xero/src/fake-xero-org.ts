import { randomUUID } from 'node:crypto';

export type Doc = Record<string, unknown>;

export interface XeroAccount {
  AccountID: string;
  Code: string;
  Name: string;
  /** BANK accounts are where money moves (spend money, payments); the others are ledger accounts */
  Type: 'BANK' | 'EXPENSE' | 'CURRLIAB' | 'CURRENT' | 'OVERHEADS' | 'LIABILITY';
  Status: 'ACTIVE' | 'ARCHIVED';
  CurrencyCode?: string;
  BankAccountType?: 'BANK' | 'CREDITCARD';
}

export interface XeroTaxRate {
  TaxType: string;
  Name: string;
  EffectiveRate: number;
  Status: 'ACTIVE';
  /** reverse charge: the buyer self-assesses the tax; it is reported but adds nothing to the total */
  selfAssessed?: boolean;
}

export interface XeroAttachment {
  AttachmentID: string;
  FileName: string;
  MimeType: string;
  ContentLength: number;
  content: Buffer;
}

/** Xero's limit on attachments per document. */
export const MAX_ATTACHMENTS_PER_DOCUMENT = 10;
export const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;

/**
 * One Xero organisation (tenant): its chart of accounts, tax rates, tracking categories,
 * currencies, lock date, and the documents written to it.
 */
export class FakeXeroOrg {
  readonly tenantId: string;
  name: string;
  baseCurrency = 'GBP';
  /** currencies the organisation is subscribed to (multi-currency); others are refused */
  currencies = new Set(['GBP', 'EUR']);
  /** documents dated on or before this day are refused (Xero's period lock date) */
  lockDate: string | null = null;
  accounts: XeroAccount[] = [];
  taxRates: XeroTaxRate[] = [];
  tracking: { TrackingCategoryID: string; Name: string; Status: 'ACTIVE'; Options: { TrackingOptionID: string; Name: string; Status: 'ACTIVE' }[] }[] = [];
  readonly contacts = new Map<string, Doc>();
  readonly bankTransactions = new Map<string, Doc>();
  readonly invoices = new Map<string, Doc>();
  readonly payments = new Map<string, Doc>();
  readonly manualJournals = new Map<string, Doc>();
  readonly attachments = new Map<string, XeroAttachment[]>();

  constructor(tenantId: string = randomUUID(), name = 'Demo Company (UK)') {
    this.tenantId = tenantId;
    this.name = name;
    this.addAccount('090', 'Pleo GBP', 'BANK', 'GBP');
    this.addAccount('091', 'Pleo EUR', 'BANK', 'EUR');
    this.addAccount('400', 'Advertising', 'OVERHEADS');
    this.addAccount('429', 'General Expenses', 'OVERHEADS');
    this.addAccount('463', 'IT Software and Consumables', 'OVERHEADS');
    this.addAccount('493', 'Travel - National', 'OVERHEADS');
    this.addAccount('800', 'Accounts Payable', 'CURRLIAB');
    this.addAccount('814', 'Employee Reimbursements', 'CURRLIAB');
    this.addAccount('820', 'VAT', 'CURRLIAB');
    this.addTaxRate('INPUT2', '20% (VAT on Expenses)', 20);
    this.addTaxRate('NONE', 'No VAT', 0);
    this.addTaxRate('ECZRINPUT', 'Zero Rated EC Expenses', 0);
    this.addTaxRate('REVERSECHARGES', 'Reverse Charge Expenses (20%)', 20, true);
    this.addTracking('Department', ['Sales', 'Engineering', 'Marketing']);
  }

  addAccount(Code: string, Name: string, Type: XeroAccount['Type'], CurrencyCode?: string): XeroAccount {
    const account: XeroAccount = { AccountID: randomUUID(), Code, Name, Type, Status: 'ACTIVE', ...(Type === 'BANK' && { CurrencyCode: CurrencyCode ?? this.baseCurrency, BankAccountType: 'BANK' as const }) };
    this.accounts.push(account);
    return account;
  }

  addTaxRate(TaxType: string, Name: string, EffectiveRate: number, selfAssessed = false): void {
    this.taxRates.push({ TaxType, Name, EffectiveRate, Status: 'ACTIVE', ...(selfAssessed && { selfAssessed }) });
  }

  addTracking(Name: string, options: string[]): void {
    this.tracking.push({ TrackingCategoryID: randomUUID(), Name, Status: 'ACTIVE', Options: options.map((o) => ({ TrackingOptionID: randomUUID(), Name: o, Status: 'ACTIVE' })) });
  }

  account(ref: unknown): XeroAccount | undefined {
    const r = (ref ?? {}) as { Code?: string; AccountID?: string };
    return this.accounts.find((a) => a.Status === 'ACTIVE' && ((r.AccountID && a.AccountID === r.AccountID) || (r.Code && a.Code === r.Code)));
  }

  accountByCode(code: unknown): XeroAccount | undefined {
    return typeof code === 'string' ? this.account({ Code: code }) : undefined;
  }

  taxRate(type: unknown): XeroTaxRate | undefined {
    return this.taxRates.find((t) => t.TaxType === type);
  }

  contact(ref: unknown): Doc | undefined {
    const r = (ref ?? {}) as { ContactID?: string; ContactNumber?: string; Name?: string };
    if (r.ContactID) return this.contacts.get(r.ContactID);
    return [...this.contacts.values()].find((c) => (r.ContactNumber && c.ContactNumber === r.ContactNumber) || (r.Name && c.Name === r.Name));
  }

  /** A copy of the documents, to undo an all-or-nothing batch that failed part-way. */
  snapshot(): unknown {
    return structuredClone([this.contacts, this.bankTransactions, this.invoices, this.payments, this.manualJournals]);
  }

  restore(snapshot: unknown): void {
    const maps = snapshot as Map<string, Doc>[];
    [this.contacts, this.bankTransactions, this.invoices, this.payments, this.manualJournals].forEach((m, i) => {
      m.clear();
      for (const [k, v] of maps[i]) m.set(k, v);
    });
  }

  /** The document (of any kind that takes attachments) with this id. */
  document(id: string): Doc | undefined {
    return this.bankTransactions.get(id) ?? this.invoices.get(id) ?? this.manualJournals.get(id) ?? this.contacts.get(id);
  }
}
