import { randomBytes, randomUUID } from 'node:crypto';
import { HttpAnswer } from './xero-answers';

export interface FakeXeroClient {
  clientId: string;
  clientSecret: string;
  /** a Custom Connection: client_credentials grants a token for this one tenant */
  customConnectionTenantId?: string;
  /** the app's redirect URIs (developer.xero.com → the app → Configuration); authorize takes only these */
  redirectUris?: string[];
}

interface Grant {
  clientId: string;
  tenantIds: string[];
  scope?: string;
}

/** What the user does on the next consent screen (then back to auto-consent to every organisation). */
export interface FakeXeroConsent {
  /** the user clicks "Cancel": back to the app with error=access_denied */
  deny?: boolean;
  /** the organisations the user ticks (default: all); [] sends the user back with no organisation */
  tenantIds?: string[];
}

/** Xero's OAuth scopes: the broad ones of older apps and the granular ones new apps must use. */
export const XERO_SCOPES = new Set([
  'openid', 'profile', 'email', 'offline_access',
  'accounting.transactions', 'accounting.transactions.read', 'accounting.contacts', 'accounting.contacts.read',
  'accounting.settings', 'accounting.settings.read', 'accounting.attachments', 'accounting.attachments.read',
  'accounting.invoices', 'accounting.invoices.read', 'accounting.payments', 'accounting.payments.read',
  'accounting.banktransactions', 'accounting.banktransactions.read', 'accounting.manualjournals', 'accounting.manualjournals.read',
]);
/** Xero's authorisation codes live five minutes and are good for one exchange. */
export const CODE_TTL_MS = 5 * 60_000;

const token = () => randomBytes(24).toString('base64url');

/**
 * Xero's identity service: authorize (auth code), `/connect/token` (authorization_code,
 * refresh_token with rotation, client_credentials), `/connections`. Refresh tokens rotate on every
 * use: a used one is dead (`invalid_grant`), which is what punishes two processes refreshing the
 * same chain. Access tokens live 30 minutes.
 */
export class FakeXeroIdentity {
  readonly clients = new Map<string, FakeXeroClient>();
  private readonly codes = new Map<string, Grant & { redirectUri: string; expiresAt: number }>();
  private readonly refreshTokens = new Map<string, Grant & { used: boolean }>();
  private readonly accessTokens = new Map<string, Grant & { expiresAt: number }>();
  /** successful token grants by type, for tests (one refresh, not two) */
  readonly grants: { type: string; at: number }[] = [];
  /** code exchanges, accepted or refused (a replayed code shows here as refused) */
  readonly exchanges: { code: string; ok: boolean }[] = [];
  /** the next consent screen's answer (auto-consent to every organisation when unset) */
  nextConsent?: FakeXeroConsent;
  accessTokenTtlSeconds = 1800;

  constructor(private readonly now: () => number = Date.now) {}

  addClient(client: FakeXeroClient): void {
    this.clients.set(client.clientId, client);
  }

  /** A refresh token as if a user had completed the connect flow for these tenants (first link of a chain). */
  issueRefreshToken(clientId: string, tenantIds: string[], scope?: string, value = token()): string {
    if (this.refreshTokens.has(value)) throw new Error('that refresh token was issued already');
    this.refreshTokens.set(value, { clientId, tenantIds, scope, used: false });
    return value;
  }

  /** What an access token may reach, or null when it is unknown or expired. */
  tenantsOf(bearer: string | undefined): string[] | null {
    const grant = bearer ? this.accessTokens.get(bearer) : undefined;
    return grant && grant.expiresAt > this.now() ? grant.tenantIds : null;
  }

  expireAccessTokens(): void {
    for (const grant of this.accessTokens.values()) grant.expiresAt = 0;
  }

  /**
   * GET /identity/connect/authorize: the user consents (to every organisation unless `nextConsent`
   * says otherwise) and is sent back with a code. Like Xero, a request that cannot be trusted (unknown
   * client, a redirect URI the app did not register) is answered here and never redirected.
   */
  authorize(url: URL, tenantIds: string[]): HttpAnswer {
    const q = url.searchParams;
    const client = this.clients.get(q.get('client_id') ?? '');
    const redirectUri = q.get('redirect_uri') ?? '';
    if (!client) return new HttpAnswer(400, { error: 'unauthorized_client', error_description: 'unknown client_id' });
    if (!client.redirectUris?.includes(redirectUri)) return new HttpAnswer(400, { error: 'invalid_request', error_description: `redirect_uri ${JSON.stringify(redirectUri)} is not one of the app's redirect URIs` });
    const back = new URL(redirectUri);
    const reply = (params: Record<string, string>) => {
      for (const [k, v] of Object.entries(params)) back.searchParams.set(k, v);
      if (q.get('state')) back.searchParams.set('state', q.get('state')!);
      return new HttpAnswer(302, undefined, { location: back.toString() });
    };
    if (q.get('response_type') !== 'code') return reply({ error: 'unsupported_response_type' });
    const scopes = (q.get('scope') ?? '').split(' ').filter(Boolean);
    const unknown = scopes.filter((s) => !XERO_SCOPES.has(s));
    if (!scopes.length || unknown.length) return reply({ error: 'invalid_scope', error_description: `unknown scope(s): ${unknown.join(' ') || '(none asked)'}` });
    const consent = this.nextConsent ?? {};
    this.nextConsent = undefined;
    if (consent.deny) return reply({ error: 'access_denied' });
    const code = token();
    this.codes.set(code, { clientId: client.clientId, tenantIds: consent.tenantIds ?? tenantIds, redirectUri, scope: scopes.join(' '), expiresAt: this.now() + CODE_TTL_MS });
    return reply({ code, scope: scopes.join(' ') });
  }

  /** POST /connect/token */
  token(authorization: string | undefined, raw: string, contentType: string | undefined): HttpAnswer {
    if (!/^application\/x-www-form-urlencoded\b/i.test(contentType ?? '')) return new HttpAnswer(400, { error: 'invalid_request', error_description: 'the body must be application/x-www-form-urlencoded' });
    const form = new URLSearchParams(raw);
    const basic = Buffer.from((authorization ?? '').replace(/^Basic /i, ''), 'base64').toString();
    const [id, secret] = basic.includes(':') ? [basic.slice(0, basic.indexOf(':')), basic.slice(basic.indexOf(':') + 1)] : [form.get('client_id'), form.get('client_secret')];
    const client = this.clients.get(id ?? '');
    if (!client || client.clientSecret !== secret) return new HttpAnswer(400, { error: 'invalid_client' });
    switch (form.get('grant_type')) {
      case 'authorization_code': {
        const presented = form.get('code') ?? '';
        const code = this.codes.get(presented);
        this.codes.delete(presented); // one exchange per code, whatever its outcome
        const ok = !!code && code.clientId === client.clientId && code.redirectUri === form.get('redirect_uri') && code.expiresAt > this.now();
        this.exchanges.push({ code: presented, ok });
        if (!ok) return new HttpAnswer(400, { error: 'invalid_grant' });
        return this.tokenSet('authorization_code', code, true);
      }
      case 'refresh_token': {
        const presented = form.get('refresh_token') ?? '';
        const grant = this.refreshTokens.get(presented);
        if (!grant || grant.used || grant.clientId !== client.clientId) return new HttpAnswer(400, { error: 'invalid_grant' });
        grant.used = true; // rotation: this refresh token is dead from now on
        return this.tokenSet('refresh_token', grant, true);
      }
      case 'client_credentials': {
        if (!client.customConnectionTenantId) return new HttpAnswer(400, { error: 'unauthorized_client' });
        return this.tokenSet('client_credentials', { clientId: client.clientId, tenantIds: [client.customConnectionTenantId] }, false);
      }
      default:
        return new HttpAnswer(400, { error: 'unsupported_grant_type' });
    }
  }

  /** GET /connections: the tenants the token may reach. */
  connections(bearer: string | undefined, names: (tenantId: string) => string): HttpAnswer {
    const tenants = this.tenantsOf(bearer);
    if (!tenants) return new HttpAnswer(401, { Title: 'Unauthorized', Status: 401, Detail: 'AuthenticationUnsuccessful' });
    const at = new Date(this.now()).toISOString();
    return new HttpAnswer(200, tenants.map((tenantId) => ({ id: randomUUID(), authEventId: randomUUID(), tenantId, tenantType: 'ORGANISATION', tenantName: names(tenantId), createdDateUtc: at, updatedDateUtc: at })));
  }

  private tokenSet(type: string, grant: Grant, withRefresh: boolean): HttpAnswer {
    const access = token();
    this.accessTokens.set(access, { clientId: grant.clientId, tenantIds: grant.tenantIds, scope: grant.scope, expiresAt: this.now() + this.accessTokenTtlSeconds * 1000 });
    this.grants.push({ type, at: this.now() });
    const refresh = withRefresh && (grant.scope ?? 'offline_access').split(' ').includes('offline_access') ? this.issueRefreshToken(grant.clientId, grant.tenantIds, grant.scope) : undefined;
    const scope = grant.scope ?? 'offline_access accounting.transactions accounting.contacts accounting.attachments accounting.settings';
    return new HttpAnswer(200, { access_token: access, expires_in: this.accessTokenTtlSeconds, token_type: 'Bearer', scope, ...(refresh && { refresh_token: refresh }) });
  }
}
