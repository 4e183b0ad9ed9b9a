import { Logger } from '@nestjs/common';
import { PleoAuth, PleoAuthError, requestTokens } from '@app/pleo';
import { PrismaService } from '@app/database';
import { ConnectionRepository } from '../connection.repository';
import { ConnectionSecrets } from '../connection-secrets';
import { PLEO_ACCESS_TOKEN } from '../connection.types';

const MARGIN_MS = 60_000;

/** The cross-process lock around a connection's Pleo refresh-token chain (refresh, and storing a new chain). */
export const pleoOAuthLockKey = (connectionId: string) => `connection-oauth:${connectionId}:pleo`;

/**
 * Pleo OAuth for one stored connection: the rotating refresh-token chain lives (sealed) on the
 * connection row. One refresh at a time across all processes (an advisory lock per connection and
 * side, the row re-read inside it); the rotated refresh token is committed before the new access
 * token is used; only `invalid_grant` makes the connection needs_reauthorisation.
 */
export class ConnectionOAuthAuth implements PleoAuth {
  private readonly logger = new Logger('ConnectionOAuth');
  private cached?: { token: string; expiresAt: number };
  private inflight?: Promise<string>;
  private rejected?: string;
  /**
   * A chain Pleo rotated whose write failed (e.g. PostgreSQL restarted before COMMIT, finding 5): the
   * stored refresh token is used up, so this one is the only copy. Written before any other refresh.
   */
  private unsaved?: { previousSealed: string; plain: Record<string, string>; token: string; expiresAt: number };

  constructor(
    private readonly connectionId: string,
    private readonly client: { clientId: string; tokenUrl: string; timeoutMs: number },
    private readonly prisma: PrismaService,
    private readonly repository: ConnectionRepository,
    private readonly secrets: ConnectionSecrets,
  ) {}

  async header(): Promise<string> {
    if (!this.cached || this.cached.expiresAt - MARGIN_MS <= Date.now()) {
      this.inflight ??= this.obtain().finally(() => (this.inflight = undefined));
      await this.inflight;
    }
    return `Bearer ${this.cached!.token}`;
  }

  invalidate(): void {
    this.rejected = this.cached?.token;
    this.cached = undefined;
  }

  private async obtain(): Promise<string> {
    if (this.unsaved) {
      const kept = await this.saveUnsaved(); // throws while the database cannot take it: never refresh with a used-up token
      if (kept) return kept;
    }
    let outcome: { token: string; expiresAt: number } | { refused: string };
    try {
      outcome = await this.refreshLocked();
    } catch (err) {
      if (!this.unsaved) throw err;
      this.logger.error(`connection ${this.connectionId}: Pleo rotated the refresh token but storing it failed (${(err as Error).message}); keeping it in memory and storing it again`);
      const kept = await this.saveUnsaved();
      if (!kept) throw err;
      outcome = this.cached!;
    }
    this.unsaved = undefined;
    if ('refused' in outcome) throw new PleoAuthError(`Pleo OAuth for connection ${this.connectionId}: ${outcome.refused}.`);
    this.rejected = undefined;
    this.cached = outcome;
    return outcome.token;
  }

  /**
   * Writes the chain kept in memory (compare and swap on the used-up token). Returns the access token
   * when this chain is the stored one now, undefined when the chain changed meanwhile (then it is
   * dropped, and the stored one is used); throws while the database cannot be written.
   */
  private async saveUnsaved(): Promise<string | undefined> {
    const unsaved = this.unsaved!;
    const written = await this.repository.rotateSecretsIf(this.connectionId, unsaved.plain, 'pleoRefreshToken', unsaved.previousSealed);
    this.unsaved = undefined;
    if (!written) return undefined; // stored by the COMMIT after all, or replaced (connect flow): the row rules
    this.logger.warn(`connection ${this.connectionId}: the rotated refresh token kept in memory is stored now`);
    this.rejected = undefined;
    this.cached = { token: unsaved.token, expiresAt: unsaved.expiresAt };
    return unsaved.token;
  }

  private async refreshLocked(): Promise<{ token: string; expiresAt: number } | { refused: string }> {
    const id = this.connectionId;
    return this.prisma.$transaction(
      async (tx) => {
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${pleoOAuthLockKey(id)}, 0))`;
        const row = await tx.connection.findFirst({ where: { id, deletedAt: null }, select: { status: true, secrets: true } });
        if (!row) return { refused: 'the connection was deleted' };
        if (row.status === 'needs_reauthorisation') return { refused: 'the connection needs re-authorisation' };
        const sealed = row.secrets as Record<string, string>;
        const open = (name: string) => (sealed[name] ? this.secrets.open(id, name, sealed[name]) : undefined);
        const stored = open(PLEO_ACCESS_TOKEN);
        if (stored) {
          const { token, expiresAt } = JSON.parse(stored) as { token: string; expiresAt: number };
          // fresh, maybe refreshed by another process a moment ago
          if (token !== this.rejected && expiresAt - MARGIN_MS > Date.now()) return { token, expiresAt };
        }
        const refreshToken = open('pleoRefreshToken');
        const clientSecret = open('pleoClientSecret');
        if (!refreshToken || !clientSecret) return { refused: 'no OAuth refresh token or client secret is stored: connect the company to Pleo' };

        const settings = { clientId: this.client.clientId, clientSecret, tokenUrl: this.client.tokenUrl, timeoutMs: this.client.timeoutMs };
        const answer = await requestTokens(settings, refreshToken, this.logger);
        if (answer.kind === 'misconfigured') return { refused: `Pleo refused the OAuth client (${answer.reason}); check its client id and secret` };
        if (answer.kind === 'revoked') {
          // only invalid_grant: the chain is gone, a person must connect the company again
          await tx.connection.update({
            where: { id },
            data: { status: 'needs_reauthorisation', statusSide: 'pleo', statusReason: `Pleo no longer accepts the refresh token (${answer.reason}). Connect the company to Pleo again.` },
          });
          return { refused: `Pleo no longer accepts the refresh token (${answer.reason})` };
        }
        const expiresAt = Date.now() + answer.expiresInSeconds * 1000;
        const plain = { pleoRefreshToken: answer.refreshToken, [PLEO_ACCESS_TOKEN]: JSON.stringify({ token: answer.accessToken, expiresAt }) };
        // from here the new chain exists only in this answer until COMMIT: kept in memory should the write fail
        this.unsaved = { previousSealed: sealed.pleoRefreshToken, plain, token: answer.accessToken, expiresAt };
        await this.repository.rotateSecrets(id, plain, tx);
        return { token: answer.accessToken, expiresAt };
      },
      { timeout: 60_000, maxWait: 60_000 },
    );
  }
}
