import { ErpAdapter } from '@app/erp';
import { PleoExportClient, PleoVendorsClient } from '@app/pleo';

export const CONNECTION_STATUSES = ['active', 'needs_reauthorisation', 'disabled'] as const;
export type ConnectionStatus = (typeof CONNECTION_STATUSES)[number];
export type ConnectionSide = 'pleo' | 'erp';

/** Pleo secrets an operator may set. `pleoAccessToken` is ours (the cached access token), never set from outside. */
export const PLEO_SECRET_NAMES = ['pleoApiKey', 'pleoClientSecret', 'pleoRefreshToken'] as const;
export const PLEO_ACCESS_TOKEN = 'pleoAccessToken';

/** Accounts and posting behaviour of one connection (the EXPORT_* settings of the default one). */
export interface BookingSettings {
  walletAccount?: string;
  outOfPocketAccount?: string;
  contraAccount?: string;
  apAccount?: string;
  postingState: 'draft' | 'posted';
  /** items of one job posted at once */
  itemConcurrency: number;
  /** room for later: Pleo tax code → ERP tax code, tag group → ERP dimension */
  taxCodes?: Record<string, string>;
  dimensions?: Record<string, string>;
}

/** How this connection reaches Pleo: an API key, or OAuth (the app's client id; the chain is secret). */
export interface PleoSettings {
  auth: 'api_key' | 'oauth';
  clientId?: string;
}

/** A stored connection as read from the database (secrets still sealed). */
export interface ConnectionRecord {
  id: string;
  companyId: string;
  name: string;
  erpKind: string;
  erpSettings: Record<string, unknown>;
  booking: BookingSettings;
  pleo: PleoSettings;
  secrets: Record<string, string>;
  status: ConnectionStatus;
  statusSide: ConnectionSide | null;
  statusReason: string | null;
  lastVerifiedAt: Date | null;
  lastVerificationOk: boolean | null;
  lastVerificationMessage: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * What a sync needs for one company: its ERP adapter, its Pleo clients and its booking settings.
 * The environment's default connection has the same shape with `id: null`.
 */
export interface SyncConnection {
  id: string | null;
  /** the connection id, or "default": keys sandbox books, rate limits and caches */
  key: string;
  companyId: string;
  name: string;
  erp: ErpAdapter;
  pleoExports: PleoExportClient;
  pleoVendors: PleoVendorsClient;
  settings: BookingSettings;
}

/**
 * The ERP target a connection books into: its ERP kind and its key (connection id, or "default").
 * The ledgers and vendor links are scoped by it (finding 2): an entry posted for one target counts
 * as not posted in another (a company moved to a new connection is reconciled, then posted there).
 */
export const erpTargetOf = (conn: Pick<SyncConnection, 'erp' | 'key'>): string => `${conn.erp.kind}:${conn.key}`;

/** The connection cannot be used until a person acts (re-authorise, enable): its jobs wait. */
export class ConnectionUnavailable extends Error {
  constructor(
    readonly connectionId: string,
    /** `deleted`: the company's connection was deleted and nothing replaced it */
    readonly status: ConnectionStatus | 'deleted',
    reason: string,
  ) {
    super(reason);
    this.name = 'ConnectionUnavailable';
  }
}

/**
 * The company has no stored connection and PLEO_COMPANY_IDS does not list it: the environment's
 * default does not serve it. Permanent until an operator creates a connection or lists the company.
 */
export class CompanyNotServed extends Error {
  constructor(readonly companyId: string) {
    super(
      `Company ${companyId} has no connection, and PLEO_COMPANY_IDS does not list it for the environment's default connection. Create a connection for it (POST /admin/connections) or add it to PLEO_COMPANY_IDS, then replay the event.`,
    );
    this.name = 'CompanyNotServed';
  }
}
