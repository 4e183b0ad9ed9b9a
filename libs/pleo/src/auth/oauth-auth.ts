import { createHash } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { PrismaService } from '@app/database';
import { tokenRefreshes } from '@app/metrics';
import { backoffDelayMs, sleep } from '@app/runtime';
import { PleoAuthError, PleoUnreachable } from '../api/pleo-api.error';
import { PleoAuth } from '../api/pleo-http';
import { TokenCipher } from './token-cipher';

export interface OAuthSettings {
  clientId: string;
  clientSecret: string;
  /** the refresh token an operator obtained by authorising the app (seeds the stored chain) */
  refreshToken: string;
  tokenUrl: string;
  timeoutMs: number;
  /** refresh this long before the access token expires */
  refreshMarginMs?: number;
}

type TokenAnswer =
  | { kind: 'ok'; accessToken: string; refreshToken: string; expiresInSeconds: number }
  | { kind: 'rejected'; reason: string };

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/**
 * Pleo OAuth 2.0 access tokens (pleo-api.md §1.2), refreshed centrally:
 * - one refresh in flight across every worker process: a PostgreSQL advisory lock per client id,
 *   and inside it the stored token is re-read (another process may have just refreshed);
 * - the rotated refresh token is committed (encrypted) before the new access token is used, so a
 *   crash can never lose the only valid refresh token;
 * - refreshes ahead of expiry; bounded backoff on transient failures;
 * - a rejected refresh token is recorded and every later call fails at once, asking for a
 *   re-authorisation (Pleo revokes the whole chain when an old token is reused).
 */
export class OAuthAuth implements PleoAuth {
  private readonly logger = new Logger('PleoOAuth');
  private cached?: { token: string; expiresAt: number };
  private inflight?: Promise<string>;
  private rejectedToken?: string;

  constructor(
    private readonly prisma: PrismaService,
    private readonly cipher: TokenCipher,
    private readonly settings: OAuthSettings,
    private readonly now: () => number = Date.now,
  ) {}

  private get margin() {
    return this.settings.refreshMarginMs ?? 60_000;
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
    this.inflight ??= this.obtain().finally(() => (this.inflight = undefined));
    return this.inflight;
  }

  private async obtain(): Promise<string> {
    const { clientId } = this.settings;
    const outcome = await this.prisma.$transaction(
      async (tx) => {
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`pleo-oauth:${clientId}`}))`;
        const seedHash = sha256(this.settings.refreshToken);
        let row = await tx.pleoOAuthCredential.findUnique({ where: { clientId } });
        if (!row || row.seedHash !== seedHash) {
          // First start, or an operator re-authorised and configured a new refresh token.
          const seed = {
            refreshTokenEnc: this.cipher.encrypt(this.settings.refreshToken),
            accessTokenEnc: null,
            accessTokenExpiresAt: null,
            seedHash,
            revokedAt: null,
            revokedReason: null,
          };
          row = await tx.pleoOAuthCredential.upsert({ where: { clientId }, create: { clientId, ...seed }, update: seed });
        }
        if (row.revokedAt) return { revoked: row.revokedReason ?? 'the refresh token was rejected' };

        const stored = row.accessTokenEnc ? this.cipher.decrypt(row.accessTokenEnc) : undefined;
        const storedExpiry = row.accessTokenExpiresAt?.getTime() ?? 0;
        if (stored && stored !== this.rejectedToken && storedExpiry - this.margin > this.now()) {
          return { token: stored, expiresAt: storedExpiry }; // fresh enough, maybe refreshed by another process
        }

        const answer = await this.refresh(this.cipher.decrypt(row.refreshTokenEnc));
        tokenRefreshes.inc({ outcome: answer.kind });
        if (answer.kind === 'rejected') {
          await tx.pleoOAuthCredential.update({
            where: { clientId },
            data: { revokedAt: new Date(this.now()), revokedReason: answer.reason, accessTokenEnc: null },
          });
          return { revoked: answer.reason };
        }
        const expiresAt = this.now() + answer.expiresInSeconds * 1000;
        await tx.pleoOAuthCredential.update({
          where: { clientId },
          data: {
            refreshTokenEnc: this.cipher.encrypt(answer.refreshToken),
            accessTokenEnc: this.cipher.encrypt(answer.accessToken),
            accessTokenExpiresAt: new Date(expiresAt),
          },
        });
        return { token: answer.accessToken, expiresAt };
      },
      { timeout: 120_000, maxWait: 120_000 },
    );
    if ('revoked' in outcome) {
      throw new PleoAuthError(
        `Pleo no longer accepts this integration's OAuth refresh token (${outcome.revoked}). ` +
          'Re-authorise the app in Pleo and set the new PLEO_OAUTH_REFRESH_TOKEN.',
      );
    }
    this.rejectedToken = undefined;
    this.cached = outcome;
    return outcome.token;
  }

  /** One refresh, with bounded retries on transient failures. Runs under the lock. */
  private async refresh(refreshToken: string): Promise<TokenAnswer> {
    const { clientId, clientSecret, tokenUrl, timeoutMs } = this.settings;
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await fetch(tokenUrl, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            accept: 'application/json',
            authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
          },
          body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: clientId }),
          signal: AbortSignal.timeout(timeoutMs),
        });
        const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
        if (res.ok && typeof body.access_token === 'string' && typeof body.refresh_token === 'string') {
          return {
            kind: 'ok',
            accessToken: body.access_token,
            refreshToken: body.refresh_token,
            expiresInSeconds: Number(body.expires_in) > 0 ? Number(body.expires_in) : 3600,
          };
        }
        if (res.status === 400 || res.status === 401) {
          return { kind: 'rejected', reason: `${body.error ?? res.status}${body.error_description ? `: ${body.error_description}` : ''}` };
        }
        throw new Error(`token endpoint answered ${res.status}`);
      } catch (err) {
        if (attempt >= 4) {
          tokenRefreshes.inc({ outcome: 'error' });
          throw new PleoUnreachable('POST', tokenUrl, err);
        }
        this.logger.warn(`token refresh failed (attempt ${attempt}), retrying: ${(err as Error).message}`);
        await sleep(backoffDelayMs(attempt, 500, 10_000));
      }
    }
  }
}
