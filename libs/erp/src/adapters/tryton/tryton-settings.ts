/** A Tryton connection's settings (non-secret) and where they come from in the environment. */
export interface TrytonSettings {
  url: string;
  database: string;
  user: string;
  /** the company to book in; optional when the database has exactly one */
  companyId?: number;
  /** code of the general journal Pleo's journal entries go to */
  journal: string;
  /** code of the expense journal supplier invoices go to */
  invoiceJournal: string;
}

export const TRYTON_SECRET_NAMES = ['password'] as const;

export const TRYTON_DEFAULTS = { journal: 'PLEO', invoiceJournal: 'EXP' } as const;

/** The environment's default connection: TRYTON_* variables → settings and secrets. */
export function trytonFromEnv(env: NodeJS.ProcessEnv): { settings: Record<string, unknown>; secrets: Record<string, string> } {
  const settings: Record<string, unknown> = {
    url: env.TRYTON_URL,
    database: env.TRYTON_DATABASE,
    user: env.TRYTON_USER,
    ...(env.TRYTON_COMPANY_ID && { companyId: Number(env.TRYTON_COMPANY_ID) }),
    ...(env.TRYTON_JOURNAL && { journal: env.TRYTON_JOURNAL }),
    ...(env.TRYTON_INVOICE_JOURNAL && { invoiceJournal: env.TRYTON_INVOICE_JOURNAL }),
  };
  return { settings, secrets: env.TRYTON_PASSWORD ? { password: env.TRYTON_PASSWORD } : {} };
}

const KNOWN = new Set(['url', 'database', 'user', 'companyId', 'journal', 'invoiceJournal']);
const text = (v: unknown) => typeof v === 'string' && v.trim().length > 0;

/** Every problem, worded for the operator; [] when the settings can be used. */
export function trytonSettingsProblems(settings: Record<string, unknown>): string[] {
  const problems: string[] = [];
  let url: URL | null = null;
  try {
    url = text(settings.url) ? new URL(String(settings.url)) : null;
  } catch {
    url = null;
  }
  if (!url || !/^https?:$/.test(url.protocol)) problems.push('TRYTON_URL (url): an http(s) URL of trytond, e.g. http://127.0.0.1:8000');
  else if (url.username || url.password) problems.push('TRYTON_URL (url): must not carry credentials; use TRYTON_USER and TRYTON_PASSWORD');
  if (!text(settings.database)) problems.push('TRYTON_DATABASE (database): the Tryton database name is required');
  if (!text(settings.user)) problems.push('TRYTON_USER (user): the Tryton user name is required');
  if (settings.companyId !== undefined && !(Number.isInteger(settings.companyId) && (settings.companyId as number) > 0)) {
    problems.push('TRYTON_COMPANY_ID (companyId): a positive whole number (the id of company.company)');
  }
  for (const key of ['journal', 'invoiceJournal'] as const) {
    if (settings[key] !== undefined && !text(settings[key])) problems.push(`${key}: a journal code, e.g. ${TRYTON_DEFAULTS[key]}`);
  }
  for (const key of Object.keys(settings)) if (!KNOWN.has(key) && settings[key] !== undefined) problems.push(`${key}: not a Tryton setting`);
  return problems;
}

export function parseTrytonSettings(settings: Record<string, unknown>): TrytonSettings {
  const problems = trytonSettingsProblems(settings);
  if (problems.length) throw new Error(`Tryton settings: ${problems.join('; ')}`);
  return {
    url: String(settings.url),
    database: String(settings.database),
    user: String(settings.user),
    ...(settings.companyId !== undefined && { companyId: settings.companyId as number }),
    journal: String(settings.journal ?? TRYTON_DEFAULTS.journal),
    invoiceJournal: String(settings.invoiceJournal ?? TRYTON_DEFAULTS.invoiceJournal),
  };
}
