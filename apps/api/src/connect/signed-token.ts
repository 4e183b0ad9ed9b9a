import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Short-lived values signed with a key derived from ENCRYPTION_KEY (one purpose per derived key):
 * `<base64url(JSON payload)>.<base64url(HMAC-SHA256)>`. Tampered, expired or foreign → null.
 */
export class SignedTokens {
  private readonly key: Buffer;

  constructor(secret: string, purpose: string) {
    this.key = createHash('sha256').update(`${purpose}\0${secret}`).digest();
  }

  sign(payload: Record<string, unknown>, ttlMs: number): string {
    const body = Buffer.from(JSON.stringify({ ...payload, exp: Date.now() + ttlMs })).toString('base64url');
    return `${body}.${this.mac(body)}`;
  }

  verify<T extends Record<string, unknown>>(token: string | undefined): T | null {
    const [body, mac, extra] = (token ?? '').split('.');
    if (!body || !mac || extra !== undefined) return null;
    const expected = Buffer.from(this.mac(body));
    const given = Buffer.from(mac);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    try {
      const payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as T & { exp: number };
      return typeof payload.exp === 'number' && payload.exp > Date.now() ? payload : null;
    } catch {
      return null;
    }
  }

  /** A value only this key can derive from `input` (the PKCE verifier of a state's nonce). */
  derive(input: string): string {
    return this.mac(`derive:${input}`);
  }

  private mac(data: string): string {
    return createHmac('sha256', this.key).update(data).digest('base64url');
  }
}
