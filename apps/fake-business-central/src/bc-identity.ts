import { randomBytes } from 'node:crypto';
import { HttpAnswer, entraError } from './bc-answers';

export const BC_SCOPE = 'https://api.businesscentral.dynamics.com/.default';

export interface BcClient {
  clientId: string;
  clientSecret: string;
  tenantId: string;
}

export interface BcToken {
  clientId: string;
  tenantId: string;
  expiresAt: number;
}

/**
 * Microsoft Entra ID's token endpoint for the client-credentials grant as BC's S2S apps use it:
 * `POST /{tenant}/oauth2/v2.0/token`, a form body with grant_type, client_id, client_secret and the
 * BC scope; answers `{token_type, expires_in, ext_expires_in, access_token}`; a wrong secret is a 401
 * `invalid_client` (AADSTS7000215), an unknown app 400 `unauthorized_client`, a wrong scope 400
 * `invalid_scope`. No refresh token (client credentials never get one).
 */
export class BcIdentity {
  readonly clients = new Map<string, BcClient>();
  readonly tokens = new Map<string, BcToken>();
  /** tokens issued, per client (tests check that processes share one) */
  readonly grants: Record<string, number> = {};
  ttlSeconds = 3599;

  constructor(private readonly now: () => number = Date.now) {}

  addClient(client: BcClient): void {
    this.clients.set(client.clientId, client);
  }

  /** A token request; returns the answer and a request problem if the request itself is malformed. */
  token(tenantId: string, contentType: string | undefined, raw: string): { answer: HttpAnswer; problem?: string } {
    if (!/^application\/x-www-form-urlencoded/i.test(contentType ?? '')) {
      return { answer: entraError(400, 'invalid_request', "AADSTS900144: The request body must contain the following parameter: 'grant_type'."), problem: 'the token request is not a form (application/x-www-form-urlencoded)' };
    }
    const form = new URLSearchParams(raw);
    const missing = ['grant_type', 'client_id', 'client_secret', 'scope'].find((k) => !form.get(k));
    if (missing) return { answer: entraError(400, 'invalid_request', `AADSTS900144: The request body must contain the following parameter: '${missing}'.`), problem: `the token request has no ${missing}` };
    if (form.get('grant_type') !== 'client_credentials') return { answer: entraError(400, 'unsupported_grant_type', 'AADSTS70003: The app requested an unsupported grant type.'), problem: `grant_type ${form.get('grant_type')}` };
    if (form.get('scope') !== BC_SCOPE) return { answer: entraError(400, 'invalid_scope', `AADSTS70011: The provided value for the input parameter 'scope' is not valid (expected ${BC_SCOPE}).`), problem: `scope ${form.get('scope')}` };
    const client = this.clients.get(form.get('client_id')!);
    if (!client || client.tenantId !== tenantId) {
      return { answer: entraError(400, 'unauthorized_client', `AADSTS700016: Application with identifier '${form.get('client_id')}' was not found in the directory '${tenantId}'.`) };
    }
    if (client.clientSecret !== form.get('client_secret')) {
      return { answer: entraError(401, 'invalid_client', `AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${client.clientId}'.`) };
    }
    const accessToken = `eyJ0eXAiOiJKV1QifQ.${randomBytes(24).toString('base64url')}.${randomBytes(16).toString('base64url')}`;
    this.tokens.set(accessToken, { clientId: client.clientId, tenantId, expiresAt: this.now() + this.ttlSeconds * 1000 });
    this.grants[client.clientId] = (this.grants[client.clientId] ?? 0) + 1;
    return { answer: new HttpAnswer(200, { token_type: 'Bearer', expires_in: this.ttlSeconds, ext_expires_in: this.ttlSeconds, access_token: accessToken }) };
  }

  /** The token's holder, or why it is refused. */
  check(accessToken: string | undefined, tenantId: string): BcToken | 'missing' | 'invalid' | 'expired' {
    if (!accessToken) return 'missing';
    const token = this.tokens.get(accessToken);
    if (!token || token.tenantId !== tenantId) return 'invalid';
    if (token.expiresAt <= this.now()) return 'expired';
    return token;
  }

  /** Expire every token now (tests of the refresh path). */
  expireAll(): void {
    for (const t of this.tokens.values()) t.expiresAt = 0;
  }
}
