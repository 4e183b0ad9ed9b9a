import { ConnectionRecord } from './connection.types';

/** Who the environment's default connection serves, decided for a company without a live stored row. */
export type DefaultDecision =
  | { serve: true }
  /** it had a connection that was deleted: its jobs wait until a person creates a new one (or lists it) */
  | { serve: false; deleted: ConnectionRecord }
  /** PLEO_COMPANY_IDS is set and does not list it: this deployment does not export for it */
  | { serve: false; deleted?: undefined };

/**
 * The rule (README "Which connection serves a company"):
 * - PLEO_COMPANY_IDS set: the default serves exactly the listed companies (an explicit listing also
 *   brings a company whose connection was deleted back to the default); every other company needs a
 *   stored connection.
 * - PLEO_COMPANY_IDS empty: the default serves every company that never had a stored connection; a
 *   company whose connection was deleted waits (it never silently falls back to the default's books).
 * Company ids compare case-insensitively.
 */
export function defaultDecision(companyId: string, allowed: readonly string[], deleted: ConnectionRecord | null): DefaultDecision {
  const id = companyId.toLowerCase();
  if (allowed.length) return allowed.some((a) => a.toLowerCase() === id) ? { serve: true } : { serve: false };
  return deleted ? { serve: false, deleted } : { serve: true };
}
