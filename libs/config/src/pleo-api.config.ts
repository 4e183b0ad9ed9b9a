import { Expose, Transform } from 'class-transformer';
import { IsIn, IsOptional, Matches } from 'class-validator';
import { CommonConfig } from './common.config';
import { BoolSetting } from './bool-setting';
import { IntSetting } from './int-setting';
import { OptionalTextSetting } from './text-settings';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function isLoopback(url: string): boolean {
  try {
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    return host === 'localhost' || host === '::1' || /^127\./.test(host);
  } catch {
    return false;
  }
}

/** `production` / `staging` for Pleo's own hosts; undefined for anything else (a fake, a proxy). */
function pleoEnvironment(url: string): string | undefined {
  try {
    const host = new URL(url).hostname;
    if (!/(^|\.)pleo\.io$/.test(host)) return undefined;
    return /(^|\.)staging\./.test(host) ? 'staging' : 'production';
  } catch {
    return undefined;
  }
}

/** How the worker reaches Pleo's API, and how it retries (processes that call Pleo extend this). */
export class PleoApiConfig extends CommonConfig {
  @Expose()
  @Transform(trim)
  @Matches(/^https?:\/\/[^\s]+$/, { message: 'PLEO_API_BASE_URL must be an http(s) URL' })
  PLEO_API_BASE_URL = 'https://external.pleo.io';

  /** API key auth (HTTP Basic, key as user name). Either this or the OAuth settings. */
  @OptionalTextSetting()
  PLEO_API_KEY?: string;

  @OptionalTextSetting()
  PLEO_OAUTH_CLIENT_ID?: string;

  @OptionalTextSetting()
  PLEO_OAUTH_CLIENT_SECRET?: string;

  @OptionalTextSetting()
  PLEO_OAUTH_REFRESH_TOKEN?: string;

  @Expose()
  @Transform(trim)
  @Matches(/^https?:\/\/[^\s]+$/, { message: 'PLEO_OAUTH_TOKEN_URL must be an http(s) URL' })
  PLEO_OAUTH_TOKEN_URL = 'https://auth.pleo.io/oauth/token';

  /** How the client authenticates at the token endpoint: HTTP Basic (default) or in the form body. */
  @Expose()
  @Transform(trim)
  @IsIn(['basic', 'form'], { message: 'PLEO_OAUTH_CLIENT_AUTH must be basic or form' })
  PLEO_OAUTH_CLIENT_AUTH: 'basic' | 'form' = 'basic';

  /** Lets http:// Pleo URLs through for hosts other than loopback (a fake on a private network). */
  @BoolSetting()
  ALLOW_INSECURE_HTTP = false;

  /** 32 random bytes, base64: encrypts stored OAuth tokens (AES-256-GCM). */
  @Expose()
  @IsOptional()
  @Matches(/^[A-Za-z0-9+/]{43}=$/, { message: 'ENCRYPTION_KEY must be 32 bytes, base64-encoded (openssl rand -base64 32)' })
  ENCRYPTION_KEY?: string;

  @IntSetting(100, 120_000)
  PLEO_HTTP_TIMEOUT_MS = 10_000;

  /** Retries inside one call (network errors, 429, 5xx) before the job's own retry takes over. */
  @IntSetting(0, 10)
  PLEO_HTTP_MAX_RETRIES = 3;

  @IntSetting(1, 60_000)
  PLEO_HTTP_RETRY_BASE_MS = 500;

  @Expose()
  @Transform(trim)
  @IsIn(['sandbox', 'tryton', 'xero', 'business-central'], { message: 'ERP_ADAPTER must be one of: sandbox, tryton, xero, business-central' })
  ERP_ADAPTER = 'sandbox';

  /** ERP_ADAPTER=tryton (libs/erp/src/adapters/tryton): trytond's JSON-RPC URL, database, user. */
  @Expose()
  @IsOptional()
  @Transform(trim)
  @Matches(/^https?:\/\/[^\s@]+$/, { message: 'TRYTON_URL must be an http(s) URL without credentials, e.g. http://127.0.0.1:8000' })
  TRYTON_URL?: string;

  @OptionalTextSetting()
  TRYTON_DATABASE?: string;

  @OptionalTextSetting()
  TRYTON_USER?: string;

  @OptionalTextSetting()
  TRYTON_PASSWORD?: string;

  /** the company.company id to book in; optional when the database holds one company */
  @Expose()
  @IsOptional()
  @Matches(/^[1-9]\d*$/, { message: 'TRYTON_COMPANY_ID must be a positive whole number (the id of company.company)' })
  TRYTON_COMPANY_ID?: string;

  /** code of the general journal for journal entries (default PLEO) */
  @OptionalTextSetting()
  TRYTON_JOURNAL?: string;

  /** code of the expense journal for supplier invoices (default EXP) */
  @OptionalTextSetting()
  TRYTON_INVOICE_JOURNAL?: string;

  /**
   * ERP_ADAPTER=business-central (libs/erp/src/adapters/business-central): the Entra app (client
   * credentials), the environment and company, the journal batch, and the endpoints (overridable for
   * the local fake).
   */
  @Expose()
  @IsOptional()
  @Transform(trim)
  @Matches(/^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[a-z0-9-]+(\.[a-z0-9-]+)+)$/i, { message: 'BC_TENANT_ID must be the Microsoft Entra tenant id (a GUID) or its domain' })
  BC_TENANT_ID?: string;

  @Expose()
  @IsOptional()
  @Transform(trim)
  @Matches(GUID, { message: "BC_CLIENT_ID must be the Entra app's application (client) id, a GUID" })
  BC_CLIENT_ID?: string;

  @OptionalTextSetting()
  BC_CLIENT_SECRET?: string;

  @Expose()
  @IsOptional()
  @Transform(trim)
  @Matches(/^[A-Za-z0-9_-]{1,30}$/, { message: 'BC_ENVIRONMENT must be a Business Central environment name, e.g. production or sandbox' })
  BC_ENVIRONMENT?: string;

  @Expose()
  @IsOptional()
  @Transform(trim)
  @Matches(GUID, { message: "BC_COMPANY_ID must be the company's id, a GUID (GET …/api/v2.0/companies)" })
  BC_COMPANY_ID?: string;

  /** general journal batch for Pleo's entries (default PLEO) */
  @Expose()
  @IsOptional()
  @Transform(trim)
  @Matches(/^[A-Za-z0-9_.\-/ ]{1,10}$/, { message: 'BC_JOURNAL_CODE must be a journal batch code of at most 10 characters' })
  BC_JOURNAL_CODE?: string;

  @Expose()
  @IsOptional()
  @Transform(trim)
  @Matches(/^[A-Za-z0-9_.\-/ ]{1,10}$/, { message: 'BC_DRAFT_JOURNAL_CODE must be a journal batch code of at most 10 characters' })
  BC_DRAFT_JOURNAL_CODE?: string;

  @Expose()
  @IsOptional()
  @Transform(trim)
  @Matches(/^https?:\/\/[^\s@]+$/, { message: 'BC_API_BASE_URL must be an http(s) URL without credentials' })
  BC_API_BASE_URL?: string;

  @Expose()
  @IsOptional()
  @Transform(trim)
  @Matches(/^https?:\/\/[^\s@]+$/, { message: 'BC_TOKEN_URL must be an http(s) URL without credentials ({tenant} is replaced by BC_TENANT_ID)' })
  BC_TOKEN_URL?: string;

  /** ERP_ADAPTER=xero (libs/erp/src/adapters/xero): the Xero app, its grant, the organisation. */
  @OptionalTextSetting()
  XERO_CLIENT_ID?: string;

  @OptionalTextSetting()
  XERO_CLIENT_SECRET?: string;

  /** authorization_code (default: the refresh-token chain) or client_credentials (Custom Connections) */
  @Expose()
  @IsOptional()
  @Transform(trim)
  @IsIn(['authorization_code', 'client_credentials'], { message: 'XERO_GRANT_TYPE must be authorization_code or client_credentials' })
  XERO_GRANT_TYPE?: string;

  /** the chain's first link; it rotates on every refresh and the rotated one, sealed in PostgreSQL, wins */
  @OptionalTextSetting()
  XERO_REFRESH_TOKEN?: string;

  @Expose()
  @IsOptional()
  @Transform(trim)
  @Matches(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, { message: 'XERO_TENANT_ID must be the Xero organisation\'s tenant id (a GUID, from GET /connections)' })
  XERO_TENANT_ID?: string;

  /** default https://api.xero.com/api.xro/2.0 */
  @Expose()
  @IsOptional()
  @Transform(trim)
  @Matches(/^https?:\/\/[^\s@]+$/, { message: 'XERO_API_BASE_URL must be an http(s) URL without credentials' })
  XERO_API_BASE_URL?: string;

  /** default https://identity.xero.com (token endpoint /connect/token) */
  @Expose()
  @IsOptional()
  @Transform(trim)
  @Matches(/^https?:\/\/[^\s@]+$/, { message: 'XERO_IDENTITY_URL must be an http(s) URL without credentials' })
  XERO_IDENTITY_URL?: string;

  @Expose()
  @IsOptional()
  @Transform(trim)
  @Matches(/^https?:\/\/[^\s@]+$/, { message: 'XERO_AUTHORIZE_URL must be an http(s) URL without credentials' })
  XERO_AUTHORIZE_URL?: string;

  @Expose()
  @IsOptional()
  @Transform(trim)
  @Matches(/^https?:\/\/[^\s@]+$/, { message: 'XERO_CONNECTIONS_URL must be an http(s) URL without credentials' })
  XERO_CONNECTIONS_URL?: string;

  pleoAuthMode(): 'api-key' | 'oauth' | null {
    if (this.PLEO_OAUTH_CLIENT_ID || this.PLEO_OAUTH_CLIENT_SECRET || this.PLEO_OAUTH_REFRESH_TOKEN) return 'oauth';
    return this.PLEO_API_KEY ? 'api-key' : null;
  }

  /** Rules across variables, checked by loadConfig after the per-variable ones. */
  override crossFieldProblems(): string[] {
    const problems = [...super.crossFieldProblems(), ...this.transportProblems(), ...this.trytonProblems(), ...this.xeroProblems(), ...this.businessCentralProblems()];
    return [...problems, ...this.credentialProblems()];
  }

  override startupWarnings(): string[] {
    const warnings = super.startupWarnings();
    const api = pleoEnvironment(this.PLEO_API_BASE_URL);
    const auth = this.pleoAuthMode() === 'oauth' ? pleoEnvironment(this.PLEO_OAUTH_TOKEN_URL) : undefined;
    if (api && auth && api !== auth) {
      warnings.push(
        `PLEO_API_BASE_URL is Pleo's ${api} environment but PLEO_OAUTH_TOKEN_URL is ${auth}: tokens from one are refused by the other`,
      );
    }
    return warnings;
  }

  /** Credentials travel in these requests: https, unless the host is this machine or it is allowed. */
  private transportProblems(): string[] {
    const allowed = this.ALLOW_INSECURE_HTTP || this.DEMO_MODE;
    return (['PLEO_API_BASE_URL', 'PLEO_OAUTH_TOKEN_URL'] as const).flatMap((name) => {
      const value = this[name];
      if (typeof value !== 'string' || !value.startsWith('http://') || allowed) return [];
      if (isLoopback(value) && !this.isProduction()) return [];
      return [`${name}: must be https:// (credentials are sent to it); http:// only for loopback outside production, or with ALLOW_INSECURE_HTTP=true`];
    });
  }

  /** ERP_ADAPTER=tryton: where and as whom to log in (libs/erp/src/adapters/tryton). */
  private trytonProblems(): string[] {
    if (this.ERP_ADAPTER !== 'tryton') return [];
    return (['TRYTON_URL', 'TRYTON_DATABASE', 'TRYTON_USER', 'TRYTON_PASSWORD'] as const).filter((k) => !this[k]).map((k) => `${k}: required with ERP_ADAPTER=tryton`);
  }

  /** ERP_ADAPTER=business-central: the app, environment and company are required. */
  private businessCentralProblems(): string[] {
    if (this.ERP_ADAPTER !== 'business-central') return [];
    return (['BC_TENANT_ID', 'BC_CLIENT_ID', 'BC_CLIENT_SECRET', 'BC_ENVIRONMENT', 'BC_COMPANY_ID'] as const)
      .filter((k) => !this[k])
      .map((k) => `${k}: required with ERP_ADAPTER=business-central`);
  }

  /**
   * ERP_ADAPTER=xero: the app's credentials, the organisation and, for the refresh-token chain, its
   * first link and the key that seals the rotated tokens. (The values' formats are checked per variable.)
   */
  private xeroProblems(): string[] {
    if (this.ERP_ADAPTER !== 'xero') return [];
    const problems = (['XERO_CLIENT_ID', 'XERO_CLIENT_SECRET', 'XERO_TENANT_ID'] as const).filter((k) => !this[k]).map((k) => `${k}: required with ERP_ADAPTER=xero`);
    if ((this.XERO_GRANT_TYPE ?? 'authorization_code') === 'authorization_code') {
      if (!this.XERO_REFRESH_TOKEN) problems.push('XERO_REFRESH_TOKEN: required with ERP_ADAPTER=xero and XERO_GRANT_TYPE=authorization_code (the refresh token from connecting Xero; it rotates and is then kept encrypted in PostgreSQL)');
      if (!this.ENCRYPTION_KEY) problems.push('ENCRYPTION_KEY: required with ERP_ADAPTER=xero and XERO_GRANT_TYPE=authorization_code (the rotating Xero tokens are stored encrypted)');
    }
    return problems;
  }

  private credentialProblems(): string[] {
    const mode = this.pleoAuthMode();
    if (!mode) return ['PLEO_API_KEY: set it, or the OAuth settings (PLEO_OAUTH_CLIENT_ID, PLEO_OAUTH_CLIENT_SECRET, PLEO_OAUTH_REFRESH_TOKEN)'];
    if (mode === 'api-key') return [];
    const problems = (['PLEO_OAUTH_CLIENT_ID', 'PLEO_OAUTH_CLIENT_SECRET', 'PLEO_OAUTH_REFRESH_TOKEN'] as const)
      .filter((k) => !this[k])
      .map((k) => `${k}: required with OAuth (the other PLEO_OAUTH_* settings are set)`);
    if (!this.ENCRYPTION_KEY) problems.push('ENCRYPTION_KEY: required with OAuth (stored tokens are encrypted)');
    if (this.PLEO_API_KEY) problems.push('PLEO_API_KEY: set either an API key or OAuth, not both');
    return problems;
  }
}
