import { ErpAdapter } from './erp-adapter.port';
import { RateLimits } from './governor/rate-limits';

export type JsonObject = Record<string, unknown>;

/** The ERP side of one connection, as the factory hands it to a kind's builder. */
export interface ErpTarget {
  /** the connection id, or "default" for the environment's connection: keys books, limits, caches */
  key: string;
  settings: JsonObject;
  /** decrypted ERP secrets (client secret, refresh token, API key), by name */
  secrets: Record<string, string>;
}

/** What a builder gets besides the target: a fetch that already takes turns under the limits. */
export interface ErpBuildDeps {
  fetch: typeof fetch;
}

/**
 * An ERP kind (sandbox, xero, business-central, tryton …): how its settings are checked, which
 * secrets it takes, its limits and how an adapter is built for one connection.
 */
export interface ErpKindDefinition {
  kind: string;
  /** secret names a connection of this kind may hold */
  secretNames: readonly string[];
  /** problems with the non-secret settings, worded for the operator; [] when fine */
  settingsProblems(settings: JsonObject): string[];
  /** the ERP's limits for one connection; null: none known (no governor) */
  rateLimits(settings: JsonObject): RateLimits | null;
  /**
   * The ERP organisation the settings point at, when the ERP's limits are per organisation (e.g.
   * Xero's per tenant): connections to one organisation then share one budget (review finding 9).
   * Absent or null: the limits are per connection.
   */
  tenantKey?(settings: JsonObject): string | null;
  build(target: ErpTarget, deps: ErpBuildDeps): ErpAdapter;
}

export const ERP_KINDS = Symbol('ERP_KINDS');
