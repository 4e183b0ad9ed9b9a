/**
 * What an ERP allows one connection (one organisation / tenant), as its adapter declares it:
 * e.g. Xero: 5 concurrent, 60 per minute and 5,000 per day per tenant.
 */
export interface RateLimits {
  /** requests per window; several windows may apply at once (per minute and per day) */
  windows: { limit: number; windowMs: number }[];
  /** requests in flight at once; 0 / absent: no limit */
  concurrent?: number;
  /** headers that say how many requests are left in a window (e.g. Xero's X-MinLimit-Remaining) */
  remainingHeaders?: { header: string; windowMs: number }[];
}

/** `Retry-After` in seconds or as an HTTP date, in ms from `now`; undefined when absent or unreadable. */
export function retryAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.ceil(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Problems with declared limits, for the operator (limits may come from a connection's settings). */
export function rateLimitProblems(limits: RateLimits): string[] {
  const problems: string[] = [];
  for (const w of limits.windows) {
    if (!Number.isInteger(w.limit) || w.limit < 1) problems.push('a rate window needs a limit of at least 1 request');
    if (!Number.isInteger(w.windowMs) || w.windowMs < 100) problems.push('a rate window must last at least 100 ms');
  }
  if (limits.concurrent !== undefined && (!Number.isInteger(limits.concurrent) || limits.concurrent < 0)) {
    problems.push('concurrent requests must be a whole number ≥ 0');
  }
  return problems;
}
