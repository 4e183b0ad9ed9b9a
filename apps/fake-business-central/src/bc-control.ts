import { HttpAnswer } from './bc-answers';
import type { BcCompany, LedgerExtras } from './bc-company';
import type { Doc } from './bc-store';
import type { BcFault, FakeBusinessCentral } from './fake-business-central.server';

const strip = (docs: Record<string, unknown>[]) => docs;

/** The state of one company as tests read it (API fields plus the ledgers the API does not show). */
export function companyState(co: BcCompany) {
  return {
    companyId: co.id,
    allowPostingFrom: co.allowPostingFrom,
    allowPostingTo: co.allowPostingTo,
    vendors: strip(co.vendors.docs()),
    journals: co.journals.docs(),
    journalLines: co.journalLines.docs().map((l) => ({ ...l, dimensions: co.dimensionSets.get(String(l.id)) ?? [] })),
    purchaseInvoices: co.purchaseInvoices.docs().map((i) => ({
      ...i,
      dimensions: co.dimensionSets.get(String(i.id)) ?? [],
      lines: co.purchaseInvoiceLines.docs().filter((l) => l.documentId === i.id).map((l) => ({ ...l, dimensions: co.dimensionSets.get(String(l.id)) ?? [] })),
    })),
    generalLedgerEntries: co.generalLedgerEntries.docs().map((e) => ({ ...e, ...co.ledgerExtras.get(String(e.id)) }) as Doc & LedgerExtras),
    vendorLedger: co.vendorLedger,
    vendorPayments: co.vendorPayments.docs(),
    documentAttachments: co.documentAttachments.docs(),
  };
}

interface SeedBody {
  accounts?: { number: string; displayName: string; category?: string; blocked?: boolean }[];
  taxGroups?: { code: string; displayName: string; rate: number; reverseCharge?: boolean }[];
  dimensions?: { code: string; displayName: string; values: [string, string][] }[];
  bankAccounts?: { number: string; displayName: string; glAccount: string; currencyCode?: string }[];
  journals?: { code: string; displayName: string; balancingAccountNumber?: string }[];
}

/** Master data added to a company (the chart and setup a test needs beyond the default seed). */
export function seedCompany(co: BcCompany, body: SeedBody): void {
  for (const a of body.accounts ?? []) {
    const existing = co.accounts.find((d) => d.number === a.number);
    if (existing) co.accounts.update(existing, { displayName: a.displayName, blocked: a.blocked ?? false });
    else co.accounts.insert({ number: a.number, displayName: a.displayName, category: a.category ?? 'Expense', subCategory: '', blocked: a.blocked ?? false, accountType: 'Posting', directPosting: true, netChange: 0, consolidationTranslationMethod: 'Average Rate (Manual)', consolidationDebitAccount: '', consolidationCreditAccount: '', excludeFromConsolidation: false });
  }
  for (const t of body.taxGroups ?? []) co.addTaxGroup(t.code, t.displayName, t.rate, t.reverseCharge ?? false);
  for (const d of body.dimensions ?? []) co.addDimension(d.code, d.displayName, d.values);
  for (const b of body.bankAccounts ?? []) co.addBankAccount(b.number, b.displayName, b.glAccount, b.currencyCode);
  for (const j of body.journals ?? []) co.addJournal(j.code, j.displayName, j.balancingAccountNumber);
}

/**
 * /__control/*: violations, calls, state, faults, limits, posting range, master data, clients —
 * for tests and demos (on only with FAKE_BC_CONTROL=1 or `control: true`).
 */
export function bcControl(fake: FakeBusinessCentral, method: string, url: URL, raw: Buffer): HttpAnswer {
  const body = raw.length ? (JSON.parse(raw.toString('utf8')) as Record<string, unknown>) : {};
  const companies = [...fake.environments.values()].flatMap((m) => [...m.values()]);
  const wanted = url.searchParams.get('company');
  const co = (wanted ? companies.find((c) => c.id === wanted) : undefined) ?? companies[0];
  switch (`${method} ${url.pathname}`) {
    case 'GET /__control/violations':
      return new HttpAnswer(200, { violations: fake.violations });
    case 'GET /__control/calls':
      return new HttpAnswer(200, { calls: fake.calls, batchCounts: fake.batchCounts, refusals: fake.limits.refusals, peakConcurrent: fake.limits.peakConcurrent, grants: fake.identity.grants });
    case 'GET /__control/state':
      return co ? new HttpAnswer(200, companyState(co)) : new HttpAnswer(404, { message: 'no company' });
    case 'POST /__control/faults':
      fake.faults.push(body as BcFault);
      return new HttpAnswer(204);
    case 'POST /__control/limits':
      Object.assign(fake.limits.settings, body);
      return new HttpAnswer(200, fake.limits.settings);
    case 'POST /__control/company':
      if ('allowPostingFrom' in body) co.allowPostingFrom = (body.allowPostingFrom as string | null) ?? null;
      if ('allowPostingTo' in body) co.allowPostingTo = (body.allowPostingTo as string | null) ?? null;
      return new HttpAnswer(200, { companyId: co.id, allowPostingFrom: co.allowPostingFrom, allowPostingTo: co.allowPostingTo });
    case 'POST /__control/seed':
      seedCompany(co, body as SeedBody);
      return new HttpAnswer(204);
    case 'POST /__control/tokens/expire':
      fake.identity.expireAll();
      return new HttpAnswer(204);
    default:
      return new HttpAnswer(404, { message: `no control route ${method} ${url.pathname}` });
  }
}
