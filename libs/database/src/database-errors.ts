/**
 * True when an error means "the database cannot be used right now" (connection refused, timed out,
 * dropped, server shutting down) rather than "this statement is wrong". Callers turn it into a
 * retryable answer (503) instead of a failure.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  const seen = new Set<unknown>();
  const pending: unknown[] = [err];
  while (pending.length) {
    const current = pending.pop();
    if (!current || typeof current !== 'object' || seen.has(current)) continue;
    seen.add(current);
    const e = current as { code?: unknown; message?: unknown; cause?: unknown; kind?: unknown; meta?: { driverAdapterError?: unknown } };
    // Prisma puts the driver's error under meta.driverAdapterError ({kind, code | cause}).
    if (e.kind === 'TooManyConnections' || e.kind === 'DatabaseNotReachable' || e.kind === 'ConnectionClosed') return true;
    const code = typeof e.code === 'string' ? e.code : '';
    const message = typeof e.message === 'string' ? e.message : '';
    if (['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2037'].includes(code)) return true;
    if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH'].includes(code)) return true;
    // PostgreSQL SQLSTATE class 08 (connection exception), 57P0x (server shutting down), class 53
    // (insufficient resources: 53300 too many clients, 53100 disk full…) and 25006 (read-only: a
    // replica answering after a failover). Each passes once the server (or the router) recovers.
    if (/^08/.test(code) || /^57P0/.test(code) || /^53/.test(code) || code === '25006') return true;
    if (/Can't reach database server|Connection terminated|timeout exceeded when trying to connect|Query read timeout|connection (?:is )?closed|terminating connection|too many clients|read-only transaction|ECONNREFUSED|ECONNRESET/i.test(message)) return true;
    pending.push(e.cause, e.meta?.driverAdapterError);
  }
  return false;
}

/** A unique constraint refused the write (Prisma P2002, or SQLSTATE 23505 from pg directly). */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: unknown; cause?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  if (e.code === 'P2002' || e.code === '23505') return true;
  return e.cause ? isUniqueViolation(e.cause) : false;
}
