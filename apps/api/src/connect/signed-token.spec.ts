import { SignedTokens } from './signed-token';

describe('SignedTokens', () => {
  const tokens = new SignedTokens('a-secret', 'test');

  it('round-trips a payload until it expires', () => {
    expect(tokens.verify(tokens.sign({ c: 'x' }, 60_000))).toMatchObject({ c: 'x' });
    expect(tokens.verify(tokens.sign({ c: 'x' }, -1))).toBeNull();
  });

  it('refuses tampering, another purpose and another key', () => {
    const token = tokens.sign({ c: 'x' }, 60_000);
    const [body, mac] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ c: 'y', exp: Date.now() + 60_000 })).toString('base64url');
    expect(tokens.verify(`${forged}.${mac}`)).toBeNull();
    expect(tokens.verify(`${body}.${mac.slice(1)}`)).toBeNull();
    expect(tokens.verify(`${token}.more`)).toBeNull();
    expect(new SignedTokens('a-secret', 'other').verify(token)).toBeNull();
    expect(new SignedTokens('b-secret', 'test').verify(token)).toBeNull();
    expect(tokens.verify(undefined)).toBeNull();
  });

  it('derives the same value for the same input only', () => {
    expect(tokens.derive('n1')).toBe(tokens.derive('n1'));
    expect(tokens.derive('n1')).not.toBe(tokens.derive('n2'));
    expect(tokens.derive('n1')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});
