import { Inject, Injectable, Logger } from '@nestjs/common';
import { ErpAdapterFactory, ErpError } from '@app/erp';
import { PleoApiError, PleoAuthError, PleoExportClient, PleoVendorsClient } from '@app/pleo';
import { ConnectionClients } from './connection-clients';
import { ConnectionRepository } from './connection.repository';
import { BookingSettings, CompanyNotServed, ConnectionRecord, ConnectionSide, ConnectionUnavailable, SyncConnection } from './connection.types';
import { defaultDecision } from './default-connection-rule';

export const ENV_CONNECTION = Symbol('ENV_CONNECTION');

/** The environment's connection (ERP_ADAPTER, EXPORT_*, PLEO_*): for companies without a row, see defaultDecision. */
export interface EnvConnectionSettings {
  erpKind: string;
  /** PLEO_COMPANY_IDS: when set, the only companies the default serves */
  companyIds?: readonly string[];
  /** the ERP's settings and secrets from the environment (e.g. TRYTON_*), as a stored connection holds them */
  erpSettings?: Record<string, unknown>;
  erpSecrets?: Record<string, string>;
  booking: BookingSettings;
}

const DEFAULT_KEY = 'default';

/** Which side refused our credentials, if that is what the error says. */
export function refusedSide(err: unknown): ConnectionSide | undefined {
  if (err instanceof PleoAuthError || (err instanceof PleoApiError && (err.status === 401 || err.status === 403))) return 'pleo';
  if (err instanceof ErpError && err.kind === 'auth') return 'erp';
  return undefined;
}

/**
 * Which connection serves a company: its stored row, else the environment's default when
 * defaultDecision allows it. Clients are built once per connection and rebuilt when the row's
 * updatedAt changes. A connection that needs re-authorisation, is disabled or was deleted (and not
 * replaced) throws ConnectionUnavailable (its jobs wait, others run); a company the default does not
 * serve throws CompanyNotServed (permanent). The company id is lower-cased here (one lock, one ledger).
 */
@Injectable()
export class ConnectionResolver {
  private readonly logger = new Logger(ConnectionResolver.name);
  private readonly cache = new Map<string, { updatedAt: number; connection: Omit<SyncConnection, 'companyId'> }>();
  private envDefault?: Omit<SyncConnection, 'companyId'>;

  constructor(
    @Inject(ENV_CONNECTION) private readonly env: EnvConnectionSettings,
    private readonly repository: ConnectionRepository,
    private readonly clients: ConnectionClients,
    private readonly factory: ErpAdapterFactory,
    private readonly pleoExports: PleoExportClient,
    private readonly pleoVendors: PleoVendorsClient,
  ) {}

  async forCompany(anyCaseCompanyId: string): Promise<SyncConnection> {
    const companyId = anyCaseCompanyId.toLowerCase();
    const record = await this.repository.forCompany(companyId);
    if (!record) return { ...(await this.defaultFor(companyId)), companyId };
    if (record.status !== 'active') {
      throw new ConnectionUnavailable(record.id, record.status, this.unavailableReason(record));
    }
    const cached = this.cache.get(record.id);
    if (cached && cached.updatedAt === record.updatedAt.getTime()) return { ...cached.connection, companyId };
    let clients;
    try {
      clients = this.clients.build(record);
    } catch (err) {
      throw new Error(`The connection "${record.name}" cannot be used: ${(err as Error).message}. Check its settings, and that ENCRYPTION_KEY is the one its secrets were stored with.`, { cause: err });
    }
    const connection = { id: record.id, key: record.id, name: record.name, settings: record.booking, ...clients };
    this.cache.set(record.id, { updatedAt: record.updatedAt.getTime(), connection });
    return { ...connection, companyId };
  }

  /**
   * Runs a sync for a company with its connection. Pleo or the ERP refusing a stored connection's
   * credentials makes that connection needs_reauthorisation and the job waits
   * (ConnectionUnavailable); the default connection's refusals stay errors, as before.
   */
  async run<T>(companyId: string, work: (connection: SyncConnection) => Promise<T>): Promise<T> {
    const connection = await this.forCompany(companyId);
    try {
      return await work(connection);
    } catch (err) {
      const side = refusedSide(err);
      if (!connection.id || !side) throw err;
      const reason = `${side === 'pleo' ? 'Pleo' : 'The ERP'} refused this connection's credentials: ${(err as Error).message}`;
      await this.markNeedsReauthorisation(connection.id, side, reason);
      throw new ConnectionUnavailable(connection.id, 'needs_reauthorisation', reason);
    }
  }

  async markNeedsReauthorisation(id: string, side: ConnectionSide, reason: string): Promise<void> {
    await this.repository.needsReauthorisation(id, side, reason);
    this.logger.warn(`connection ${id}: needs re-authorisation (${side}): ${reason}`);
  }

  private async defaultFor(companyId: string): Promise<Omit<SyncConnection, 'companyId'>> {
    const allowed = this.env.companyIds ?? [];
    const decision = defaultDecision(companyId, allowed, allowed.length ? null : await this.repository.lastDeletedForCompany(companyId));
    if (decision.serve) return this.defaultConnection();
    if (!decision.deleted) throw new CompanyNotServed(companyId);
    const reason = `The connection "${decision.deleted.name}" of company ${companyId} was deleted. Its exports wait: create a new connection for the company (or list it in PLEO_COMPANY_IDS to use the environment's default).`;
    throw new ConnectionUnavailable(decision.deleted.id, 'deleted', reason);
  }

  private defaultConnection(): Omit<SyncConnection, 'companyId'> {
    this.envDefault ??= {
      id: null,
      key: DEFAULT_KEY,
      name: 'environment default',
      erp: this.factory.build(this.env.erpKind, { key: DEFAULT_KEY, settings: this.env.erpSettings ?? {}, secrets: this.env.erpSecrets ?? {} }),
      pleoExports: this.pleoExports,
      pleoVendors: this.pleoVendors,
      settings: this.env.booking,
    };
    return this.envDefault;
  }

  private unavailableReason(record: ConnectionRecord): string {
    if (record.status === 'disabled') return `The connection "${record.name}" is disabled; enable it to continue.`;
    return `The connection "${record.name}" needs re-authorisation (${record.statusSide ?? 'unknown side'}): ${record.statusReason ?? 'no reason recorded'}`;
  }
}
