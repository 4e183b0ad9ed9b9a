import { Injectable } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { ApiConfig } from '@app/config';
import { ConnectionRecord, ConnectionRepository, ConnectionSecrets, PLEO_ACCESS_TOKEN, callTokenEndpoint, pleoOAuthLockKey } from '@app/connections';
import { PrismaService, isUniqueViolation } from '@app/database';
import { checkCompanyAccess } from './pleo-company-check';
import { SignedTokens } from './signed-token';
import { ConnectRefused } from './connect-refused';
import { pendingConnectFlow } from './pending-connect';

const LINK_TTL_MS = 15 * 60_000;
const STATE_TTL_MS = 10 * 60_000;

export { ConnectRefused };

/**
 * Pleo's OAuth connect flow for a stored connection (the first provider; ERP adapters add theirs
 * the same way). The admin token cannot ride on a browser link, so an operator asks the admin API
 * for a short-lived signed link to `start`; `start` redirects to Pleo with a signed state (the
 * connection and a nonce, 10 minutes) and a PKCE S256 challenge whose verifier is derived from the
 * nonce (nothing to store); the callback takes each state once, exchanges the code and stores the
 * refresh-token chain, sealed, on the connection.
 */
@Injectable()
export class PleoConnectService {
  private readonly links: SignedTokens;
  private readonly states: SignedTokens;

  constructor(
    private readonly config: ApiConfig,
    private readonly repository: ConnectionRepository,
    private readonly secrets: ConnectionSecrets,
    private readonly prisma: PrismaService,
  ) {
    const key = config.ENCRYPTION_KEY ?? '';
    this.links = new SignedTokens(key, 'connect-link');
    this.states = new SignedTokens(key, 'connect-state');
  }

  private get publicUrl(): string {
    return (this.config.PUBLIC_URL ?? `http://localhost:${this.config.PORT}`).replace(/\/$/, '');
  }

  get redirectUri(): string {
    return `${this.publicUrl}/connect/pleo/callback`;
  }

  /** The link an operator opens in a browser (POST /admin/connections/:id/connect). */
  startLink(record: ConnectionRecord): { url: string; expiresAt: string } {
    this.requireOAuth(record);
    const ticket = this.links.sign({ c: record.id }, LINK_TTL_MS);
    const url = `${this.publicUrl}/connect/pleo/start?connection=${record.id}&ticket=${encodeURIComponent(ticket)}`;
    return { url, expiresAt: new Date(Date.now() + LINK_TTL_MS).toISOString() };
  }

  /** Where `start` sends the browser: Pleo's authorize URL with state and PKCE. */
  async authorizeUrl(connectionId: string, ticket: string | undefined): Promise<string> {
    const link = this.links.verify<{ c: string }>(ticket);
    if (!link || link.c !== connectionId) throw new ConnectRefused('This connect link is invalid or has expired. Ask for a new one: npm run connections -- connect <id>.');
    const record = await this.repository.get(connectionId);
    if (!record) throw new ConnectRefused('The connection no longer exists.', 404);
    this.requireOAuth(record);
    const nonce = randomBytes(16).toString('base64url');
    const url = new URL(this.config.PLEO_OAUTH_AUTHORIZE_URL);
    url.searchParams.set('response_type', 'code');
    url.searchParams.set('client_id', record.pleo.clientId!);
    url.searchParams.set('redirect_uri', this.redirectUri);
    url.searchParams.set('state', this.states.sign({ c: record.id, n: nonce }, STATE_TTL_MS));
    url.searchParams.set('code_challenge', createHash('sha256').update(this.states.derive(nonce)).digest('base64url'));
    url.searchParams.set('code_challenge_method', 'S256');
    return url.toString();
  }

  /** The callback: returns the connection's name when the chain is stored. */
  async complete(query: { code?: string; state?: string; error?: string; error_description?: string }): Promise<string> {
    const state = this.states.verify<{ c: string; n: string }>(query.state);
    if (!state) throw new ConnectRefused('The answer from Pleo cannot be trusted (its state is missing, altered or expired). Start again from a new connect link.');
    await this.useOnce(state.n);
    if (query.error) {
      const why = query.error === 'access_denied' ? 'access was denied in Pleo' : `Pleo answered ${query.error}${query.error_description ? `: ${query.error_description}` : ''}`;
      throw new ConnectRefused(`The company was not connected: ${why}. Start again from a new connect link if this was a mistake.`);
    }
    if (!query.code) throw new ConnectRefused('Pleo sent no authorisation code. Start again from a new connect link.');
    const record = await this.repository.get(state.c);
    if (!record) throw new ConnectRefused('The connection no longer exists.', 404);
    this.requireOAuth(record);
    const clientSecret = this.secrets.open(record.id, 'pleoClientSecret', record.secrets.pleoClientSecret);
    const answer = await callTokenEndpoint(
      this.config.PLEO_OAUTH_TOKEN_URL,
      { clientId: record.pleo.clientId!, clientSecret },
      { grant_type: 'authorization_code', code: query.code, redirect_uri: this.redirectUri, code_verifier: this.states.derive(state.n) },
      10_000,
    ).catch(() => {
      throw new ConnectRefused('Pleo’s token service could not be reached. Start again from a new connect link in a few minutes.', 502);
    });
    if (answer.kind === 'refused' || !answer.refreshToken) {
      const why = answer.kind === 'refused' ? answer.error : 'no refresh token (is offline access granted to the app?)';
      throw new ConnectRefused(`Pleo did not accept the authorisation (${why}). Start again from a new connect link; check the app's client id and secret if it happens again.`);
    }
    // The chain must reach the connection's company: not one the operator happened to be logged in to.
    const access = await checkCompanyAccess(this.config.PLEO_API_BASE_URL, answer.accessToken, record.companyId);
    if (!access.ok && access.refused) {
      throw new ConnectRefused(`The authorisation does not give access to the connection's company ${record.companyId} (${access.why}); nothing was stored. Log in to Pleo as that company (or switch to it), then start again from a new connect link.`);
    }
    if (!access.ok) throw new ConnectRefused(`The new authorisation could not be checked against the company (${access.why}); nothing was stored. Start again from a new connect link in a few minutes.`, 502);
    const expiresAt = Date.now() + answer.expiresInSeconds * 1000;
    // Under the lock a worker refreshing the old chain holds: its rotated token is written first, never after ours.
    const updated = await this.repository.update(
      record,
      {
        secrets: { pleoRefreshToken: answer.refreshToken, [PLEO_ACCESS_TOKEN]: JSON.stringify({ token: answer.accessToken, expiresAt }) },
        ...(record.status === 'needs_reauthorisation' && record.statusSide === 'pleo' && { status: 'active' as const }),
      },
      { advisoryLock: pleoOAuthLockKey(record.id) },
    );
    // the ERP side may still wait for its own connect flow (Xero)
    const pending = updated.status === 'active' ? pendingConnectFlow(updated) : null;
    if (pending) await this.repository.needsReauthorisation(updated.id, pending.side, pending.reason);
    return record.name;
  }

  /** Each state is good for one callback: a replayed answer (and its code) is refused. */
  private async useOnce(nonce: string): Promise<void> {
    try {
      await this.prisma.oAuthStateUse.create({ data: { nonce } });
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConnectRefused('This answer from Pleo was already used. Start again from a new connect link.');
      throw err;
    }
  }

  private requireOAuth(record: ConnectionRecord): void {
    if (!this.config.ENCRYPTION_KEY) throw new ConnectRefused('ENCRYPTION_KEY is not set on the API: the connect flow cannot store credentials.', 503);
    if (record.pleo.auth !== 'oauth' || !record.pleo.clientId || !record.secrets.pleoClientSecret) {
      throw new ConnectRefused('This connection does not use Pleo OAuth: set pleo.auth oauth, pleo.clientId and secrets.pleoClientSecret first.', 409);
    }
  }
}
