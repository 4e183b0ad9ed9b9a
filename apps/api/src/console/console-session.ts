import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const CONSOLE_COOKIE = 'pleo_console_session';
export const CONSOLE_SESSION_SECONDS = 8 * 60 * 60;

const VERSION = 'v1';
const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\]|.+\.localhost)$/i;

/** `auto`: Secure unless the request came over plain http to a loopback host name (local use). */
export type CookieSecureSetting = 'auto' | 'true' | 'false';

/**
 * Console sessions without a store: the cookie holds `v1.<expiry>.<nonce>.<mac>`, an HMAC-SHA256
 * under a key derived from ADMIN_API_TOKEN. Rotating the token ends every session. Logging out
 * clears the browser's cookie; a copied cookie stays valid until its expiry (8 hours).
 */
export class ConsoleSessions {
  private readonly key: Buffer;

  constructor(adminToken: string) {
    const base = createHash('sha256').update(adminToken).digest();
    this.key = createHmac('sha256', base).update('pleo-erp-sync console session key').digest();
  }

  issue(nowMs = Date.now()): { value: string; maxAgeSeconds: number } {
    const body = `${VERSION}.${Math.floor(nowMs / 1000) + CONSOLE_SESSION_SECONDS}.${randomBytes(16).toString('base64url')}`;
    return { value: `${body}.${this.mac(body)}`, maxAgeSeconds: CONSOLE_SESSION_SECONDS };
  }

  valid(value: string | undefined, nowMs = Date.now()): boolean {
    const parts = value?.split('.') ?? [];
    if (parts.length !== 4 || parts[0] !== VERSION || !/^\d{1,12}$/.test(parts[1])) return false;
    // compared as text: decoding would accept other spellings of the same bytes (unused low bits)
    const given = Buffer.from(parts[3]);
    const expected = Buffer.from(this.mac(parts.slice(0, 3).join('.')));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return false;
    return Number(parts[1]) * 1000 > nowMs;
  }

  private mac(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url');
  }
}

/** The value of one cookie in a Cookie header (undefined when absent). */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const pair of (header ?? '').split(';')) {
    const eq = pair.indexOf('=');
    if (eq > 0 && pair.slice(0, eq).trim() === name) return pair.slice(eq + 1).trim();
  }
  return undefined;
}

/** Whether the cookie gets `Secure`, from the setting and (for `auto`) how the request arrived. */
export function cookieSecure(setting: CookieSecureSetting, request: { protocol: string; host?: string }): boolean {
  if (setting !== 'auto') return setting === 'true';
  if (request.protocol === 'https') return true;
  const hostname = (request.host ?? '').replace(/:\d+$/, '');
  return !LOOPBACK.test(hostname);
}

export function sessionCookie(value: string, maxAgeSeconds: number, secure: boolean): string {
  return [`${CONSOLE_COOKIE}=${value}`, 'Path=/', `Max-Age=${maxAgeSeconds}`, 'HttpOnly', 'SameSite=Strict', ...(secure ? ['Secure'] : [])].join('; ');
}
