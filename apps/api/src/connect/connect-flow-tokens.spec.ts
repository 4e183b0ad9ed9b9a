import { ApiConfig } from '@app/config';
import { PrismaService } from '@app/database';
import { ConnectFlowTokens, providerError } from './connect-flow-tokens';
import { ConnectRefused } from './connect-refused';

const config = (patch: Partial<ApiConfig> = {}) => ({ ENCRYPTION_KEY: 'a-key', PORT: 3000, ...patch }) as ApiConfig;
const flow = (purpose: string, patch: Partial<ApiConfig> = {}) => new ConnectFlowTokens(config(patch), {} as PrismaService, purpose);

describe('ConnectFlowTokens', () => {
  it('a ticket opens the link of its own connection only, and of its own flow only', () => {
    const pleo = flow('connect');
    const { ticket, expiresAt } = pleo.ticket('conn-1');
    expect(Date.parse(expiresAt) - Date.now()).toBeGreaterThan(14 * 60_000);
    expect(() => pleo.checkTicket('conn-1', ticket, 'npm run connections -- connect <id>')).not.toThrow();
    expect(() => pleo.checkTicket('conn-2', ticket, 'npm run connections -- connect <id>')).toThrow(ConnectRefused);
    expect(() => flow('xero-connect').checkTicket('conn-1', ticket, 'npm run connections -- connect <id> xero')).toThrow('Ask for a new one: npm run connections -- connect <id> xero.');
  });

  it('reads back a state it signed; another flow’s state or a tampered one is refused with the given message', () => {
    const pleo = flow('connect');
    const state = pleo.signState({ c: 'conn-1', n: 'nonce' });
    expect(pleo.readState(state, 'untrusted')).toMatchObject({ c: 'conn-1', n: 'nonce' });
    expect(() => flow('xero-connect').readState(state, 'untrusted')).toThrow('untrusted');
    expect(() => pleo.readState(`${state}x`, 'untrusted')).toThrow('untrusted');
  });

  it('the public URL without a trailing slash; no ENCRYPTION_KEY is a 503', () => {
    expect(flow('connect', { PUBLIC_URL: 'https://sync.example/' }).publicUrl).toBe('https://sync.example');
    expect(flow('connect').publicUrl).toBe('http://localhost:3000');
    expect(() => flow('connect', { ENCRYPTION_KEY: undefined }).requireEncryptionKey()).toThrow(expect.objectContaining({ status: 503 }));
  });
});

describe('providerError', () => {
  it('says what the provider answered instead of a code', () => {
    expect(providerError('Pleo', { code: 'c' }, 'denied')).toBeNull();
    expect(providerError('Pleo', { error: 'access_denied' }, 'access was denied in Pleo')).toBe('access was denied in Pleo');
    expect(providerError('Xero', { error: 'server_error', error_description: 'down' }, 'x')).toBe('Xero answered server_error: down');
  });
});
