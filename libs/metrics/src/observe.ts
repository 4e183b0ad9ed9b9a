import { ServerResponse } from 'node:http';
import {
  erpRequestDuration,
  erpRequests,
  httpRequestDuration,
  pleoRequestDuration,
  pleoRequests,
  syncJobDuration,
  syncJobs,
  tokenRefreshes,
  webhookIngestDuration,
  webhooksReceived,
} from './metrics';

const seconds = (startedAt: bigint) => Number(process.hrtime.bigint() - startedAt) / 1e9;

/** Times one call to Pleo and counts it by HTTP status (`network_error` when no answer came). */
export async function observePleoCall(method: string, call: () => Promise<Response>): Promise<Response> {
  const startedAt = process.hrtime.bigint();
  try {
    const res = await call();
    pleoRequests.inc({ method, status: String(res.status) });
    return res;
  } catch (err) {
    pleoRequests.inc({ method, status: (err as Error)?.name === 'TimeoutError' ? 'timeout' : 'network_error' });
    throw err;
  } finally {
    pleoRequestDuration.observe({ method }, seconds(startedAt));
  }
}

/**
 * Outcome of a finished sync job attempt, from what the processor returned or threw (the error
 * classes are told apart by name so this library depends on no app code).
 */
export function syncOutcome(result: unknown, err?: unknown): string {
  if (err === undefined) {
    return result && typeof result === 'object' && 'skipped' in result ? 'skipped' : 'succeeded';
  }
  switch ((err as Error)?.name) {
    case 'UnrecoverableError':
      return 'failed';
    case 'RetryableJobError':
      return 'retrying';
    case 'DelayedError':
    case 'CompanyBusy':
      return 'waiting';
    default:
      return 'error';
  }
}

/** Runs one job attempt, counting and timing it by queue and outcome. */
export async function observeSyncJob<T>(queue: string, run: () => Promise<T>): Promise<T> {
  const startedAt = process.hrtime.bigint();
  let outcome = 'error';
  try {
    const result = await run();
    outcome = syncOutcome(result);
    return result;
  } catch (err) {
    outcome = syncOutcome(undefined, err);
    throw err;
  } finally {
    syncJobs.inc({ queue, outcome });
    syncJobDuration.observe({ queue, outcome }, seconds(startedAt));
  }
}

/** ErpError's kind (bounded), else `error`. */
function erpOutcome(err: unknown): string {
  const kind = (err as { name?: string; kind?: unknown })?.kind;
  return (err as Error)?.name === 'ErpError' && typeof kind === 'string' ? kind : 'error';
}

// The adapter instance itself is a Nest provider too: hidden on the wrapper, so Nest does not run
// an adapter's lifecycle hook twice.
const LIFECYCLE_HOOKS = new Set(['onModuleInit', 'onApplicationBootstrap', 'onModuleDestroy', 'beforeApplicationShutdown', 'onApplicationShutdown']);

/**
 * Wraps an ERP adapter so that every method call is counted and timed by adapter, operation and
 * outcome. A Proxy, so it fits any adapter (and any later per-connection factory) unchanged.
 */
export function instrumentErpAdapter<T extends object & { readonly kind: string }>(adapter: T): T {
  return new Proxy(adapter, {
    get(target, prop, receiver) {
      if (typeof prop === 'string' && LIFECYCLE_HOOKS.has(prop)) return undefined;
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function' || typeof prop !== 'string' || prop === 'constructor') return value;
      return async (...args: unknown[]) => {
        const labels = { adapter: target.kind, operation: prop };
        const startedAt = process.hrtime.bigint();
        try {
          const result = await (value as (...a: unknown[]) => unknown).apply(target, args);
          erpRequests.inc({ ...labels, outcome: 'ok' });
          return result;
        } catch (err) {
          erpRequests.inc({ ...labels, outcome: erpOutcome(err) });
          throw err;
        } finally {
          erpRequestDuration.observe(labels, seconds(startedAt));
        }
      };
    },
  });
}

/** Minimal shape of a Fastify request/reply, so this library needs no Fastify types. */
interface HttpExchange {
  method: string;
  routeOptions?: { url?: string };
}
interface HttpReply {
  statusCode: number;
  elapsedTime: number;
  raw: ServerResponse;
}

/**
 * Observes every answered request (route template, never the raw URL: bounded labels); webhook
 * requests are also counted by outcome. `outcomeOf` reads what the handler decided (libs/logging);
 * requests refused before a handler ran (too large, bad JSON) count as http_<status>.
 */
export function observeHttpResponse(req: HttpExchange, reply: HttpReply, outcomeOf: (res: ServerResponse) => string | undefined): void {
  const route = req.routeOptions?.url ?? 'unmatched';
  const secs = reply.elapsedTime / 1000;
  httpRequestDuration.observe({ method: req.method, route, status: String(reply.statusCode) }, secs);
  if (route.startsWith('/webhooks')) {
    const outcome = outcomeOf(reply.raw) ?? `http_${reply.statusCode}`;
    webhooksReceived.inc({ outcome });
    webhookIngestDuration.observe({ outcome }, secs);
  }
}

/** Counts one OAuth token refresh by its outcome (`ok`, `revoked`, `misconfigured` …; `error` when it threw). */
export async function observeTokenRefresh<T extends { kind: string }>(refresh: Promise<T>): Promise<T> {
  try {
    const answer = await refresh;
    tokenRefreshes.inc({ outcome: answer.kind });
    return answer;
  } catch (err) {
    tokenRefreshes.inc({ outcome: 'error' });
    throw err;
  }
}
