import { createHash } from 'node:crypto';
import { ErpError } from '../../erp-errors';

export interface XeroTokenSettings {
  clientId: string;
  clientSecret: string;
  grantType: 'authorization_code' | 'client_credentials';
  /** the first link of the refresh-token chain (from the connect flow or XERO_REFRESH_TOKEN) */
  initialRefreshToken?: string;
  /** Xero identity, e.g. https://identity.xero.com (token endpoint /connect/token) */
  identityUrl: string;
  /** client_credentials only: the scopes to ask for */
  scopes?: string;
  timeoutMs?: number;
  /** refresh this long before the access token expires */
  refreshMarginMs?: number;
}

/** What is kept per connection; the store seals it (encryption) at rest. */
export interface XeroTokenRecord {
  refreshToken: string | null;
  accessToken: string | null;
  accessTokenExpiresAt: number | null;
  /** sha256 of the initial refresh token this chain started from (a new one replaces the chain) */
  seedHash: string | null;
  /** set when Xero refused the refresh token: a person must reconnect */
  revokedReason: string | null;
  /** the stored tokens could not be unsealed (ENCRYPTION_KEY changed); a new first link starts a new chain */
  unreadable?: boolean;
}

export interface XeroLockedTokens {
  read(): Promise<XeroTokenRecord | null>;
  write(record: XeroTokenRecord): Promise<void>;
}

/** Storage for one connection's tokens, shared by every process. */
export interface XeroTokenStore {
  /** Runs `work` holding this connection's lock across processes; what it writes is committed when it returns. */
  withLock<T>(work: (tokens: XeroLockedTokens) => Promise<T>): Promise<T>;
}

type Answer = { ok: true; accessToken: string; refreshToken?: string; expiresInSeconds: number } | { ok: false; rejected: string };

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/**
 * Xero access tokens for one connection.
 * - authorization_code: the refresh token rotates on every refresh and the used one is dead, so one
 *   refresh runs at a time across all processes (the store's lock), the stored record is re-read
 *   under the lock (another process may have refreshed), and the rotated refresh token is written
 *   (and committed) before the new access token is handed out. A refused refresh token
 *   (`invalid_grant`) marks the connection as needing re-authorisation; every later call fails at
 *   once with that message instead of retrying a dead token.
 * - client_credentials (Custom Connections): a token per process, no refresh token, nothing stored.
 */
export class XeroTokens {
  private cached?: { token: string; expiresAt: number };
  private inflight?: Promise<string>;
  private rejected?: string;

  constructor(
    private readonly settings: XeroTokenSettings,
    private readonly store: XeroTokenStore | null,
    private readonly fetchFn: typeof fetch = fetch,
    private readonly now: () => number = Date.now,
  ) {}

  private get margin() {
    return this.settings.refreshMarginMs ?? 120_000;
  }

  async accessToken(): Promise<string> {
    if (this.cached && this.cached.token !== this.rejected && this.cached.expiresAt - this.margin > this.now()) return this.cached.token;
    this.inflight ??= this.obtain().finally(() => (this.inflight = undefined));
    return this.inflight;
  }

  /** Xero answered 401 to this token: the next call gets another one. */
  invalidate(token: string): void {
    this.rejected = token;
    if (this.cached?.token === token) this.cached = undefined;
  }

  private async obtain(): Promise<string> {
    if (this.settings.grantType === 'client_credentials') {
      const answer = await this.post({ grant_type: 'client_credentials', ...(this.settings.scopes && { scope: this.settings.scopes }) });
      if (!answer.ok) throw new ErpError('auth', `Xero refused the client credentials (${answer.rejected}). Check XERO_CLIENT_ID / XERO_CLIENT_SECRET and that the Custom Connection is active.`);
      return this.keep(answer.accessToken, answer.expiresInSeconds);
    }
    if (!this.store) throw new ErpError('configuration', 'The Xero connection has no token storage.');
    const outcome = await this.store.withLock(async (tokens) => {
      let record = await tokens.read();
      const seed = this.settings.initialRefreshToken;
      if (seed && (!record || record.seedHash !== sha256(seed))) {
        // first start, or a person reconnected and configured a new first link: a new chain
        record = { refreshToken: seed, accessToken: null, accessTokenExpiresAt: null, seedHash: sha256(seed), revokedReason: null };
        await tokens.write(record);
      }
      if (record?.unreadable) return { unreadable: true as const };
      if (!record?.refreshToken) return { revoked: 'there is no refresh token yet' };
      if (record.revokedReason) return { revoked: record.revokedReason };
      const stored = record.accessToken;
      if (stored && stored !== this.rejected && (record.accessTokenExpiresAt ?? 0) - this.margin > this.now()) {
        return { token: stored, expiresAt: record.accessTokenExpiresAt! }; // refreshed by another process meanwhile
      }
      const answer = await this.post({ grant_type: 'refresh_token', refresh_token: record.refreshToken });
      if (!answer.ok) {
        await tokens.write({ ...record, accessToken: null, accessTokenExpiresAt: null, revokedReason: answer.rejected });
        return { revoked: answer.rejected };
      }
      const expiresAt = this.now() + answer.expiresInSeconds * 1000;
      await tokens.write({ ...record, refreshToken: answer.refreshToken ?? record.refreshToken, accessToken: answer.accessToken, accessTokenExpiresAt: expiresAt, revokedReason: null });
      return { token: answer.accessToken, expiresAt };
    });
    if ('unreadable' in outcome) {
      throw new ErpError('configuration', 'The stored Xero tokens cannot be opened: ENCRYPTION_KEY is not the key they were sealed with. Restore that key, or reconnect Xero (a new refresh token starts a new chain).');
    }
    if ('revoked' in outcome) {
      throw new ErpError('auth', `Xero needs to be reconnected: the connection's refresh token is no longer accepted (${outcome.revoked}). Re-authorise the app in Xero and store the new connection (or XERO_REFRESH_TOKEN).`);
    }
    this.cached = outcome;
    this.rejected = undefined;
    return outcome.token;
  }

  private keep(token: string, expiresInSeconds: number): string {
    this.cached = { token, expiresAt: this.now() + expiresInSeconds * 1000 };
    this.rejected = undefined;
    return token;
  }

  /** One call to the token endpoint. 400/401 refuse the grant; anything else is transient (thrown). */
  private async post(form: Record<string, string>): Promise<Answer> {
    const { clientId, clientSecret, identityUrl } = this.settings;
    const url = `${identityUrl.replace(/\/$/, '')}/connect/token`;
    let res: Response;
    try {
      res = await this.fetchFn(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}` },
        body: new URLSearchParams(form).toString(),
        signal: AbortSignal.timeout(this.settings.timeoutMs ?? 30_000),
      });
    } catch (err) {
      throw new ErpError('unavailable', `Xero's identity service could not be reached to refresh the access token; it will be retried.`, { cause: err });
    }
    const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (res.ok && typeof body.access_token === 'string') {
      return { ok: true, accessToken: body.access_token, refreshToken: typeof body.refresh_token === 'string' ? body.refresh_token : undefined, expiresInSeconds: Number(body.expires_in) > 0 ? Number(body.expires_in) : 1800 };
    }
    if (res.status === 400 || res.status === 401) return { ok: false, rejected: String(body.error ?? res.status) };
    throw new ErpError('unavailable', `Xero's identity service answered ${res.status} to a token refresh; it will be retried.`);
  }
}
