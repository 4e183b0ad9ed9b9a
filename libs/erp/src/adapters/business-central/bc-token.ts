import { createCipheriv, createDecipheriv, createHash, randomBytes, randomUUID } from 'node:crypto';
import type IORedis from 'ioredis';
import { ErpError } from '../../erp-errors';
import { BC_SCOPE } from './bc-settings';

export interface BcTokenSettings {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** token endpoint; `{tenant}` is replaced by the tenant id */
  tokenUrl: string;
  timeoutMs?: number;
  /** a token is replaced this long before it expires */
  marginMs?: number;
}

/**
 * Where one connection's access token is shared by every process: a value with an expiry, and a
 * short lock so only one process asks Entra at a time. Null: this process keeps its own.
 */
export interface BcTokenShare {
  /** the token and how long it may still be used */
  get(): Promise<{ token: string; ttlMs: number } | null>;
  set(value: string, ttlMs: number): Promise<void>;
  /** true when this caller holds the lock now */
  lock(ttlMs: number): Promise<boolean>;
  unlock(): Promise<void>;
}

const UNLOCK = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0`;

/**
 * The token shared through Redis, sealed (AES-256-GCM) under a key derived from the client secret:
 * a Redis dump alone gives no usable token, and a process with another secret cannot read it.
 */
export class RedisBcTokenShare implements BcTokenShare {
  private readonly key: string;
  private readonly sealKey: Buffer;
  private readonly owner = randomUUID();

  constructor(
    private readonly redis: IORedis,
    prefix: string,
    connectionKey: string,
    settings: Pick<BcTokenSettings, 'tenantId' | 'clientId' | 'clientSecret'>,
  ) {
    const id = createHash('sha256').update(`${settings.tenantId}\n${settings.clientId}`).digest('hex').slice(0, 16);
    this.key = `${prefix}:bc-token:{${connectionKey}}:${id}`;
    this.sealKey = createHash('sha256').update(`bc-token\n${settings.tenantId}\n${settings.clientId}\n${settings.clientSecret}`).digest();
  }

  async get(): Promise<{ token: string; ttlMs: number } | null> {
    const [[, sealed], [, ttlMs]] = (await this.redis.multi().get(this.key).pttl(this.key).exec()) as [[unknown, string | null], [unknown, number]];
    if (!sealed || ttlMs <= 0) return null;
    try {
      const raw = Buffer.from(sealed, 'base64');
      const decipher = createDecipheriv('aes-256-gcm', this.sealKey, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      return { token: Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8'), ttlMs };
    } catch {
      return null; // sealed under another secret (rotated): ask Entra again
    }
  }

  async set(value: string, ttlMs: number): Promise<void> {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.sealKey, iv);
    const body = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
    await this.redis.set(this.key, Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64'), 'PX', Math.max(1, Math.floor(ttlMs)));
  }

  async lock(ttlMs: number): Promise<boolean> {
    return (await this.redis.set(`${this.key}:lock`, this.owner, 'PX', ttlMs, 'NX')) === 'OK';
  }

  async unlock(): Promise<void> {
    await this.redis.eval(UNLOCK, 1, `${this.key}:lock`, this.owner);
  }
}

/**
 * Business Central access tokens (Entra client-credentials grant; no refresh token). Cached until
 * `marginMs` before expiry, single-flight inside the process and, through the share, across
 * processes: one process asks Entra while the others wait briefly for what it stores. A 401 from
 * the API invalidates the token (the next call gets a new one).
 */
export class BcTokens {
  private cached?: { token: string; refreshAt: number };
  private inflight?: Promise<string>;
  private rejected?: string;

  constructor(
    private readonly settings: BcTokenSettings,
    private readonly share: BcTokenShare | null,
    private readonly fetchFn: typeof fetch = fetch,
    private readonly now: () => number = Date.now,
    private readonly pause: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  private get margin() {
    return this.settings.marginMs ?? 300_000;
  }

  async accessToken(): Promise<string> {
    if (this.cached && this.cached.token !== this.rejected && this.cached.refreshAt > this.now()) return this.cached.token;
    this.inflight ??= this.obtain().finally(() => (this.inflight = undefined));
    return this.inflight;
  }

  /** Business Central answered 401 to this token. */
  async invalidate(token: string): Promise<void> {
    this.rejected = token;
    if (this.cached?.token === token) this.cached = undefined;
  }

  private async obtain(): Promise<string> {
    if (!this.share) return this.request();
    const shared = await this.readShare();
    if (shared) return shared;
    // one process asks Entra; the others wait up to ~5 s for what it stores, then ask themselves
    for (let i = 0; i < 50; i++) {
      if (await this.share.lock(30_000).catch(() => true)) {
        try {
          const again = await this.readShare();
          if (again) return again;
          const token = await this.request();
          await this.share.set(token, this.cached!.refreshAt - this.now()).catch(() => undefined);
          return token;
        } finally {
          await this.share.unlock().catch(() => undefined);
        }
      }
      await this.pause(100);
      const stored = await this.readShare();
      if (stored) return stored;
    }
    return this.request();
  }

  private async readShare(): Promise<string | null> {
    const shared = await this.share!.get().catch(() => null);
    if (!shared || shared.token === this.rejected) return null;
    // the share keeps it only until it should be replaced
    this.cached = { token: shared.token, refreshAt: this.now() + shared.ttlMs };
    return shared.token;
  }

  /** One client-credentials request to Entra. 400/401 refuse the credentials; anything else is transient. */
  private async request(): Promise<string> {
    const { tenantId, clientId, clientSecret, tokenUrl } = this.settings;
    const url = tokenUrl.replace('{tenant}', encodeURIComponent(tenantId));
    let res: Response;
    try {
      res = await this.fetchFn(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, scope: BC_SCOPE }).toString(),
        signal: AbortSignal.timeout(this.settings.timeoutMs ?? 30_000),
      });
    } catch (err) {
      throw new ErpError('unavailable', 'Microsoft Entra ID could not be reached for a Business Central access token; it will be retried.', { cause: err });
    }
    const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (res.ok && typeof body.access_token === 'string') {
      const seconds = Number(body.expires_in) > 0 ? Number(body.expires_in) : 3599;
      const lifetimeMs = seconds * 1000;
      this.cached = { token: body.access_token, refreshAt: this.now() + lifetimeMs - Math.min(this.margin, lifetimeMs / 2) };
      this.rejected = undefined;
      return body.access_token;
    }
    if (res.status === 400 || res.status === 401) {
      // Entra's error code only (AADSTS…); never the secret
      const code = typeof body.error === 'string' ? body.error : String(res.status);
      throw new ErpError('auth', `Microsoft Entra ID refused the Business Central app's credentials (${code}). Check BC_TENANT_ID, BC_CLIENT_ID and BC_CLIENT_SECRET (the secret may have expired).`);
    }
    throw new ErpError('unavailable', `Microsoft Entra ID answered ${res.status} to a token request; it will be retried.`);
  }
}
