import { JsonObject } from '../../erp-kind';

export const XERO_DEFAULTS = {
  apiUrl: 'https://api.xero.com/api.xro/2.0',
  identityUrl: 'https://identity.xero.com',
  authorizeUrl: 'https://login.xero.com/identity/connect/authorize',
  connectionsUrl: 'https://api.xero.com/connections',
};

export interface XeroSettings {
  clientId: string;
  grantType: 'authorization_code' | 'client_credentials';
  tenantId: string;
  apiUrl: string;
  identityUrl: string;
  authorizeUrl: string;
  connectionsUrl: string;
}

/** Secrets of a Xero connection: the app's client secret, and the refresh-token chain's first link. */
export const XERO_SECRET_NAMES = ['clientSecret', 'refreshToken'] as const;

const isUrl = (v: unknown) => typeof v === 'string' && /^https?:\/\/[^\s]+$/.test(v) && URL.canParse(v);

/** Problems with a connection's non-secret settings, for the operator; [] when fine. */
export function xeroSettingsProblems(settings: JsonObject): string[] {
  const problems: string[] = [];
  if (typeof settings.clientId !== 'string' || !settings.clientId.trim()) problems.push('clientId: the Xero app\'s client id is required');
  if (settings.grantType !== undefined && settings.grantType !== 'authorization_code' && settings.grantType !== 'client_credentials') {
    problems.push(`grantType: must be authorization_code or client_credentials (got ${JSON.stringify(settings.grantType)})`);
  }
  // authorization_code: the connect flow chooses the organisation, so a stored connection may wait for it
  const tenantNeeded = settings.grantType === 'client_credentials' || settings.tenantId !== undefined;
  if (tenantNeeded && (typeof settings.tenantId !== 'string' || !/^[0-9a-f-]{36}$/i.test(settings.tenantId))) problems.push('tenantId: the Xero organisation\'s tenant id (a GUID, from GET /connections) is required');
  if (settings.scopes !== undefined && (typeof settings.scopes !== 'string' || !/^[a-z_.]+( [a-z_.]+)*$/.test(settings.scopes) || !settings.scopes.split(' ').includes('offline_access'))) {
    problems.push('scopes: the connect flow\'s scopes, space-separated, with offline_access (default: the granular scopes the adapter needs)');
  }
  for (const name of ['apiUrl', 'identityUrl', 'authorizeUrl', 'connectionsUrl'] as const) {
    if (settings[name] !== undefined && !isUrl(settings[name])) problems.push(`${name}: not an http(s) URL`);
  }
  return problems;
}

export function xeroSettings(settings: JsonObject): XeroSettings {
  return {
    clientId: String(settings.clientId),
    grantType: settings.grantType === 'client_credentials' ? 'client_credentials' : 'authorization_code',
    tenantId: typeof settings.tenantId === 'string' ? settings.tenantId : '',
    apiUrl: (settings.apiUrl as string) ?? XERO_DEFAULTS.apiUrl,
    identityUrl: (settings.identityUrl as string) ?? XERO_DEFAULTS.identityUrl,
    authorizeUrl: (settings.authorizeUrl as string) ?? XERO_DEFAULTS.authorizeUrl,
    connectionsUrl: (settings.connectionsUrl as string) ?? XERO_DEFAULTS.connectionsUrl,
  };
}

/**
 * The environment's default Xero connection (ERP_ADAPTER=xero): settings and secrets from XERO_*,
 * with every problem named at once (the process refuses to start with them).
 */
export function xeroFromEnv(env: Record<string, string | undefined>): { settings: JsonObject; secrets: Record<string, string>; problems: string[] } {
  const settings: JsonObject = {
    clientId: env.XERO_CLIENT_ID,
    grantType: env.XERO_GRANT_TYPE || 'authorization_code',
    tenantId: env.XERO_TENANT_ID,
    apiUrl: env.XERO_API_BASE_URL || XERO_DEFAULTS.apiUrl,
    identityUrl: env.XERO_IDENTITY_URL || XERO_DEFAULTS.identityUrl,
    authorizeUrl: env.XERO_AUTHORIZE_URL || XERO_DEFAULTS.authorizeUrl,
    connectionsUrl: env.XERO_CONNECTIONS_URL || XERO_DEFAULTS.connectionsUrl,
  };
  const names: Record<string, string> = { clientId: 'XERO_CLIENT_ID', grantType: 'XERO_GRANT_TYPE', tenantId: 'XERO_TENANT_ID', apiUrl: 'XERO_API_BASE_URL', identityUrl: 'XERO_IDENTITY_URL', authorizeUrl: 'XERO_AUTHORIZE_URL', connectionsUrl: 'XERO_CONNECTIONS_URL' };
  const problems = xeroSettingsProblems(settings).map((p) => p.replace(/^(\w+):/, (_, k: string) => `${names[k] ?? k}:`));
  if (settings.tenantId === undefined && settings.grantType !== 'client_credentials') problems.push('XERO_TENANT_ID: the Xero organisation\'s tenant id (a GUID, from GET /connections) is required');
  if (!env.XERO_CLIENT_SECRET) problems.push('XERO_CLIENT_SECRET: the Xero app\'s client secret is required');
  if (settings.grantType === 'authorization_code' && !env.XERO_REFRESH_TOKEN) problems.push('XERO_REFRESH_TOKEN: required with XERO_GRANT_TYPE=authorization_code (the refresh token from connecting Xero; it rotates and is then kept encrypted in PostgreSQL)');
  const secrets: Record<string, string> = { clientSecret: env.XERO_CLIENT_SECRET ?? '', ...(env.XERO_REFRESH_TOKEN && { refreshToken: env.XERO_REFRESH_TOKEN }) };
  return { settings, secrets, problems };
}
