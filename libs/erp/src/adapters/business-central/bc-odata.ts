import { createHash } from 'node:crypto';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isGuid = (value: string) => GUID.test(value);

/**
 * An OData v4 literal for `$filter`: strings in single quotes with single quotes doubled
 * (`O'Brien` → `'O''Brien'`); GUIDs bare (Business Central compares Edm.Guid keys unquoted);
 * numbers and booleans as they are.
 */
export function literal(value: string | number | boolean, type: 'string' | 'guid' = 'string'): string {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`not a number literal: ${value}`);
    return String(value);
  }
  if (typeof value === 'boolean') return String(value);
  if (type === 'guid') {
    if (!isGuid(value)) throw new Error(`not a GUID: "${value}"`);
    return value.toLowerCase();
  }
  return `'${value.replace(/'/g, "''")}'`;
}

/** `field eq literal` clauses joined by `and`. */
export function eqFilter(clauses: [field: string, value: string | number | boolean, type?: 'string' | 'guid'][]): string {
  return clauses.map(([field, value, type]) => `${field} eq ${literal(value, type)}`).join(' and ');
}

/** A key in a resource path, e.g. `vendors(0f1e…)`; only GUIDs are accepted (never user text). */
export function keySegment(entitySet: string, id: string): string {
  return `${entitySet}(${literal(id, 'guid')})`;
}

/** Query string of an OData request; `$` kept literal, values percent-encoded. */
export function query(params: Record<string, string | number | undefined>): string {
  const parts = Object.entries(params)
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => `${k}=${encodeURIComponent(String(v)).replace(/%24/g, '$')}`);
  return parts.length ? `?${parts.join('&')}` : '';
}

/**
 * Our reference as a Business Central Code value: Code fields are upper-cased and short (External
 * Document No. / Vendor Invoice No. are Code[35]). A UUID loses its hyphens (32 characters); a
 * reference that still does not fit (or has other characters) becomes `H` + 32 hex digits of its
 * SHA-256, so one reference always maps to one code and different references never share one.
 */
export function referenceCode(reference: string): string {
  if (isGuid(reference)) return reference.replace(/-/g, '').toUpperCase();
  if (/^[A-Za-z0-9_-]{1,33}$/.test(reference)) return `R${reference.toUpperCase()}`;
  return `H${createHash('sha256').update(reference).digest('hex').slice(0, 32).toUpperCase()}`;
}

/** Text cut to a field's length (BC refuses longer values instead of cutting them). */
export const fit = (value: string, max: number) => (value.length <= max ? value : `${value.slice(0, max - 1)}…`);
