import { observePleoCall } from '@app/metrics';
import { backoffDelayMs, parseRetryAfterMs, sleep } from '@app/runtime';
import { PleoApiError, PleoUnreachable } from './pleo-api.error';

/** Supplies the Authorization header; `invalidate` drops a cached token after a 401. */
export interface PleoAuth {
  header(): Promise<string>;
  invalidate?(): void;
}

export interface PleoHttpOptions {
  baseUrl: string;
  timeoutMs: number;
  /** retries after the first try, on network errors, 429 and 5xx */
  maxRetries: number;
  retryBaseMs: number;
  /** a Retry-After longer than this is not waited out in-process: the error goes to the job's retry */
  maxInlineWaitMs?: number;
  userAgent?: string;
}

export interface PleoRequest {
  /** arrays become repeated parameters (statuses=pending&statuses=in_progress) */
  query?: Record<string, string | number | string[] | undefined>;
  body?: unknown;
}

/** Pleo's API over fetch: timeouts, bounded retries with backoff, Retry-After, typed errors. */
export class PleoHttp {
  constructor(
    private readonly options: PleoHttpOptions,
    private readonly auth: PleoAuth,
  ) {}

  async request<T>(method: string, path: string, req: PleoRequest = {}): Promise<T | undefined> {
    const url = new URL(path, this.options.baseUrl.endsWith('/') ? this.options.baseUrl : `${this.options.baseUrl}/`);
    for (const [k, v] of Object.entries(req.query ?? {})) {
      if (Array.isArray(v)) for (const each of v) url.searchParams.append(k, each);
      else if (v !== undefined) url.searchParams.set(k, String(v));
    }
    let reauthorised = false;
    for (let attempt = 0; ; attempt++) {
      let error: PleoApiError | PleoUnreachable;
      try {
        const authorization = await this.auth.header();
        const res = await observePleoCall(method, () => fetch(url, {
          method,
          headers: {
            authorization,
            accept: 'application/json',
            'user-agent': this.options.userAgent ?? 'pleo-erp-sync',
            ...(req.body !== undefined && { 'content-type': 'application/json' }),
          },
          body: req.body === undefined ? undefined : JSON.stringify(req.body),
          signal: AbortSignal.timeout(this.options.timeoutMs),
        }));
        const text = await res.text();
        if (res.ok) return text ? (JSON.parse(text) as T) : undefined;
        error = this.apiError(res, text, method, path);
        if (res.status === 401 && this.auth.invalidate && !reauthorised) {
          // A token can expire or be rotated by another process between fetch and use: one fresh try.
          this.auth.invalidate();
          reauthorised = true;
          attempt--;
          continue;
        }
      } catch (err) {
        if (err instanceof PleoApiError || (err as Error)?.name === 'PleoAuthError') throw err;
        error = new PleoUnreachable(method, path, err);
      }
      if (!error.retryable || attempt >= this.options.maxRetries) throw error;
      const retryAfter = error instanceof PleoApiError ? error.retryAfterMs : undefined;
      if (retryAfter !== undefined && retryAfter > (this.options.maxInlineWaitMs ?? 30_000)) throw error;
      await sleep(retryAfter ?? backoffDelayMs(attempt + 1, this.options.retryBaseMs, 30_000));
    }
  }

  /** A GET of one resource: null when Pleo answers 404. */
  async getOrNull<T>(path: string): Promise<T | null> {
    try {
      return (await this.request<T>('GET', path)) ?? null;
    } catch (err) {
      if (err instanceof PleoApiError && err.status === 404) return null;
      throw err;
    }
  }

  private apiError(res: Response, text: string, method: string, path: string): PleoApiError {
    let type: string | undefined;
    let message = res.statusText || 'error';
    try {
      const body = JSON.parse(text) as { type?: unknown; message?: unknown };
      if (typeof body.type === 'string') type = body.type;
      if (typeof body.message === 'string') message = body.message;
    } catch {
      if (text) message = text.slice(0, 300);
    }
    return new PleoApiError(res.status, type, message, method, path, parseRetryAfterMs(res.headers.get('retry-after')));
  }
}

export class ApiKeyAuth implements PleoAuth {
  private readonly value: string;

  /** HTTP Basic with the key as user name and an empty password (pleo-api.md §1.4). */
  constructor(apiKey: string) {
    this.value = `Basic ${Buffer.from(`${apiKey}:`).toString('base64')}`;
  }

  async header(): Promise<string> {
    return this.value;
  }
}
