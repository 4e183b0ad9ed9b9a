import { createHash } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { PrismaService } from '@app/database';
import { observeTokenRefresh } from '@app/metrics';
import { PleoAuthError } from '../api/pleo-api.error';
import { PleoAuth } from '../api/pleo-http';
import { TokenCipher, TokenDecryptError } from './token-cipher';
import { TokenEndpointSettings, requestTokens } from './token-endpoint';

export interface OAuthSettings extends TokenEndpointSettings {
  /** the refresh token an operator obtained by authorising the app (seeds the stored chain) */
  refreshToken: string;
  /** refresh this long before the access token expires */
  refreshMarginMs?: number;
}

type Outcome = { token: string; expiresAt: number } | { revoked: string } | { misconfigured: string };

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
/** A configuration failure is remembered this long, so jobs do not hammer the token endpoint. */
const MISCONFIGURED_PAUSE_MS = 30_000;

/**
 * Pleo OAuth 2.0 access tokens (pleo-api.md §1.2), refreshed centrally:
 * - one refresh in flight across every worker process: a PostgreSQL advisory lock per client id,
 *   and inside it the stored token is re-read (another process may have just refreshed);
 * - the rotated refresh token is committed (encrypted, bound to its row and field) before the new
 *   access token is used, so a crash can never lose the only valid refresh token;
 * - the configured refresh token seeds the chain only if it was never applied before (R5): a
 *   process started with an older one (rolling deploy, rollback) must not re-seed a newer chain
 *   with a used-up token, which Pleo answers by revoking the whole chain;
 * - only `invalid_grant` marks the chain revoked (a person must re-authorise); a client or URL
 *   problem is a configuration error that clears itself once the setting is fixed (F-7);
 * - refreshes ahead of expiry; bounded backoff on transient failures.
 */
export class OAuthAuth implements PleoAuth {
  private readonly logger = new Logger('PleoOAuth');
  private cached?: { token: string; expiresAt: number };
  private inflight?: Promise<string>;
  private rejectedToken?: string;
  private misconfigured?: { reason: string; until: number };
  private warnedOldSeed = false;

  constructor(
    private readonly prisma: PrismaService,
    private readonly cipher: TokenCipher,
    private readonly settings: OAuthSettings,
    private readonly now: () => number = Date.now,
  ) {}

  private get margin() {
    return this.settings.refreshMarginMs ?? 60_000;
  }

  private aad(field: 'refresh_token' | 'access_token') {
    return `pleo-oauth:${this.settings.clientId}:${field}`;
  }

  async header(): Promise<string> {
    return `Bearer ${await this.accessToken()}`;
  }

  invalidate(): void {
    this.rejectedToken = this.cached?.token;
    this.cached = undefined;
  }

  async accessToken(): Promise<string> {
    if (this.cached && this.cached.expiresAt - this.margin > this.now()) return this.cached.token;
    if (this.misconfigured && this.misconfigured.until > this.now()) throw this.configurationError(this.misconfigured.reason);
    this.inflight ??= this.obtain().finally(() => (this.inflight = undefined));
    return this.inflight;
  }

  private async obtain(): Promise<string> {
    let outcome: Outcome;
    try {
      outcome = await this.prisma.$transaction((tx) => this.obtainLocked(tx), { timeout: 120_000, maxWait: 120_000 });
    } catch (err) {
      if (err instanceof TokenDecryptError) {
        throw new PleoAuthError(
          'ENCRYPTION_KEY cannot decrypt the stored Pleo OAuth tokens (the key changed?). Restore the previous ENCRYPTION_KEY, ' +
            'or re-authorise the app in Pleo and set the new PLEO_OAUTH_REFRESH_TOKEN.',
          err,
        );
      }
      throw err;
    }
    if ('revoked' in outcome) {
      throw new PleoAuthError(
        `Pleo no longer accepts this integration's OAuth refresh token (${outcome.revoked}). ` +
          'Re-authorise the app in Pleo and set the new PLEO_OAUTH_REFRESH_TOKEN.',
      );
    }
    if ('misconfigured' in outcome) {
      this.misconfigured = { reason: outcome.misconfigured, until: this.now() + MISCONFIGURED_PAUSE_MS };
      throw this.configurationError(outcome.misconfigured);
    }
    this.misconfigured = undefined;
    this.rejectedToken = undefined;
    this.cached = outcome;
    return outcome.token;
  }

  private async obtainLocked(tx: Parameters<Parameters<PrismaService['$transaction']>[0]>[0]): Promise<Outcome> {
    const { clientId } = this.settings;
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`pleo-oauth:${clientId}`}))`;
    const seedHash = sha256(this.settings.refreshToken);
    let row = await tx.pleoOAuthCredential.findUnique({ where: { clientId } });
    const known = row && (row.seedHash === seedHash || row.seedHashes.includes(seedHash));
    if (!row || !known) {
      // First start, or an operator re-authorised and configured a new refresh token.
      const seed = {
        refreshTokenEnc: this.cipher.encrypt(this.settings.refreshToken, this.aad('refresh_token')),
        accessTokenEnc: null,
        accessTokenExpiresAt: null,
        seedHash,
        revokedAt: null,
        revokedReason: null,
      };
      const history = [...new Set([...(row?.seedHashes ?? []), ...(row ? [row.seedHash] : []), seedHash])];
      row = await tx.pleoOAuthCredential.upsert({
        where: { clientId },
        create: { clientId, ...seed, seedHashes: history },
        update: { ...seed, seedHashes: history },
      });
      this.logger.log(`OAuth token chain seeded from PLEO_OAUTH_REFRESH_TOKEN (${seedHash.slice(0, 8)})`);
    } else if (row.seedHash !== seedHash && !this.warnedOldSeed) {
      this.warnedOldSeed = true;
      this.logger.warn(
        'PLEO_OAUTH_REFRESH_TOKEN is an older seed that was already applied; it is ignored and the stored (newer) chain is used. ' +
          'Configure every process with the newest refresh token.',
      );
    }
    if (row.revokedAt) return { revoked: row.revokedReason ?? 'the refresh token was rejected' };

    const stored = row.accessTokenEnc ? this.cipher.decrypt(row.accessTokenEnc, this.aad('access_token')) : undefined;
    const storedExpiry = row.accessTokenExpiresAt?.getTime() ?? 0;
    if (stored && stored !== this.rejectedToken && storedExpiry - this.margin > this.now()) {
      return { token: stored, expiresAt: storedExpiry }; // fresh enough, maybe refreshed by another process
    }
    const answer = await observeTokenRefresh(requestTokens(this.settings, this.cipher.decrypt(row.refreshTokenEnc, this.aad('refresh_token')), this.logger));
    if (answer.kind === 'revoked') {
      await tx.pleoOAuthCredential.update({
        where: { clientId },
        data: { revokedAt: new Date(this.now()), revokedReason: answer.reason, accessTokenEnc: null },
      });
      return { revoked: answer.reason };
    }
    if (answer.kind === 'misconfigured') return { misconfigured: answer.reason };
    const expiresAt = this.now() + answer.expiresInSeconds * 1000;
    await tx.pleoOAuthCredential.update({
      where: { clientId },
      data: {
        refreshTokenEnc: this.cipher.encrypt(answer.refreshToken, this.aad('refresh_token')),
        accessTokenEnc: this.cipher.encrypt(answer.accessToken, this.aad('access_token')),
        accessTokenExpiresAt: new Date(expiresAt),
      },
    });
    return { token: answer.accessToken, expiresAt };
  }

  private configurationError(reason: string): PleoAuthError {
    return new PleoAuthError(
      `Pleo's token endpoint refused our OAuth client, not the refresh token (${reason}). ` +
        'Check PLEO_OAUTH_CLIENT_ID, PLEO_OAUTH_CLIENT_SECRET, PLEO_OAUTH_TOKEN_URL and PLEO_OAUTH_CLIENT_AUTH; ' +
        'the stored token chain is kept, no re-authorisation is needed once they are right.',
    );
  }
}
