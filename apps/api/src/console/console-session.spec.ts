import { CONSOLE_COOKIE, CONSOLE_SESSION_SECONDS, ConsoleSessions, cookieSecure, cookieValue, sessionCookie } from './console-session';

describe('console sessions', () => {
  const sessions = new ConsoleSessions('admin-token-0123456789');
  const now = Date.UTC(2026, 10, 27, 12);

  it('accepts a session it issued until it expires', () => {
    const { value, maxAgeSeconds } = sessions.issue(now);
    expect(maxAgeSeconds).toBe(CONSOLE_SESSION_SECONDS);
    expect(sessions.valid(value, now)).toBe(true);
    expect(sessions.valid(value, now + (CONSOLE_SESSION_SECONDS - 1) * 1000)).toBe(true);
    expect(sessions.valid(value, now + CONSOLE_SESSION_SECONDS * 1000)).toBe(false);
  });

  it('holds no secret: the value is a version, an expiry, a nonce and a MAC', () => {
    const { value } = sessions.issue(now);
    expect(value).toMatch(/^v1\.\d+\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/);
    expect(value).not.toContain('admin-token');
    expect(sessions.issue(now).value).not.toBe(value);
  });

  it('refuses a changed expiry, a foreign key, and garbage', () => {
    const { value } = sessions.issue(now);
    const [v, exp, nonce, mac] = value.split('.');
    expect(sessions.valid([v, String(Number(exp) + 3600), nonce, mac].join('.'), now)).toBe(false);
    expect(new ConsoleSessions('another-admin-token-xyz').valid(value, now)).toBe(false);
    // the MAC's last character carries 2 unused bits: another spelling of the same bytes is refused too
    const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const respelled = mac.slice(0, -1) + B64URL[B64URL.indexOf(mac[42]) ^ 1];
    expect(Buffer.from(respelled, 'base64url')).toEqual(Buffer.from(mac, 'base64url'));
    for (const bad of [undefined, '', 'v1', 'v1.1.2.3', `v2.${exp}.${nonce}.${mac}`, `${value}.x`, value.slice(0, -2), [v, exp, nonce, respelled].join('.')]) {
      expect(sessions.valid(bad, now)).toBe(false);
    }
  });

  it('finds its cookie among others', () => {
    expect(cookieValue(`a=1; ${CONSOLE_COOKIE}=v1.2.3.4; b=2`, CONSOLE_COOKIE)).toBe('v1.2.3.4');
    expect(cookieValue('a=1', CONSOLE_COOKIE)).toBeUndefined();
    expect(cookieValue(undefined, CONSOLE_COOKIE)).toBeUndefined();
    expect(cookieValue(`x${CONSOLE_COOKIE}=1`, CONSOLE_COOKIE)).toBeUndefined();
  });

  it('sets Secure unless plain http reaches a loopback host (auto), or as configured', () => {
    expect(cookieSecure('auto', { protocol: 'http', host: '127.0.0.1:3000' })).toBe(false);
    expect(cookieSecure('auto', { protocol: 'http', host: 'localhost:3000' })).toBe(false);
    expect(cookieSecure('auto', { protocol: 'http', host: '[::1]:3000' })).toBe(false);
    expect(cookieSecure('auto', { protocol: 'http', host: 'console.example.com' })).toBe(true);
    expect(cookieSecure('auto', { protocol: 'http', host: 'localhost.example.com' })).toBe(true);
    expect(cookieSecure('auto', { protocol: 'http', host: undefined })).toBe(true);
    expect(cookieSecure('auto', { protocol: 'https', host: 'localhost' })).toBe(true);
    expect(cookieSecure('true', { protocol: 'http', host: 'localhost' })).toBe(true);
    expect(cookieSecure('false', { protocol: 'https', host: 'example.com' })).toBe(false);
  });

  it('writes the cookie HttpOnly, SameSite=Strict, for the whole site', () => {
    expect(sessionCookie('v', 60, true)).toBe(`${CONSOLE_COOKIE}=v; Path=/; Max-Age=60; HttpOnly; SameSite=Strict; Secure`);
    expect(sessionCookie('v', 60, false)).not.toContain('Secure');
  });
});
