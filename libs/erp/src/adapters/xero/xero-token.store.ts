import type { PrismaService } from '@app/database';
import { XeroLockedTokens, XeroTokenRecord, XeroTokenStore } from './xero-tokens';

/**
 * Seals secrets at rest (the service's TokenCipher: AES-256-GCM under ENCRYPTION_KEY). `aad` binds
 * a sealed value to where it is stored, so a value copied to another row or field does not open.
 */
export interface SecretSealer {
  encrypt(plain: string, aad?: string): string;
  decrypt(sealed: string, aad?: string): string;
}

/** Where a sealed Xero token is bound to: its connection and field. */
export const xeroTokenAad = (connectionKey: string, field: 'refresh_token' | 'access_token') => `xero-oauth:${connectionKey}:${field}`;

/**
 * Xero tokens of one connection in `xero_oauth_credentials`, sealed. The lock is a PostgreSQL
 * transaction-scoped advisory lock on the connection: every process refreshing the same chain
 * queues on it, and what the work writes commits with the transaction, before the token is used.
 */
export class PrismaXeroTokenStore implements XeroTokenStore {
  constructor(
    private readonly prisma: PrismaService,
    private readonly sealer: SecretSealer,
    private readonly connectionKey: string,
  ) {}

  withLock<T>(work: (tokens: XeroLockedTokens) => Promise<T>): Promise<T> {
    const key = this.connectionKey;
    const { sealer } = this;
    return this.prisma.$transaction(
      async (tx) => {
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`xero-oauth:${key}`}, 0))`;
        return work({
          async read(): Promise<XeroTokenRecord | null> {
            const row = await tx.xeroOAuthCredential.findUnique({ where: { connectionKey: key } });
            if (!row) return null;
            let unreadable = false;
            const open = (sealed: string | null, field: 'refresh_token' | 'access_token') => {
              if (!sealed) return null;
              try {
                return sealer.decrypt(sealed, xeroTokenAad(key, field));
              } catch {
                unreadable = true; // sealed under another ENCRYPTION_KEY: usable only if a new chain replaces it
                return null;
              }
            };
            const record: XeroTokenRecord = {
              refreshToken: open(row.refreshTokenEnc, 'refresh_token'),
              accessToken: open(row.accessTokenEnc, 'access_token'),
              accessTokenExpiresAt: row.accessTokenExpiresAt?.getTime() ?? null,
              seedHash: row.seedHash,
              revokedReason: row.revokedReason,
            };
            return unreadable ? { ...record, unreadable } : record;
          },
          async write(record: XeroTokenRecord): Promise<void> {
            const data = {
              refreshTokenEnc: record.refreshToken ? sealer.encrypt(record.refreshToken, xeroTokenAad(key, 'refresh_token')) : null,
              accessTokenEnc: record.accessToken ? sealer.encrypt(record.accessToken, xeroTokenAad(key, 'access_token')) : null,
              accessTokenExpiresAt: record.accessTokenExpiresAt ? new Date(record.accessTokenExpiresAt) : null,
              seedHash: record.seedHash,
              revokedReason: record.revokedReason,
            };
            await tx.xeroOAuthCredential.upsert({ where: { connectionKey: key }, create: { connectionKey: key, ...data }, update: data });
          },
        });
      },
      // the refresh call to Xero runs inside: allow for a slow identity service
      { timeout: 90_000, maxWait: 90_000 },
    );
  }
}
