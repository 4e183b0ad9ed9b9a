import { JsonObject } from '../../erp-kind';

/** Defaults of a Business Central connection (Microsoft's public endpoints, journal PLEO). */
export const BC_DEFAULTS = {
  journalCode: 'PLEO',
  apiUrl: 'https://api.businesscentral.dynamics.com/v2.0',
  tokenUrl: 'https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token',
} as const;

/** The Entra scope of the client-credentials grant for Business Central's APIs. */
export const BC_SCOPE = 'https://api.businesscentral.dynamics.com/.default';

export interface BcSettings {
  /** Microsoft Entra tenant (directory) id or domain */
  tenantId: string;
  /** the Entra app registration's application (client) id */
  clientId: string;
  /** environment name: production, sandbox, … */
  environment: string;
  /** the company's id (GUID, from GET …/api/v2.0/companies) */
  companyId: string;
  /** code of the general journal batch entries are booked in (dedicated to this service) */
  journalCode: string;
  /**
   * code of a second general journal batch where journal entries Pleo exports as drafts wait for
   * the bookkeeper (this service fills it and never posts it); unset: such drafts are refused
   */
  draftJournalCode?: string;
  /** e.g. https://api.businesscentral.dynamics.com/v2.0 */
  apiUrl: string;
  /** token endpoint; `{tenant}` is replaced by the tenant id */
  tokenUrl: string;
}

/** Secrets of a Business Central connection: the Entra app's client secret. */
export const BC_SECRET_NAMES = ['clientSecret'] as const;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const text = (v: unknown): v is string => typeof v === 'string' && v.trim().length > 0;
const isUrl = (v: unknown) => typeof v === 'string' && /^https?:\/\/[^\s@]+$/.test(v) && URL.canParse(v.replace('{tenant}', 't'));

/** Where each setting comes from in the environment, to name it in problems. */
export const BC_ENV_NAMES: Record<keyof BcSettings | 'clientSecret', string> = {
  tenantId: 'BC_TENANT_ID',
  clientId: 'BC_CLIENT_ID',
  clientSecret: 'BC_CLIENT_SECRET',
  environment: 'BC_ENVIRONMENT',
  companyId: 'BC_COMPANY_ID',
  journalCode: 'BC_JOURNAL_CODE',
  draftJournalCode: 'BC_DRAFT_JOURNAL_CODE',
  apiUrl: 'BC_API_BASE_URL',
  tokenUrl: 'BC_TOKEN_URL',
};

const KNOWN = new Set(Object.keys(BC_ENV_NAMES).filter((k) => k !== 'clientSecret'));
const name = (key: keyof typeof BC_ENV_NAMES) => `${BC_ENV_NAMES[key]} (${key})`;

/** Every problem with a connection's non-secret settings, worded for the operator; [] when fine. */
export function bcSettingsProblems(settings: JsonObject): string[] {
  const problems: string[] = [];
  if (!text(settings.tenantId) || !(GUID.test(settings.tenantId) || /^[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(settings.tenantId))) {
    problems.push(`${name('tenantId')}: the Microsoft Entra tenant id (a GUID) or its domain (contoso.onmicrosoft.com) is required`);
  }
  if (!text(settings.clientId) || !GUID.test(settings.clientId)) problems.push(`${name('clientId')}: the Entra app's application (client) id, a GUID, is required`);
  if (!text(settings.environment) || !/^[A-Za-z0-9_-]{1,30}$/.test(settings.environment)) {
    problems.push(`${name('environment')}: the Business Central environment name (e.g. production, sandbox) is required`);
  }
  if (!text(settings.companyId) || !GUID.test(settings.companyId)) {
    problems.push(`${name('companyId')}: the company's id, a GUID (GET …/api/v2.0/companies lists them), is required`);
  }
  if (settings.journalCode !== undefined && !(text(settings.journalCode) && /^[A-Za-z0-9_.\-/ ]{1,10}$/.test(settings.journalCode))) {
    problems.push(`${name('journalCode')}: a general journal batch code of at most 10 characters, e.g. ${BC_DEFAULTS.journalCode}`);
  }
  if (settings.draftJournalCode !== undefined) {
    if (!(text(settings.draftJournalCode) && /^[A-Za-z0-9_.\-/ ]{1,10}$/.test(settings.draftJournalCode))) {
      problems.push(`${name('draftJournalCode')}: a general journal batch code of at most 10 characters, e.g. PLEO-DRAFT`);
    } else if (settings.draftJournalCode.toUpperCase() === String(settings.journalCode ?? BC_DEFAULTS.journalCode).toUpperCase()) {
      problems.push(`${name('draftJournalCode')}: must differ from ${name('journalCode')} (that journal is posted as a whole, drafts included)`);
    }
  }
  if (settings.apiUrl !== undefined && !isUrl(settings.apiUrl)) problems.push(`${name('apiUrl')}: an http(s) URL without credentials, e.g. ${BC_DEFAULTS.apiUrl}`);
  if (settings.tokenUrl !== undefined && !isUrl(settings.tokenUrl)) problems.push(`${name('tokenUrl')}: an http(s) URL without credentials, e.g. ${BC_DEFAULTS.tokenUrl}`);
  for (const key of Object.keys(settings)) if (!KNOWN.has(key) && settings[key] !== undefined) problems.push(`${key}: not a Business Central setting`);
  return problems;
}

export function parseBcSettings(settings: JsonObject): BcSettings {
  const problems = bcSettingsProblems(settings);
  if (problems.length) throw new Error(`Business Central settings: ${problems.join('; ')}`);
  return {
    tenantId: String(settings.tenantId),
    clientId: String(settings.clientId),
    environment: String(settings.environment),
    companyId: String(settings.companyId),
    journalCode: String(settings.journalCode ?? BC_DEFAULTS.journalCode).toUpperCase(),
    ...(settings.draftJournalCode !== undefined && { draftJournalCode: String(settings.draftJournalCode).toUpperCase() }),
    apiUrl: String(settings.apiUrl ?? BC_DEFAULTS.apiUrl).replace(/\/+$/, ''),
    tokenUrl: String(settings.tokenUrl ?? BC_DEFAULTS.tokenUrl),
  };
}

/**
 * The environment's default connection (ERP_ADAPTER=business-central): BC_* variables → settings
 * and secrets, with every problem named at once (the process refuses to start with them).
 */
export function bcFromEnv(env: Record<string, string | undefined>): { settings: JsonObject; secrets: Record<string, string>; problems: string[] } {
  const v = (key: string) => (env[key]?.trim() ? env[key]!.trim() : undefined);
  const settings: JsonObject = {
    tenantId: v('BC_TENANT_ID'),
    clientId: v('BC_CLIENT_ID'),
    environment: v('BC_ENVIRONMENT'),
    companyId: v('BC_COMPANY_ID'),
    journalCode: v('BC_JOURNAL_CODE') ?? BC_DEFAULTS.journalCode,
    draftJournalCode: v('BC_DRAFT_JOURNAL_CODE'),
    apiUrl: v('BC_API_BASE_URL') ?? BC_DEFAULTS.apiUrl,
    tokenUrl: v('BC_TOKEN_URL') ?? BC_DEFAULTS.tokenUrl,
  };
  const problems = bcSettingsProblems(settings);
  if (!env.BC_CLIENT_SECRET) problems.push(`${name('clientSecret')}: the Entra app's client secret is required`);
  return { settings, secrets: env.BC_CLIENT_SECRET ? { clientSecret: env.BC_CLIENT_SECRET } : {}, problems };
}
