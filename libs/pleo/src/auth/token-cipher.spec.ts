import { randomBytes } from 'node:crypto';
import { TokenCipher } from './token-cipher';

describe('TokenCipher', () => {
  const key = randomBytes(32).toString('base64');

  it('round-trips, with a fresh IV each time', () => {
    const cipher = new TokenCipher(key);
    const a = cipher.encrypt('refresh-token-1');
    const b = cipher.encrypt('refresh-token-1');
    expect(a).not.toBe(b);
    expect(a).not.toContain('refresh-token-1');
    expect(cipher.decrypt(a)).toBe('refresh-token-1');
  });

  it('refuses a tampered value and a wrong key', () => {
    const sealed = new TokenCipher(key).encrypt('secret');
    const parts = sealed.split('.');
    parts[3] = Buffer.from('tampered').toString('base64url');
    expect(() => new TokenCipher(key).decrypt(parts.join('.'))).toThrow();
    expect(() => new TokenCipher(randomBytes(32).toString('base64')).decrypt(sealed)).toThrow();
  });

  it('needs a 32-byte key', () => {
    expect(() => new TokenCipher(randomBytes(16).toString('base64'))).toThrow('32 bytes');
  });
});
