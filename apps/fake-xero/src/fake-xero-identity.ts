import { randomBytes, randomUUID } from 'node:crypto';
import { HttpAnswer } from './xero-answers';

export interface FakeXeroClient {
  clientId: string;
  clientSecret: string;
  /** a Custom Connection: client_credentials grants a token for this one tenant */
  customConnectionTenantId?: string;
}

interface Grant {
  clientId: string;
  tenantIds: string[];
}

const token = () => randomBytes(24).toString('base64url');

/**
 * Xero's identity service: authorize (auth code), `/connect/token` (authorization_code,
 * refresh_token with rotation, client_credentials), `/connections`. Refresh tokens rotate on every
 * use: a used one is dead (`invalid_grant`), which is what punishes two processes refreshing the
 * same chain. Access tokens live 30 minutes.
 */
export class FakeXeroIdentity {
  readonly clients = new Map<string, FakeXeroClient>();
  private readonly codes = new Map<string, Grant & { redirectUri: string }>();
  private readonly refreshTokens = new Map<string, Grant & { used: boolean }>();
  private readonly accessTokens = new Map<string, Grant & { expiresAt: number }>();
  /** successful token grants by type, for tests (one refresh, not two) */
  readonly grants: { type: string; at: number }[] = [];
  accessTokenTtlSeconds = 1800;

  constructor(private readonly now: () => number = Date.now) {}

  addClient(client: FakeXeroClient): void {
    this.clients.set(client.clientId, client);
  }

  /** A refresh token as if a user had completed the connect flow for these tenants (first link of a chain). */
  issueRefreshToken(clientId: string, tenantIds: string[]): string {
    const t = token();
    this.refreshTokens.set(t, { clientId, tenantIds, used: false });
    return t;
  }

  /** What an access token may reach, or null when it is unknown or expired. */
  tenantsOf(bearer: string | undefined): string[] | null {
    const grant = bearer ? this.accessTokens.get(bearer) : undefined;
    return grant && grant.expiresAt > this.now() ? grant.tenantIds : null;
  }

  expireAccessTokens(): void {
    for (const grant of this.accessTokens.values()) grant.expiresAt = 0;
  }

  /** GET /identity/connect/authorize: the user consents and is sent back with a code. */
  authorize(url: URL, tenantIds: string[]): HttpAnswer {
    const q = url.searchParams;
    const client = this.clients.get(q.get('client_id') ?? '');
    const redirectUri = q.get('redirect_uri');
    if (!client || !redirectUri || q.get('response_type') !== 'code') return new HttpAnswer(400, { error: 'invalid_request' });
    if (!(q.get('scope') ?? '').split(' ').includes('offline_access')) return new HttpAnswer(400, { error: 'invalid_scope', error_description: 'offline_access is needed for a refresh token' });
    const code = token();
    this.codes.set(code, { clientId: client.clientId, tenantIds, redirectUri });
    const back = new URL(redirectUri);
    back.searchParams.set('code', code);
    if (q.get('state')) back.searchParams.set('state', q.get('state')!);
    return new HttpAnswer(302, undefined, { location: back.toString() });
  }

  /** POST /connect/token */
  token(authorization: string | undefined, raw: string): HttpAnswer {
    const form = new URLSearchParams(raw);
    const basic = Buffer.from((authorization ?? '').replace(/^Basic /i, ''), 'base64').toString();
    const [id, secret] = basic.includes(':') ? [basic.slice(0, basic.indexOf(':')), basic.slice(basic.indexOf(':') + 1)] : [form.get('client_id'), form.get('client_secret')];
    const client = this.clients.get(id ?? '');
    if (!client || client.clientSecret !== secret) return new HttpAnswer(400, { error: 'invalid_client' });
    switch (form.get('grant_type')) {
      case 'authorization_code': {
        const code = this.codes.get(form.get('code') ?? '');
        this.codes.delete(form.get('code') ?? '');
        if (!code || code.clientId !== client.clientId || code.redirectUri !== form.get('redirect_uri')) return new HttpAnswer(400, { error: 'invalid_grant' });
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
    this.accessTokens.set(access, { clientId: grant.clientId, tenantIds: grant.tenantIds, expiresAt: this.now() + this.accessTokenTtlSeconds * 1000 });
    this.grants.push({ type, at: this.now() });
    const refresh = withRefresh ? this.issueRefreshToken(grant.clientId, grant.tenantIds) : undefined;
    return new HttpAnswer(200, { access_token: access, expires_in: this.accessTokenTtlSeconds, token_type: 'Bearer', scope: 'offline_access accounting.transactions accounting.contacts accounting.attachments accounting.settings', ...(refresh && { refresh_token: refresh }) });
  }
}
