import { ErpError } from '../../erp-errors';
import { OperationContext } from '../../erp-adapter.port';
import { bcHttpError, bcTransportError } from './bc-errors';
import { BcList } from './bc-entities';
import { BcBatchOperation, BcBatchResult, batchBody, batchChunks, readBatchAnswer } from './bc-batch';
import { keySegment, query } from './bc-odata';
import type { GovernedRequestInit } from '../../governor/rate-governor';
import { BcTokens } from './bc-token';

export interface BcClientSettings {
  apiUrl: string;
  tenantId: string;
  environment: string;
  companyId: string;
  timeoutMs?: number;
  /** a 429 whose wait is at most this long is waited out and the request sent again (twice at most) */
  maxInlineWaitMs?: number;
  /**
   * How BC counts a `$batch` toward its 6,000 per 5 minutes, for the rate governor: 'operation'
   * (default — Microsoft's docs do not say a batch counts once) or 'request'.
   */
  batchCounts?: 'operation' | 'request';
}

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

interface Call {
  method: Method;
  path: string;
  what: string;
  body?: unknown;
  /** raw bytes (attachment content) instead of JSON */
  bytes?: { content: Buffer; type: string };
  ifMatch?: string;
  /** an address outside the company (the service root's `$batch`) */
  url?: string;
  /** the request may change data (default: any method but GET) */
  write?: boolean;
  /** places it takes in the rate governor's windows (a `$batch` counted per operation) */
  cost?: number;
}

/**
 * A plain-fetch OData v4 client for one Business Central company (API v2.0), through the
 * connection's governed fetch. Every call carries a fresh Entra token (a 401 gets one new token and
 * one retry); a 429 with a short wait is waited out and retried (BC refuses it before doing
 * anything); everything else becomes the port's ErpError, a write cut off or answered 5xx with
 * `mayHaveApplied`.
 */
export class BcClient {
  readonly companyUrl: string;
  /** …/api/v2.0: where `$batch` is, and what the URLs inside a batch are relative to */
  readonly serviceRoot: string;

  constructor(
    private readonly settings: BcClientSettings,
    private readonly tokens: BcTokens,
    private readonly fetchFn: typeof fetch,
    private readonly pause: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {
    const { apiUrl, tenantId, environment, companyId } = settings;
    this.serviceRoot = `${apiUrl.replace(/\/+$/, '')}/${encodeURIComponent(tenantId)}/${encodeURIComponent(environment)}/api/v2.0`;
    this.companyUrl = `${this.serviceRoot}/${keySegment('companies', companyId)}`;
  }

  /**
   * Operations (paths relative to the company, as for the other calls) through OData JSON `$batch`,
   * at most BC's 100 per request, one result per operation in order: an operation BC refused is
   * its own ErpError, the others stand. A request that fails as a whole (429 after the inline
   * waits, 5xx, timeout, an answer that does not match) throws — its operations' outcome is unknown.
   */
  async batch<T = unknown>(operations: BcBatchOperation[], what: string, ctx: OperationContext): Promise<BcBatchResult<T>[]> {
    const out: BcBatchResult<T>[] = [];
    for (const chunk of batchChunks(operations)) {
      const body = batchBody(chunk, this.settings.companyId);
      const write = chunk.some((op) => op.method !== 'GET');
      const answer = await this.call<unknown>({ method: 'POST', url: `${this.serviceRoot}/$batch`, path: '$batch', body, what: `${what} (${chunk.length} in one $batch)`, write, cost: this.settings.batchCounts === 'request' ? 1 : chunk.length }, ctx);
      out.push(...readBatchAnswer<T>(answer, chunk, what, write));
    }
    return out;
  }

  /** One entity (null when BC answers 404). */
  async find<T>(path: string, what: string, ctx: OperationContext, params: Record<string, string | number | undefined> = {}): Promise<T | null> {
    try {
      return await this.get<T>(path, what, ctx, params);
    } catch (err) {
      if (err instanceof ErpError && err.kind === 'unknown_reference' && err.subject === 'entry') return null;
      throw err;
    }
  }

  get<T>(path: string, what: string, ctx: OperationContext, params: Record<string, string | number | undefined> = {}): Promise<T> {
    return this.call<T>({ method: 'GET', path: `${path}${query(params)}`, what }, ctx);
  }

  /** Every entity of a collection matching `$filter`, following `@odata.nextLink` pages. */
  async list<T>(path: string, what: string, ctx: OperationContext, params: Record<string, string | number | undefined> = {}): Promise<T[]> {
    const out: T[] = [];
    let next: string | undefined = `${path}${query(params)}`;
    for (let page = 0; next && page < 50; page++) {
      const answer: BcList<T> = await this.call<BcList<T>>({ method: 'GET', path: next, what }, ctx);
      out.push(...(answer.value ?? []));
      next = answer['@odata.nextLink'];
    }
    return out;
  }

  post<T>(path: string, body: unknown, what: string, ctx: OperationContext): Promise<T> {
    return this.call<T>({ method: 'POST', path, body, what }, ctx);
  }

  /** A bound action (`…/Microsoft.NAV.post`): 204 No Content. */
  async action(path: string, what: string, ctx: OperationContext): Promise<void> {
    await this.call<unknown>({ method: 'POST', path, what }, ctx);
  }

  /** PATCH with the entity's ETag (`If-Match`); `*` only where BC's docs use it (attachment content). */
  patch<T>(path: string, body: unknown, etag: string, what: string, ctx: OperationContext): Promise<T> {
    return this.call<T>({ method: 'PATCH', path, body, ifMatch: etag, what }, ctx);
  }

  async patchBytes(path: string, content: Buffer, type: string, etag: string, what: string, ctx: OperationContext): Promise<void> {
    await this.call<unknown>({ method: 'PATCH', path, bytes: { content, type }, ifMatch: etag, what }, ctx);
  }

  async delete(path: string, etag: string, what: string, ctx: OperationContext): Promise<void> {
    await this.call<unknown>({ method: 'DELETE', path, ifMatch: etag, what }, ctx);
  }

  private url(path: string): string {
    if (/^https?:\/\//.test(path)) {
      // a nextLink: only ever followed on the company's own host
      if (!path.startsWith(this.companyUrl)) throw new ErpError('unavailable', 'Business Central sent a next page on another address; refused.');
      return path;
    }
    return `${this.companyUrl}${path ? `/${path}` : ''}`;
  }

  private async call<T>(call: Call, ctx: OperationContext): Promise<T> {
    const write = call.write ?? call.method !== 'GET';
    const maxWait = this.settings.maxInlineWaitMs ?? 2_000;
    let renewed = false;
    for (let attempt = 1; ; attempt++) {
      const token = await this.tokens.accessToken();
      const timeout = AbortSignal.timeout(this.settings.timeoutMs ?? 120_000);
      const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'application/json' };
      let body: Uint8Array | string | undefined;
      if (call.bytes) {
        headers['content-type'] = call.bytes.type || 'application/octet-stream';
        body = new Uint8Array(call.bytes.content);
      } else if (call.body !== undefined) {
        headers['content-type'] = 'application/json';
        body = JSON.stringify(call.body);
      }
      if (call.ifMatch) headers['if-match'] = call.ifMatch;
      let res: Response;
      try {
        const init: GovernedRequestInit = { method: call.method, headers, body, signal: ctx.signal ? AbortSignal.any([ctx.signal, timeout]) : timeout, ...(call.cost && call.cost > 1 && { requestCost: call.cost }) };
        res = await this.fetchFn(call.url ?? this.url(call.path), init);
      } catch (err) {
        throw bcTransportError(err, call.what, write);
      }
      if (res.ok) {
        if (res.status === 204) return undefined as T;
        const text = await res.text().catch((err: unknown) => {
          throw bcTransportError(err, call.what, write);
        });
        if (!text) return undefined as T;
        try {
          return JSON.parse(text) as T;
        } catch (err) {
          throw bcTransportError(err, call.what, write);
        }
      }
      const errorBody = await res.json().catch(() => null);
      if (res.status === 401 && !renewed) {
        renewed = true;
        await this.tokens.invalidate(token);
        continue;
      }
      const error = bcHttpError(res, errorBody, call.what, write);
      if (res.status === 429 && attempt <= 2) {
        // BC refuses a 429 before doing anything: safe to send again, also for writes
        const said = res.headers.get('retry-after') !== null;
        const waitMs = said ? (error.retryAfterMs ?? 0) : 500 * 2 ** attempt;
        if (waitMs <= maxWait) {
          await this.pause(waitMs);
          continue;
        }
      }
      throw error;
    }
  }
}
