import { IncomingMessage, ServerResponse } from 'node:http';
import { PinoLogger } from 'nestjs-pino';
import type { Logger as Pino } from 'pino';

/** What a handler decided about a request, set on the raw response so the access log carries it. */
export type RequestOutcome = string;
const OUTCOME = Symbol.for('pleo-erp-sync.outcome');

export function setRequestOutcome(res: ServerResponse, outcome: RequestOutcome): void {
  (res as unknown as Record<symbol, RequestOutcome>)[OUTCOME] = outcome;
}

export function outcomeOf(res: ServerResponse): RequestOutcome | undefined {
  return (res as unknown as Record<symbol, RequestOutcome | undefined>)[OUTCOME];
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' ? value.slice(0, 200) : undefined;
}

/** The `req` of an access-log line: never the headers (signature, admin token), only the webhook id. */
export function accessLogRequest(req: IncomingMessage & { id?: unknown }) {
  return {
    id: req.id,
    method: req.method,
    // the connect flow's query carries a signed link ticket, or an OAuth code and state
    url: req.url?.startsWith('/connect/') ? req.url.split('?')[0] : req.url,
    webhookId: header(req, 'webhook-id'),
  };
}

export function accessLogLevel(_req: IncomingMessage, res: ServerResponse, err?: Error): 'error' | 'warn' | 'info' {
  return err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info';
}

let direct: Pino | undefined;

export interface AccessLogEntry {
  req: IncomingMessage;
  /** The request id (Fastify's, as in every other line). */
  id: string;
  /** The answer; absent when the client went away before one was sent. */
  res?: ServerResponse;
  responseTimeMs?: number;
}

/**
 * The access-log line of a route served outside Nest's middleware (the webhook route, issue #14),
 * written straight to the root logger: the same fields, words and levels as pino-http's line for
 * every other route, without pino-http's per-request child loggers and request context, which a
 * CPU profile showed as the largest share of the hot route that was not Node's own HTTP work.
 */
export function logAccess({ req, id, res, responseTimeMs = 0 }: AccessLogEntry): void {
  // Plain objects go in: the root's req/res serializers expect raw messages, so they are bypassed
  // (once); the root's redaction still applies.
  direct ??= (PinoLogger.root as Pino).child({}, { serializers: { req: (r: unknown) => r, res: (r: unknown) => r } });
  const line: Record<string, unknown> = { req: { ...accessLogRequest(req), id } };
  if (!res) return direct.info(line, 'request aborted');
  const outcome = outcomeOf(res);
  if (outcome !== undefined) line.outcome = outcome;
  line.res = { statusCode: res.statusCode };
  if (res.statusCode >= 500) line.err = new Error(`failed with status code ${res.statusCode}`);
  line.responseTime = Math.round(responseTimeMs);
  direct[accessLogLevel(req, res)](line, res.statusCode >= 500 ? 'request errored' : 'request completed');
}
