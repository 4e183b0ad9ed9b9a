import { createHash } from 'node:crypto';
import createClient, { Client } from 'openapi-fetch';
import type { paths } from './generated/xero-api';
import { OperationContext } from '../../erp-adapter.port';
import { xeroHttpError, xeroTransportError } from './xero-errors';
import { XeroTokens } from './xero-tokens';

export type XeroPaths = paths;

export interface XeroClientSettings {
  /** e.g. https://api.xero.com/api.xro/2.0 */
  apiUrl: string;
  tenantId: string;
  /** a call's overall deadline, its wait for a turn under the rate limits included (default 3 min) */
  timeoutMs?: number;
}

/** Headers and signal one call sends: the ones the spec types (tenant, idempotency key) and the rest. */
export interface XeroCallInit {
  header: { 'xero-tenant-id': string; 'Idempotency-Key'?: string };
  headers: { authorization: string };
  signal: AbortSignal;
}

/**
 * The Idempotency-Key of a write: the same request (same entry, same body) gets the same key, so a
 * retry is answered from Xero's replay; a changed body (the entry was corrected) is a new request.
 */
export function idempotencyKey(kind: string, reference: string, body: unknown): string {
  return `pleo-erp-sync:${kind}:${reference}:${createHash('sha256').update(JSON.stringify(body)).digest('hex').slice(0, 24)}`.slice(-128);
}

type Sent<T> = { data?: T; error?: unknown; response: Response };

/**
 * The typed Xero Accounting API (openapi-fetch over types generated from Xero's spec) through the
 * connection's governed fetch. Every call carries `xero-tenant-id` and a fresh access token; a
 * write carries its `Idempotency-Key`. A 401 gets one new token and one retry; every other failure
 * becomes the port's ErpError (a write cut off after sending: `mayHaveApplied`).
 */
export class XeroClient {
  readonly api: Client<paths>;

  constructor(
    private readonly settings: XeroClientSettings,
    private readonly tokens: XeroTokens,
    fetchFn: typeof fetch,
  ) {
    this.api = createClient<paths>({ baseUrl: settings.apiUrl.replace(/\/$/, ''), fetch: (request: Request) => fetchFn(request) });
  }

  /** A read. */
  get<T>(what: string, ctx: OperationContext, send: (init: XeroCallInit) => Promise<Sent<T>>): Promise<T> {
    return this.call(what, ctx, undefined, send);
  }

  /** A write, with its idempotency key (≤128 characters; the same key and body replay Xero's first answer). */
  write<T>(what: string, ctx: OperationContext, idempotencyKey: string, send: (init: XeroCallInit) => Promise<Sent<T>>): Promise<T> {
    return this.call(what, ctx, idempotencyKey, send);
  }

  private async call<T>(what: string, ctx: OperationContext, idempotencyKey: string | undefined, send: (init: XeroCallInit) => Promise<Sent<T>>): Promise<T> {
    const write = idempotencyKey !== undefined;
    for (let attempt = 1; ; attempt++) {
      const token = await this.tokens.accessToken();
      // overall, with the wait for a turn under the rate limits (up to ~a minute); the governor gives
      // the request itself its own deadline from the moment it is sent
      const timeout = AbortSignal.timeout(this.settings.timeoutMs ?? 180_000);
      const init: XeroCallInit = {
        header: { 'xero-tenant-id': this.settings.tenantId, ...(write && { 'Idempotency-Key': idempotencyKey }) },
        headers: { authorization: `Bearer ${token}` },
        signal: ctx.signal ? AbortSignal.any([ctx.signal, timeout]) : timeout,
      };
      let sent: Sent<T>;
      try {
        sent = await send(init);
      } catch (err) {
        throw xeroTransportError(err, what, write);
      }
      if (sent.response.ok) {
        if (sent.data === undefined) throw xeroTransportError(new Error('empty answer'), what, write);
        return sent.data;
      }
      if (sent.response.status === 401 && attempt === 1) {
        this.tokens.invalidate(token);
        continue;
      }
      throw xeroHttpError(sent.response, sent.error, what);
    }
  }
}
