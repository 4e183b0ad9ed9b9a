import { Injectable } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { ApiConfig } from '@app/config';
import { ConnectionRecord, ConnectionRepository, ConnectionSecrets, PLEO_ACCESS_TOKEN, callTokenEndpoint, pleoOAuthLockKey } from '@app/connections';
import { PrismaService } from '@app/database';
import { checkCompanyAccess } from './pleo-company-check';
import { ConnectCallbackQuery, ConnectFlowTokens, existingConnection, providerError } from './connect-flow-tokens';
import { ConnectRefused } from './connect-refused';
import { pendingConnectFlow } from './pending-connect';

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
  private readonly flow: ConnectFlowTokens;

  constructor(
    private readonly config: ApiConfig,
    private readonly repository: ConnectionRepository,
    private readonly secrets: ConnectionSecrets,
    prisma: PrismaService,
  ) {
    this.flow = new ConnectFlowTokens(config, prisma, 'connect');
  }

  get redirectUri(): string {
    return `${this.flow.publicUrl}/connect/pleo/callback`;
  }

  /** The link an operator opens in a browser (POST /admin/connections/:id/connect). */
  startLink(record: ConnectionRecord): { url: string; expiresAt: string } {
    this.requireOAuth(record);
    const { ticket, expiresAt } = this.flow.ticket(record.id);
    return { url: `${this.flow.publicUrl}/connect/pleo/start?connection=${record.id}&ticket=${encodeURIComponent(ticket)}`, expiresAt };
  }

  /** Where `start` sends the browser: Pleo's authorize URL with state and PKCE. */
  async authorizeUrl(connectionId: string, ticket: string | undefined): Promise<string> {
    this.flow.checkTicket(connectionId, ticket, 'npm run connections -- connect <id>');
    const record = await existingConnection(this.repository, connectionId);
    this.requireOAuth(record);
    const nonce = randomBytes(16).toString('base64url');
    const url = new URL(this.config.PLEO_OAUTH_AUTHORIZE_URL);
    url.searchParams.set('response_type', 'code');
    url.searchParams.set('client_id', record.pleo.clientId!);
    url.searchParams.set('redirect_uri', this.redirectUri);
    url.searchParams.set('state', this.flow.signState({ c: record.id, n: nonce }));
    url.searchParams.set('code_challenge', createHash('sha256').update(this.flow.states.derive(nonce)).digest('base64url'));
    url.searchParams.set('code_challenge_method', 'S256');
    return url.toString();
  }

  /** The callback: returns the connection's name when the chain is stored. */
  async complete(query: ConnectCallbackQuery): Promise<string> {
    const state = this.flow.readState<{ c: string; n: string }>(query.state, 'The answer from Pleo cannot be trusted (its state is missing, altered or expired). Start again from a new connect link.');
    await this.flow.useOnce(state.n, 'This answer from Pleo was already used. Start again from a new connect link.');
    const refused = providerError('Pleo', query, 'access was denied in Pleo');
    if (refused) throw new ConnectRefused(`The company was not connected: ${refused}. Start again from a new connect link if this was a mistake.`);
    if (!query.code) throw new ConnectRefused('Pleo sent no authorisation code. Start again from a new connect link.');
    const record = await existingConnection(this.repository, state.c);
    this.requireOAuth(record);
    const clientSecret = this.secrets.open(record.id, 'pleoClientSecret', record.secrets.pleoClientSecret);
    const answer = await callTokenEndpoint(
      this.config.PLEO_OAUTH_TOKEN_URL,
      { clientId: record.pleo.clientId!, clientSecret },
      { grant_type: 'authorization_code', code: query.code, redirect_uri: this.redirectUri, code_verifier: this.flow.states.derive(state.n) },
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

  private requireOAuth(record: ConnectionRecord): void {
    this.flow.requireEncryptionKey();
    if (record.pleo.auth !== 'oauth' || !record.pleo.clientId || !record.secrets.pleoClientSecret) {
      throw new ConnectRefused('This connection does not use Pleo OAuth: set pleo.auth oauth, pleo.clientId and secrets.pleoClientSecret first.', 409);
    }
  }
}
