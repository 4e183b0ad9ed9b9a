import { ApiConfig } from '@app/config';
import { ConnectionRecord, ConnectionRepository } from '@app/connections';
import { PrismaService, isUniqueViolation } from '@app/database';
import { ConnectRefused } from './connect-refused';
import { SignedTokens } from './signed-token';

const LINK_TTL_MS = 15 * 60_000;
const STATE_TTL_MS = 10 * 60_000;

/** What a provider's callback carries (the OAuth authorization response). */
export interface ConnectCallbackQuery {
  code?: string;
  state?: string;
  error?: string;
  error_description?: string;
}

/**
 * What every provider's connect flow (Pleo, Xero) shares: the signed link an operator opens (15
 * minutes), the signed state sent to the provider (10 minutes), each state used once, and the checks
 * before any of it. `purpose` keys the signatures, so one provider's link or state is no other's.
 */
export class ConnectFlowTokens {
  readonly states: SignedTokens;
  private readonly links: SignedTokens;

  constructor(
    private readonly config: ApiConfig,
    private readonly prisma: PrismaService,
    purpose: string,
  ) {
    const key = config.ENCRYPTION_KEY ?? '';
    this.links = new SignedTokens(key, `${purpose}-link`);
    this.states = new SignedTokens(key, `${purpose}-state`);
  }

  get publicUrl(): string {
    return (this.config.PUBLIC_URL ?? `http://localhost:${this.config.PORT}`).replace(/\/$/, '');
  }

  /** A link's signed ticket for this connection, and when the link expires. */
  ticket(connectionId: string): { ticket: string; expiresAt: string } {
    return { ticket: this.links.sign({ c: connectionId }, LINK_TTL_MS), expiresAt: new Date(Date.now() + LINK_TTL_MS).toISOString() };
  }

  /** Refuses a ticket that is tampered, expired or signed for another connection. */
  checkTicket(connectionId: string, ticket: string | undefined, connectCommand: string): void {
    const link = this.links.verify<{ c: string }>(ticket);
    if (!link || link.c !== connectionId) throw new ConnectRefused(`This connect link is invalid or has expired. Ask for a new one: ${connectCommand}.`);
  }

  signState(payload: Record<string, unknown>): string {
    return this.states.sign(payload, STATE_TTL_MS);
  }

  /** The state on the provider's answer; `untrusted` is the operator's message when it is missing, altered or expired. */
  readState<T extends { c: string; n: string }>(state: string | undefined, untrusted: string): T {
    const payload = this.states.verify<T>(state);
    if (!payload) throw new ConnectRefused(untrusted);
    return payload;
  }

  /** Each state (or choice) is good for one answer: a replayed one (and its code) is refused with `message`. */
  async useOnce(nonce: string, message: string): Promise<void> {
    try {
      await this.prisma.oAuthStateUse.create({ data: { nonce } });
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConnectRefused(message);
      throw err;
    }
  }

  requireEncryptionKey(): void {
    if (!this.config.ENCRYPTION_KEY) throw new ConnectRefused('ENCRYPTION_KEY is not set on the API: the connect flow cannot store credentials.', 503);
  }
}

/** The connection a flow works on; gone → the operator is told (404). */
export async function existingConnection(repository: ConnectionRepository, id: string): Promise<ConnectionRecord> {
  const record = await repository.get(id);
  if (!record) throw new ConnectRefused('The connection no longer exists.', 404);
  return record;
}

/** Why the provider sent an error instead of a code (`denied`: what access_denied means there); null when it sent none. */
export function providerError(provider: string, query: ConnectCallbackQuery, denied: string): string | null {
  if (!query.error) return null;
  return query.error === 'access_denied' ? denied : `${provider} answered ${query.error}${query.error_description ? `: ${query.error_description}` : ''}`;
}
