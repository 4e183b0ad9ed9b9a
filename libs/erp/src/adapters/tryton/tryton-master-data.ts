import { ErpError } from '../../erp-errors';
import { TrytonRpcClient } from './tryton-rpc.client';
import { TrytonSettings } from './tryton-settings';

export interface TrytonTax {
  id: number;
  name: string;
  /** percentage taxes: the rate; reverse charge: the rate of its positive (input) child */
  rate: string;
  reverse: boolean;
  /** where Tryton books it: [input] or, reverse charge, [input, output] */
  accounts: { id: number; code: string; rate: string; taxId: number }[];
}

export interface TrytonChart {
  companyId: number;
  currency: string;
  currencyId: number;
  /** the currencies Tryton holds, by ISO code */
  currencies: Map<string, number>;
  accounts: Map<string, { id: number; partyRequired: boolean }>;
  accountCodes: Map<number, string>;
  taxes: Map<string, TrytonTax>;
  journal: number;
  invoiceJournal: number;
  /** invoice payment methods by the code of the account the money leaves */
  paymentMethods: Map<string, number>;
  /** analytic roots by code and name → their accounts by code and name */
  analytic: Map<string, { id: number; accounts: Map<string, number> }>;
  loadedAt: number;
}

type Row = Record<string, unknown> & { id: number };
const TTL_MS = 60_000;

/**
 * The master data an entry names (accounts, taxes, journals, payment methods, analytic accounts),
 * read in one go and cached for a minute: one look-up per entry would dominate an export's cost.
 */
export class TrytonMasterData {
  private cached?: Promise<TrytonChart>;

  constructor(
    private readonly rpc: TrytonRpcClient,
    private readonly settings: TrytonSettings,
  ) {}

  chart(signal?: AbortSignal): Promise<TrytonChart> {
    const current = this.cached;
    if (current) {
      return current.then((c) => (Date.now() - c.loadedAt < TTL_MS ? c : this.reload(signal)));
    }
    return this.reload(signal);
  }

  reload(signal?: AbortSignal): Promise<TrytonChart> {
    this.cached = this.load(signal).catch((err) => {
      this.cached = undefined;
      throw err;
    });
    return this.cached;
  }

  private find(model: string, domain: unknown[], fields: string[], context: object, signal?: AbortSignal): Promise<Row[]> {
    return this.rpc.call<Row[]>(`model.${model}.search_read`, [domain, 0, null, null, fields, context], signal);
  }

  private async load(signal?: AbortSignal): Promise<TrytonChart> {
    const companyId = await this.companyId(signal);
    const ctx = { company: companyId };
    const [company] = await this.rpc.call<Row[]>('model.company.company.read', [[companyId], ['currency'], ctx], signal);
    const [currency] = await this.rpc.call<Row[]>('model.currency.currency.read', [[company.currency], ['code'], ctx], signal);
    const [accounts, taxes, journals, methods, analytic, currencies] = await Promise.all([
      this.find('account.account', [['company', '=', companyId], ['type', '!=', null]], ['code', 'party_required'], ctx, signal),
      this.find('account.tax', [['company', '=', companyId]], ['name', 'type', 'rate', 'parent', 'invoice_account'], ctx, signal),
      this.find('account.journal', [['code', 'in', [this.settings.journal, this.settings.invoiceJournal]]], ['code', 'type'], ctx, signal),
      this.find('account.invoice.payment.method', [['company', '=', companyId]], ['credit_account'], ctx, signal),
      this.find('analytic_account.account', [['company', '=', companyId]], ['code', 'name', 'type', 'root'], ctx, signal),
      this.find('currency.currency', [], ['code'], ctx, signal),
    ]);
    const accountMap = new Map<string, { id: number; partyRequired: boolean }>();
    const accountCodes = new Map<number, string>();
    for (const a of accounts) {
      if (!a.code) continue;
      accountMap.set(String(a.code), { id: a.id, partyRequired: !!a.party_required });
      accountCodes.set(a.id, String(a.code));
    }
    const journal = (code: string, setting: string) => {
      const found = journals.find((j) => j.code === code);
      if (!found) throw new ErpError('configuration', `Tryton has no journal with code "${code}" (${setting}).`);
      return found.id;
    };
    return {
      companyId,
      currency: String(currency.code),
      currencyId: currency.id,
      currencies: new Map(currencies.map((c) => [String(c.code), c.id])),
      accounts: accountMap,
      accountCodes,
      taxes: taxMap(taxes, accountCodes),
      journal: journal(this.settings.journal, 'TRYTON_JOURNAL'),
      invoiceJournal: journal(this.settings.invoiceJournal, 'TRYTON_INVOICE_JOURNAL'),
      paymentMethods: new Map(methods.filter((m) => accountCodes.has(m.credit_account as number)).map((m) => [accountCodes.get(m.credit_account as number)!, m.id])),
      analytic: analyticMap(analytic),
      loadedAt: Date.now(),
    };
  }

  private async companyId(signal?: AbortSignal): Promise<number> {
    const ids = await this.rpc.call<number[]>('model.company.company.search', [[], 0, null, null, {}], signal);
    if (this.settings.companyId !== undefined) {
      if (!ids.includes(this.settings.companyId)) throw new ErpError('configuration', `Tryton has no company ${this.settings.companyId} that this user may use (TRYTON_COMPANY_ID).`);
      return this.settings.companyId;
    }
    if (ids.length !== 1) throw new ErpError('configuration', `Tryton holds ${ids.length} companies: set TRYTON_COMPANY_ID to the one Pleo books into.`);
    return ids[0];
  }
}

function taxMap(rows: Row[], accountCodes: Map<number, string>): Map<string, TrytonTax> {
  const taxes = new Map<string, TrytonTax>();
  const leaf = (t: Row) => ({ id: Number(t.invoice_account), code: accountCodes.get(Number(t.invoice_account)) ?? '', rate: String(t.rate ?? '0'), taxId: t.id });
  for (const t of rows.filter((r) => !r.parent)) {
    const children = rows.filter((r) => r.parent === t.id && r.type === 'percentage');
    if (t.type === 'percentage') {
      taxes.set(String(t.name), { id: t.id, name: String(t.name), rate: String(t.rate), reverse: false, accounts: [leaf(t)] });
    } else if (children.length === 2 && children.some((c) => String(c.rate).startsWith('-'))) {
      // Reverse charge as Tryton models it: a parent with an input child (+rate) and an output child (-rate).
      const sorted = [...children].sort((a) => (String(a.rate).startsWith('-') ? 1 : -1));
      taxes.set(String(t.name), { id: t.id, name: String(t.name), rate: String(sorted[0].rate), reverse: true, accounts: sorted.map(leaf) });
    }
  }
  return taxes;
}

function analyticMap(rows: Row[]) {
  const roots = new Map<string, { id: number; accounts: Map<string, number> }>();
  for (const root of rows.filter((r) => r.type === 'root')) {
    const accounts = new Map<string, number>();
    for (const a of rows.filter((r) => r.root === root.id && r.type === 'normal')) {
      if (a.code) accounts.set(String(a.code), a.id);
      accounts.set(String(a.name), a.id);
    }
    const entry = { id: root.id, accounts };
    if (root.code) roots.set(String(root.code), entry);
    roots.set(String(root.name), entry);
  }
  return roots;
}
