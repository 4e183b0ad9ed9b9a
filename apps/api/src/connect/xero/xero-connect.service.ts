import { Injectable } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { ApiConfig } from '@app/config';
import { ConnectionRecord, ConnectionRepository, ConnectionSecrets } from '@app/connections';
import { PrismaService } from '@app/database';
import { PrismaXeroTokenStore, erpSecretSealer, xeroSettings } from '@app/erp';
import { ConnectCallbackQuery, ConnectFlowTokens, existingConnection, providerError } from '../connect-flow-tokens';
import { ConnectRefused } from '../connect-refused';
import { pendingConnectFlow } from '../pending-connect';
import { SignedTokens } from '../signed-token';
import { XeroIdentityUnreachable, XeroTenant, exchangeXeroCode, listXeroTenants } from './xero-identity.client';

const CHOICE_TTL_MS = 30 * 60_000;
const TIMEOUT_MS = 10_000;

/**
 * What the adapter needs (granular scopes: Xero apps created since 2 March 2026 have no others).
 * A connection's `erpSettings.scopes` overrides it (an older app: `offline_access
 * accounting.transactions accounting.contacts accounting.settings.read accounting.attachments`).
 */
export const XERO_CONNECT_SCOPES =
  'offline_access accounting.contacts accounting.banktransactions accounting.invoices accounting.payments accounting.manualjournals accounting.attachments accounting.settings.read';

export type XeroConnectOutcome =
  | { kind: 'connected'; name: string; tenant: XeroTenant }
  /** several organisations were authorised: the operator picks one (POST /connect/xero/choose with `choice`) */
  | { kind: 'choose'; name: string; choice: string; tenants: XeroTenant[]; current: string | null };

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const sameGuid = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/**
 * Xero's OAuth connect flow for a stored connection of kind `xero` (the Pleo flow's twin): a signed
 * link → Xero's authorize (signed state, 10 minutes, used once) → the callback exchanges the code
 * at `<identityUrl>/connect/token` → GET `<connectionsUrl>` → the organisation: the one asked for
 * on start, the only one authorised, or the operator's choice among several. The refresh token is
 * stored as the chain's first link (the connection's sealed `refreshToken` and, under the chain's
 * lock, the Xero token store), so the first refresh rotates it under that lock; the chosen tenant
 * goes in the connection's settings.
 */
@Injectable()
export class XeroConnectService {
  private readonly flow: ConnectFlowTokens;
  private readonly choices: SignedTokens;

  constructor(
    private readonly config: ApiConfig,
    private readonly repository: ConnectionRepository,
    private readonly secrets: ConnectionSecrets,
    private readonly prisma: PrismaService,
  ) {
    this.flow = new ConnectFlowTokens(config, prisma, 'xero-connect');
    this.choices = new SignedTokens(config.ENCRYPTION_KEY ?? '', 'xero-connect-choice');
  }

  /** The redirect URI to register on the Xero app (developer.xero.com → the app → Configuration). */
  get redirectUri(): string {
    return `${this.flow.publicUrl}/connect/xero/callback`;
  }

  /** The link an operator opens in a browser (POST /admin/connections/:id/connect/xero); `tenantId` picks the organisation beforehand. */
  startLink(record: ConnectionRecord, tenantId?: string): { url: string; expiresAt: string; redirectUri: string } {
    this.requireXeroOAuth(record);
    const { ticket, expiresAt } = this.flow.ticket(record.id);
    const url = new URL(`${this.flow.publicUrl}/connect/xero/start`);
    url.searchParams.set('connection', record.id);
    url.searchParams.set('ticket', ticket);
    if (tenantId) url.searchParams.set('tenant', tenantId);
    return { url: url.toString(), expiresAt, redirectUri: this.redirectUri };
  }

  /** Where `start` sends the browser: Xero's authorize URL with a signed state. */
  async authorizeUrl(connectionId: string, ticket: string | undefined, tenant: string | undefined): Promise<string> {
    this.flow.checkTicket(connectionId, ticket, 'npm run connections -- connect <id> xero');
    if (tenant !== undefined && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(tenant)) throw new ConnectRefused('The tenant asked for is not a Xero tenant id (a GUID).');
    const record = await existingConnection(this.repository, connectionId);
    this.requireXeroOAuth(record);
    const settings = xeroSettings(record.erpSettings);
    const url = new URL(settings.authorizeUrl);
    url.searchParams.set('response_type', 'code');
    url.searchParams.set('client_id', settings.clientId);
    url.searchParams.set('redirect_uri', this.redirectUri);
    url.searchParams.set('scope', typeof record.erpSettings.scopes === 'string' ? record.erpSettings.scopes : XERO_CONNECT_SCOPES);
    url.searchParams.set('state', this.flow.signState({ c: record.id, n: randomBytes(16).toString('base64url'), ...(tenant && { t: tenant }) }));
    return url.toString();
  }

  /** The callback: the chain is stored; the organisation is set, or the operator is asked to choose. */
  async complete(query: ConnectCallbackQuery): Promise<XeroConnectOutcome> {
    const state = this.flow.readState<{ c: string; n: string; t?: string }>(
      query.state,
      'The answer from Xero cannot be trusted (its state is missing, altered or expired: a connect link lasts 15 minutes, Xero\'s page 10). Start again from a new connect link.',
    );
    await this.flow.useOnce(`xero:${state.n}`, 'This answer from Xero was already used. Start again from a new connect link.');
    const refused = providerError('Xero', query, 'access was denied in Xero (the app was not allowed)');
    if (refused) throw new ConnectRefused(`Xero was not connected: ${refused}. Start again from a new connect link if this was a mistake.`);
    if (!query.code) throw new ConnectRefused('Xero sent no authorisation code. Start again from a new connect link.');
    const record = await existingConnection(this.repository, state.c);
    this.requireXeroOAuth(record);
    const settings = xeroSettings(record.erpSettings);
    const clientSecret = this.secrets.open(record.id, 'clientSecret', record.secrets.clientSecret);
    const { refreshToken, accessToken } = await this.exchange(settings, clientSecret, query.code);
    const tenants = await listXeroTenants(settings.connectionsUrl, accessToken, TIMEOUT_MS).catch((err: unknown) => {
      if (err instanceof XeroIdentityUnreachable) throw new ConnectRefused('Xero\'s list of authorised organisations could not be read. Start again from a new connect link in a few minutes.', 502);
      throw err;
    });
    if (!tenants.length) {
      throw new ConnectRefused('No Xero organisation was authorised: on Xero\'s page, tick the organisation to connect. Start again from a new connect link; nothing was changed.');
    }
    const asked = state.t ? tenants.find((t) => sameGuid(t.tenantId, state.t!)) : undefined;
    if (state.t && !asked) {
      throw new ConnectRefused(`The organisation asked for (${state.t}) was not among those authorised in Xero (${tenants.map((t) => t.tenantName).join(', ')}). Start again and tick it, or start without a tenant to choose; nothing was changed.`);
    }
    const chosen = asked ?? (tenants.length === 1 ? tenants[0] : undefined);
    await this.repository.update(record, { secrets: { refreshToken }, ...(chosen && { erpSettings: { ...record.erpSettings, tenantId: chosen.tenantId } }) });
    await this.storeChain(record.id, refreshToken);
    await this.settle(record.id);
    if (chosen) return { kind: 'connected', name: record.name, tenant: chosen };
    const choice = this.choices.sign({ c: record.id, n: randomBytes(16).toString('base64url'), t: tenants.map((t) => [t.tenantId, t.tenantName]), h: sha256(refreshToken).slice(0, 16) }, CHOICE_TTL_MS);
    const current = typeof record.erpSettings.tenantId === 'string' && tenants.some((t) => sameGuid(t.tenantId, record.erpSettings.tenantId as string)) ? record.erpSettings.tenantId : null;
    return { kind: 'choose', name: record.name, choice, tenants, current };
  }

  /** The operator's pick among the organisations of one callback (once, while that chain is the connection's). */
  async choose(choiceToken: string | undefined, tenantId: string | undefined): Promise<{ name: string; tenant: XeroTenant }> {
    const choice = this.choices.verify<{ c: string; n: string; t: [string, string][]; h: string }>(choiceToken);
    if (!choice) throw new ConnectRefused('This choice cannot be trusted or has expired (30 minutes). Start again from a new connect link.');
    const picked = tenantId ? choice.t.find(([id]) => sameGuid(id, tenantId)) : undefined;
    if (!picked) throw new ConnectRefused('Choose one of the organisations listed (the tenant id is not one of them).');
    const record = await existingConnection(this.repository, choice.c);
    this.requireXeroOAuth(record);
    const sealed = record.secrets.refreshToken;
    if (!sealed || sha256(this.secrets.open(record.id, 'refreshToken', sealed)).slice(0, 16) !== choice.h) {
      throw new ConnectRefused('The connection was connected again since this page was shown: use the newest connect flow\'s page.', 409);
    }
    await this.flow.useOnce(`xero-choice:${choice.n}`, 'An organisation was already chosen on this page. Start again from a new connect link to change it.');
    await this.repository.update(record, { erpSettings: { ...record.erpSettings, tenantId: picked[0] } });
    await this.settle(record.id);
    return { name: record.name, tenant: { tenantId: picked[0], tenantName: picked[1] } };
  }

  private async exchange(settings: ReturnType<typeof xeroSettings>, clientSecret: string, code: string): Promise<{ refreshToken: string; accessToken: string }> {
    const answer = await exchangeXeroCode(settings.identityUrl, { clientId: settings.clientId, clientSecret }, { code, redirectUri: this.redirectUri }, TIMEOUT_MS).catch((err: unknown) => {
      if (err instanceof XeroIdentityUnreachable) throw new ConnectRefused('Xero\'s token service could not be reached. Start again from a new connect link in a few minutes.', 502);
      throw err;
    });
    if (answer.kind === 'refused') {
      throw new ConnectRefused(`Xero did not accept the authorisation (${answer.error}). Start again from a new connect link; if it happens again, check the app's client id and secret and that ${this.redirectUri} is one of its redirect URIs.`);
    }
    if (!answer.refreshToken) throw new ConnectRefused('Xero gave no refresh token: the scopes must include offline_access. Start again from a new connect link.');
    return { refreshToken: answer.refreshToken, accessToken: answer.accessToken };
  }

  /**
   * The chain's first link in the Xero token store, under the chain's lock (what a worker refreshing
   * the old chain writes cannot come after it). A worker that already started this chain from the
   * connection's secret (same seed) is left alone: its rotated token is the live one.
   */
  private async storeChain(connectionId: string, refreshToken: string): Promise<void> {
    const store = new PrismaXeroTokenStore(this.prisma, erpSecretSealer(this.config), connectionId);
    const seedHash = sha256(refreshToken);
    await store.withLock(async (tokens) => {
      if ((await tokens.read())?.seedHash === seedHash) return;
      await tokens.write({ refreshToken, accessToken: null, accessTokenExpiresAt: null, seedHash, revokedReason: null });
    });
  }

  /** Active when nothing waits for a person any more; else needs_reauthorisation naming what waits. */
  private async settle(id: string): Promise<void> {
    const record = await existingConnection(this.repository, id);
    const pending = pendingConnectFlow(record);
    if (pending) await this.repository.needsReauthorisation(id, pending.side, pending.reason);
    else if (record.status === 'needs_reauthorisation' && record.statusSide === 'erp') await this.repository.update(record, { status: 'active' });
  }

  private requireXeroOAuth(record: ConnectionRecord): void {
    this.flow.requireEncryptionKey();
    if (record.erpKind !== 'xero') throw new ConnectRefused(`This connection's ERP is ${record.erpKind}, not Xero.`, 409);
    if (record.erpSettings.grantType === 'client_credentials') throw new ConnectRefused('This connection is a Xero Custom Connection (client_credentials): it needs no connect flow.', 409);
    if (typeof record.erpSettings.clientId !== 'string' || !record.secrets.clientSecret) {
      throw new ConnectRefused('This connection has no Xero app yet: set erpSettings.clientId and secrets.clientSecret first.', 409);
    }
  }
}
