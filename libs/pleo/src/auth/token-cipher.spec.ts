import { createCipheriv, randomBytes } from 'node:crypto';
import { TokenCipher, TokenDecryptError } from './token-cipher';

describe('TokenCipher', () => {
  const key = randomBytes(32).toString('base64');

  it('round-trips, with a fresh IV each time', () => {
    const cipher = new TokenCipher(key);
    const a = cipher.encrypt('refresh-token-1');
    const b = cipher.encrypt('refresh-token-1');
    expect(a).not.toBe(b);
    expect(a).not.toContain('refresh-token-1');
    expect(a.startsWith('v2.')).toBe(true);
    expect(cipher.decrypt(a)).toBe('refresh-token-1');
  });

  it('refuses a tampered value and a wrong key, saying which setting to check', () => {
    const sealed = new TokenCipher(key).encrypt('secret');
    const parts = sealed.split('.');
    parts[3] = Buffer.from('tampered').toString('base64url');
    expect(() => new TokenCipher(key).decrypt(parts.join('.'))).toThrow(TokenDecryptError);
    expect(() => new TokenCipher(randomBytes(32).toString('base64')).decrypt(sealed)).toThrow(/ENCRYPTION_KEY/);
  });

  it('S3: binds the value to its place (associated data)', () => {
    const cipher = new TokenCipher(key);
    const sealed = cipher.encrypt('token', 'pleo-oauth:client-a:refresh_token');
    expect(cipher.decrypt(sealed, 'pleo-oauth:client-a:refresh_token')).toBe('token');
    expect(() => cipher.decrypt(sealed, 'pleo-oauth:client-a:access_token')).toThrow(TokenDecryptError);
    expect(() => cipher.decrypt(sealed, 'pleo-oauth:client-b:refresh_token')).toThrow(TokenDecryptError);
  });

  it('S3: refuses a truncated tag or a wrong-length IV', () => {
    const cipher = new TokenCipher(key);
    const parts = cipher.encrypt('token').split('.');
    const shortTag = [...parts];
    shortTag[2] = Buffer.from(parts[2], 'base64url').subarray(0, 4).toString('base64url');
    expect(() => cipher.decrypt(shortTag.join('.'))).toThrow(/malformed IV or tag/);
    const longIv = [...parts];
    longIv[1] = randomBytes(16).toString('base64url');
    expect(() => cipher.decrypt(longIv.join('.'))).toThrow(/malformed IV or tag/);
  });

  it('still opens v1 values (written before associated data)', () => {
    const raw = Buffer.from(key, 'base64');
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', raw, iv);
    const ct = Buffer.concat([c.update('old-token', 'utf8'), c.final()]);
    const v1 = ['v1', iv, c.getAuthTag(), ct].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
    expect(new TokenCipher(key).decrypt(v1, 'pleo-oauth:any:refresh_token')).toBe('old-token');
  });

  it('needs a 32-byte key', () => {
    expect(() => new TokenCipher(randomBytes(16).toString('base64'))).toThrow('32 bytes');
  });
});
